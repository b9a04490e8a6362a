using System.Collections.Generic;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// One ConvTranspose2d chain with a PyTorch golden (tools/GoldenGen 'convtranspose' writes
/// Generator.Tests/Goldens/convt_{Name}.safetensors from this same list): the module is nn.Sequential of "up"
/// (ConvTranspose2d), then "bn" (BatchNorm2d, <see cref="BatchStatistics"/>: track_running_stats=False) or "gn"
/// (GroupNorm with <see cref="GroupNormGroups"/> groups) if any, and the activation.
/// </summary>
public sealed record ConvTransposeCase(
    string Name, int Batch, int InChannels, int Height, int Width, int OutChannels, int Kernel, int Stride, int Padding,
    int OutputPadding = 0, int Dilation = 1, int Groups = 1, bool Bias = true,
    bool BatchNorm = false, bool BatchStatistics = false, int GroupNormGroups = 0, Layer? Activation = null)
{
    public int OutHeight => (Height - 1) * Stride - 2 * Padding + Dilation * (Kernel - 1) + OutputPadding + 1;
    public int OutWidth => (Width - 1) * Stride - 2 * Padding + Dilation * (Kernel - 1) + OutputPadding + 1;

    /// <summary>The model class the test compiles: one chain, Convt.Net.Up.</summary>
    public string Source()
    {
        var layers = new List<string> { "Layer.ConvTranspose2d" };
        string norm = "";
        if (BatchNorm) { layers.Add("Layer.BatchNorm2d"); norm = BatchStatistics ? "[BatchNorm(TrackRunningStats = false, Name = \"bn\")]" : "[BatchNorm(Name = \"bn\")]"; }
        if (GroupNormGroups > 0) { layers.Add("Layer.GroupNorm"); norm = $"[GroupNorm({GroupNormGroups}, Name = \"gn\")]"; }
        if (Activation is { } a) layers.Add("Layer." + a);
        return $$"""
            using System;
            using FusedNorm;
            namespace Convt;
            [Model({{InChannels}}, {{Height}}, {{Width}})]
            public sealed partial class Net
            {
                [Fuse({{string.Join(", ", layers)}})]
                [ConvTranspose2d({{OutChannels}}, KernelSize = {{Kernel}}, Stride = {{Stride}}, Padding = {{Padding}}, OutputPadding = {{OutputPadding}}, Dilation = {{Dilation}}, Groups = {{Groups}}, Bias = {{(Bias ? "true" : "false")}}, Name = "up")] {{norm}}
                public partial void Up(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
    }
}

public static class ConvTransposeCases
{
    public static readonly ConvTransposeCase[] All =
    {
        // A UNet's up step: k2 s2, an odd plane, BatchNorm folded, ReLU.
        new("k2s2_bn_relu", Batch: 2, InChannels: 16, Height: 7, Width: 9, OutChannels: 8, Kernel: 2, Stride: 2, Padding: 0, Bias: false, BatchNorm: true, Activation: Layer.ReLU),
        // k3 s2 p1 output_padding 1 (exactly doubles the plane), GroupNorm + SiLU.
        new("k3s2_p1_op1_gn_silu", Batch: 3, InChannels: 6, Height: 5, Width: 6, OutChannels: 8, Kernel: 3, Stride: 2, Padding: 1, OutputPadding: 1, GroupNormGroups: 4, Activation: Layer.SiLU),
        // k4 s2 p1 (DCGAN's up step), bias, Tanh.
        new("k4s2_p1_tanh", Batch: 2, InChannels: 8, Height: 6, Width: 5, OutChannels: 12, Kernel: 4, Stride: 2, Padding: 1, Activation: Layer.Tanh),
        // Stride 3, dilation 2, two groups, output_padding 1, padding larger than nothing: no norm.
        new("k3s3_d2_g2_op1", Batch: 2, InChannels: 4, Height: 4, Width: 5, OutChannels: 6, Kernel: 3, Stride: 3, Padding: 2, OutputPadding: 1, Dilation: 2, Groups: 2, Activation: Layer.ReLU),
        // Stride 1 with batch statistics; a plane wide enough for whole vectors.
        new("k3s1_p1_bnbatch", Batch: 3, InChannels: 5, Height: 8, Width: 19, OutChannels: 9, Kernel: 3, Stride: 1, Padding: 1, BatchNorm: true, BatchStatistics: true),
        // Padding beyond the window, dilation·(k − 1) − padding = −1: the upsampled copy crops the first input row and column.
        new("k2s2_p2_crop", Batch: 1, InChannels: 3, Height: 6, Width: 7, OutChannels: 5, Kernel: 2, Stride: 2, Padding: 2),
    };
}
