using System.Collections.Generic;
using System.Linq;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// One pre-activation chain with a PyTorch golden (tools/GoldenGen 'preact' writes
/// Generator.Tests/Goldens/preact_{Name}.safetensors from this same list): nn.Sequential of "bn" (BatchNorm1d/2d/3d in eval
/// mode, running statistics drawn away from their defaults) when <see cref="Norm"/>, "act" (<see cref="Activation"/>) if any,
/// then "conv" (Conv1d/2d/3d): PreAct-ResNet's and DenseNet's BN → ReLU → Conv, the norm and activation applied as the conv
/// reads its input.
/// </summary>
public sealed record PreActCase(
    string Name, int Batch, int Rank, int InChannels, int Size, int OutChannels, int Kernel, int Stride = 1, int Padding = 0,
    bool Bias = true, bool Norm = true, Layer? Activation = Layer.ReLU, int Width = 0)
{
    /// <summary>The input's spatial dims: Size in every dim, but the last is <see cref="Width"/> when set.</summary>
    public int[] Dims => Enumerable.Range(0, Rank).Select(d => d == Rank - 1 && Width > 0 ? Width : Size).ToArray();
    public int[] OutDims => Dims.Select(d => (d + 2 * Padding - Kernel) / Stride + 1).ToArray();
    public int InputSize => InChannels * Dims.Aggregate(1, (a, d) => a * d);
    public int OutputSize => OutChannels * OutDims.Aggregate(1, (a, d) => a * d);

    /// <summary>The model class the test compiles: one chain, PreAct.Net.Block.</summary>
    public string Source()
    {
        var layers = new List<string>();
        var attributes = new List<string>();
        if (Norm) { layers.Add($"Layer.BatchNorm{Rank}d"); attributes.Add("[BatchNorm(Name = \"bn\")]"); }
        if (Activation is { } a) layers.Add("Layer." + a);
        layers.Add($"Layer.Conv{Rank}d");
        attributes.Add($"[Conv{Rank}d({OutChannels}, KernelSize = {Kernel}, Stride = {Stride}, Padding = {Padding}, Bias = {(Bias ? "true" : "false")}, Name = \"conv\")]");
        return $$"""
            using System;
            using FusedNorm;
            namespace PreAct;
            [Model({{InChannels}}, {{string.Join(", ", Dims)}})]
            public sealed partial class Net
            {
                [Fuse({{string.Join(", ", layers)}})]
                {{string.Join(" ", attributes)}}
                public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
    }
}

public static class PreActCases
{
    public static readonly PreActCase[] All =
    {
        // PreAct-ResNet's bn → relu → conv3x3 pad 1: the padding of the activated tensor stays zero.
        new("bn_relu_conv3x3_p1", Batch: 2, Rank: 2, InChannels: 6, Size: 10, Width: 12, OutChannels: 8, Kernel: 3, Padding: 1, Bias: false),
        // DenseNet's transition without the activation: bn → conv1x1, a conv that reads its input directly otherwise.
        new("bn_conv1x1", Batch: 2, Rank: 2, InChannels: 12, Size: 9, Width: 11, OutChannels: 10, Kernel: 1, Activation: null),
        // Conv1d with BatchNorm1d and ReLU, padded.
        new("bn1d_relu_conv1d", Batch: 2, Rank: 1, InChannels: 5, Size: 23, OutChannels: 7, Kernel: 3, Padding: 1),
        // A strided conv (its copy split into column phases) after bn → SiLU.
        new("bn_silu_conv3x3_s2", Batch: 3, Rank: 2, InChannels: 4, Size: 13, Width: 21, OutChannels: 8, Kernel: 3, Stride: 2, Padding: 1),
        // Conv3d with BatchNorm3d and ReLU.
        new("bn3d_relu_conv3d", Batch: 1, Rank: 3, InChannels: 3, Size: 6, Width: 9, OutChannels: 4, Kernel: 3, Padding: 1),
        // An activation alone before the conv (no norm).
        new("relu_conv3x3", Batch: 2, Rank: 2, InChannels: 3, Size: 8, Width: 17, OutChannels: 5, Kernel: 3, Padding: 1),
    };
}

/// <summary>
/// One standalone norm and/or activation chain (no compute layer) with a PyTorch golden (tools/GoldenGen 'standalone'
/// writes Generator.Tests/Goldens/standalone_{Name}.safetensors from this list): nn.Sequential of "norm" (BatchNorm in eval
/// mode with drawn running statistics, GroupNorm with <see cref="Groups"/>, InstanceNorm with affine, or LayerNorm over the
/// last <see cref="LayerNormDims"/> dims) if any, then "act" if any.
/// </summary>
public sealed record StandaloneCase(string Name, int Batch, int Channels, int[] Dims, Layer? Norm, Layer? Activation, int Groups = 0, int LayerNormDims = 0)
{
    public int Size => Channels * Dims.Aggregate(1, (a, d) => a * d);
    /// <summary>LayerNorm's normalized_shape: the last LayerNormDims dims of (C, dims…).</summary>
    public int[] NormalizedShape => new[] { Channels }.Concat(Dims).Skip(Dims.Length + 1 - LayerNormDims).ToArray();

    public string Source()
    {
        var layers = new List<string>();
        string attribute = "";
        if (Norm is { } n)
        {
            layers.Add("Layer." + n);
            attribute = n switch
            {
                Layer.GroupNorm => $"[GroupNorm({Groups}, Name = \"norm\")]",
                Layer.LayerNorm => $"[LayerNorm({string.Join(", ", NormalizedShape)}, Name = \"norm\")]",
                Layer.InstanceNorm1d or Layer.InstanceNorm2d or Layer.InstanceNorm3d => "[InstanceNorm(Affine = true, Name = \"norm\")]",
                _ => "[BatchNorm(Name = \"norm\")]",
            };
        }
        if (Activation is { } a) layers.Add("Layer." + a);
        return $$"""
            using System;
            using FusedNorm;
            namespace Standalone;
            [Model({{Channels}}, {{string.Join(", ", Dims)}})]
            public sealed partial class Net
            {
                [Fuse({{string.Join(", ", layers)}})] {{attribute}}
                public partial void Pass(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
    }
}

public static class StandaloneCases
{
    public static readonly StandaloneCase[] All =
    {
        // DenseNet's final norm5 + relu: BatchNorm2d (running statistics) and ReLU with nothing to fuse into.
        new("bn_relu", Batch: 2, Channels: 6, Dims: new[] { 9, 13 }, Norm: Layer.BatchNorm2d, Activation: Layer.ReLU),
        // A UNet's GroupNorm → SiLU before a conv, as a chain of its own.
        new("gn_silu", Batch: 2, Channels: 8, Dims: new[] { 10, 12 }, Norm: Layer.GroupNorm, Activation: Layer.SiLU, Groups: 4),
        // LayerNorm over (C, H, W), no activation.
        new("ln_chw", Batch: 3, Channels: 4, Dims: new[] { 6, 10 }, Norm: Layer.LayerNorm, Activation: null, LayerNormDims: 3),
        // InstanceNorm1d with affine, then GELU.
        new("in1d_gelu", Batch: 2, Channels: 5, Dims: new[] { 37 }, Norm: Layer.InstanceNorm1d, Activation: Layer.GELU),
        // A lone activation on a 3d tensor.
        new("relu3d", Batch: 2, Channels: 3, Dims: new[] { 4, 5, 9 }, Norm: null, Activation: Layer.ReLU),
    };
}
