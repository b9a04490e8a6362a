using System;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// ConvTranspose2d chains against libtorch (Goldens/convt_*.safetensors, one per <see cref="ConvTransposeCases"/> entry:
/// kernels 2–4, strides 1–3, padding, output_padding, dilation, groups, a padding that crops, odd planes, batch 1–3,
/// folded BatchNorm, batch statistics, GroupNorm), at 1 and 2 threads; and the scalar reference against the same goldens.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ConvTransposeTests
{
    public static TheoryData<string> Names => new(ConvTransposeCases.All.Select(c => c.Name));
    private static ConvTransposeCase Get(string name) => ConvTransposeCases.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void ConvTranspose2d_chain_matches_pytorch_at_1_and_2_threads(string name)
    {
        ConvTransposeCase c = Get(name);
        CompiledModel model = CompiledModel.Compile(c.Source(), "Convt.Net");
        Assert.Equal(c.OutChannels * c.OutHeight * c.OutWidth, model.OutputSize);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("convt_" + name));
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(input, c.Batch);
            Tolerance.AssertClose(golden.ReadFloat32("output"), actual, $"{name} vs libtorch at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>The scalar reference (the scatter definition) against libtorch, on the cases without a norm.</summary>
    [Theory]
    [InlineData("k4s2_p1_tanh")]
    [InlineData("k3s3_d2_g2_op1")]
    [InlineData("k2s2_p2_crop")]
    public void Reference_ConvTranspose2d_matches_pytorch(string name)
    {
        ConvTransposeCase c = Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("convt_" + name));
        float[] y = Reference.ConvTranspose2d(golden.ReadFloat32("input"), c.Batch, c.InChannels, c.Height, c.Width,
            golden.ReadFloat32("up.weight"), c.Bias ? golden.ReadFloat32("up.bias") : null, c.OutChannels, c.Groups,
            c.Kernel, c.Stride, c.Padding, c.OutputPadding, c.Dilation);
        if (c.Activation is { } a) y = Reference.Activation(y, a);
        Tolerance.AssertClose(golden.ReadFloat32("output"), y, name + " (reference)");
    }

    /// <summary>The generated kernel against the reference on shapes no golden has: batch 2, random weights.</summary>
    [Theory]
    [InlineData(3, 5, 7, 4, 2, 2, 0, 0, 1, 1)]
    [InlineData(8, 9, 4, 16, 3, 2, 1, 1, 1, 1)]
    [InlineData(2, 3, 11, 8, 4, 4, 0, 3, 1, 2)]
    [InlineData(6, 6, 6, 9, 5, 3, 3, 0, 2, 3)]
    [InlineData(1, 1, 1, 3, 3, 2, 0, 1, 1, 1)]
    public void ConvTranspose2d_chain_matches_reference(int inC, int h, int w, int outC, int k, int stride, int padding, int outputPadding, int dilation, int groups)
    {
        const int batch = 2;
        var c = new ConvTransposeCase("random", batch, inC, h, w, outC, k, stride, padding, outputPadding, dilation, groups);
        var random = new Random(inC * 1000 + h * 100 + k * 10 + stride);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] weight = Draw(inC * (outC / groups) * k * k), bias = Draw(outC), x = Draw(batch * inC * h * w);
        var writer = new SafeTensorsWriter();
        writer.Add("up.weight", weight, inC, outC / groups, k, k);
        writer.Add("up.bias", bias, outC);
        CompiledModel model = CompiledModel.Compile(c.Source(), "Convt.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] expected = Reference.ConvTranspose2d(x, batch, inC, h, w, weight, bias, outC, groups, k, stride, padding, outputPadding, dilation);
        Assert.Equal(batch * outC * c.OutHeight * c.OutWidth, expected.Length);
        Tolerance.AssertClose(expected, model.Forward(x, batch), $"ConvTranspose2d {inC}→{outC} k{k} s{stride} p{padding} op{outputPadding} d{dilation} g{groups} on {h}×{w}");
    }
}
