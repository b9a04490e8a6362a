using System;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Pre-activation chains (a BatchNorm and/or activation listed before the convolution, applied as the conv's input copy is
/// made): against libtorch (Goldens/preact_*.safetensors, one per <see cref="PreActCases"/> entry, and PreAct-ResNet's basic
/// block as a whole model) at 1 and 2 threads, bit-identical across them; the scalar reference composed by hand against the
/// same goldens; and the kernels against the reference where the copy is more than a padding (a padding layer, a
/// ConvTranspose2d, column phases without padding, rows narrower than a vector).
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class PreActTests
{
    public static TheoryData<string> Names => new(PreActCases.All.Select(c => c.Name));
    private static PreActCase Get(string name) => PreActCases.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void PreActivation_chain_matches_pytorch_at_1_and_2_threads(string name)
    {
        PreActCase c = Get(name);
        CompiledModel model = CompiledModel.Compile(c.Source(), "PreAct.Net");
        Assert.Equal(c.OutputSize, model.OutputSize);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("preact_" + name));
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        float[] before = (float[])input.Clone();
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
        Assert.Equal(before, input); // the pre-activation works on the copy, never on the caller's input
    }

    /// <summary>The scalar reference, composed as PyTorch's Sequential runs it (BatchNorm eval, activation, conv), against libtorch.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Reference_composition_matches_pytorch(string name)
    {
        PreActCase c = Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("preact_" + name));
        float[] x = golden.ReadFloat32("input");
        int spatial = c.Dims.Aggregate(1, (a, d) => a * d);
        if (c.Norm)
            x = Reference.BatchNormEval(x, c.Batch, c.InChannels, spatial, golden.ReadFloat32("bn.weight"), golden.ReadFloat32("bn.bias"),
                golden.ReadFloat32("bn.running_mean"), golden.ReadFloat32("bn.running_var"), 1e-5);
        if (c.Activation is { } a) x = Reference.Activation(x, a);
        float[] y = Reference.ConvNd(x, c.Batch, c.InChannels, c.Dims, golden.ReadFloat32("conv.weight"), c.Bias ? golden.ReadFloat32("conv.bias") : null,
            c.OutChannels, 1, c.Kernel, c.Stride, c.Padding, 1);
        Tolerance.AssertClose(golden.ReadFloat32("output"), y, name + " (reference)");
    }

    /// <summary>PreAct-ResNet's basic block, x → bn1 → relu → conv1 → bn2 → relu → conv2 (+ x), with kuangliu's keys.</summary>
    internal const string Block = """
        using System;
        using FusedNorm;
        namespace PreAct;
        [Model(8, 10, 16)]
        public sealed partial class PreActBlock
        {
            // bn1 and relu before conv1 (the pre-activation), bn2 and relu after it (folded into conv1's epilogue).
            [Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [BatchNorm(Name = "bn1")] [Conv2d(8, KernelSize = 3, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn2")]
            public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.Add, Skip = Graph.Input)]
            [Conv2d(8, KernelSize = 3, Padding = 1, Bias = false, Name = "conv2")]
            public partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> shortcut, Span<float> y, int batch);
        }
        """;

    [Fact]
    public void PreAct_ResNet_basic_block_matches_pytorch_from_its_state_dict()
    {
        CompiledModel model = CompiledModel.Compile(Block, "PreAct.PreActBlock");
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("preact_block"));
        string[] expectedKeys = golden.Names.Where(n => n is not ("input" or "output") && !n.EndsWith(".num_batches_tracked")).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(expectedKeys, model.StateDictKeys().OrderBy(n => n, StringComparer.Ordinal).ToArray());
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(input, 2);
            Tolerance.AssertClose(golden.ReadFloat32("output"), actual, $"PreActBlock vs libtorch at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    private static float[] Draw(Random random, int n, double low = -1, double high = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();

    /// <summary>A BatchNorm's four tensors under <paramref name="name"/>, drawn away from their defaults.</summary>
    private static (float[] Gamma, float[] Beta, float[] Mean, float[] Var) AddBatchNorm(SafeTensorsWriter writer, Random random, string name, int channels, bool affine = true)
    {
        var bn = (Draw(random, channels, 0.5, 1.5), Draw(random, channels, -0.5, 0.5), Draw(random, channels, -0.5, 0.5), Draw(random, channels, 0.5, 2));
        if (affine) { writer.Add(name + ".weight", bn.Item1, channels); writer.Add(name + ".bias", bn.Item2, channels); }
        writer.Add(name + ".running_mean", bn.Item3, channels);
        writer.Add(name + ".running_var", bn.Item4, channels);
        return bn;
    }

    private static string Model(string shape, string chain) => $$"""
        using System;
        using FusedNorm;
        namespace PreAct;
        [Model({{shape}})]
        public sealed partial class Net
        {
            {{chain}}
            public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// BatchNorm without affine, LeakyReLU(0.2), then a 1×1 stride-2 conv: a copy split into column phases with no padding.
    /// And rows narrower than a vector (a 5×6 plane), which the scalar pixel kernel computes.
    /// </summary>
    [Theory]
    [InlineData(6, 9, 20, 16, 1, 2, 0)]
    [InlineData(5, 5, 6, 8, 3, 1, 1)]
    public void NonAffine_batchnorm_and_leaky_relu_before_a_conv_match_the_reference(int c, int h, int w, int oc, int k, int stride, int padding)
    {
        const int batch = 3;
        var random = new Random(c * 100 + h * 10 + k);
        var writer = new SafeTensorsWriter();
        var bn = AddBatchNorm(writer, random, "norm", c, affine: false);
        float[] weight = Draw(random, oc * c * k * k), bias = Draw(random, oc), x = Draw(random, batch * c * h * w, -2, 2);
        writer.Add("conv.weight", weight, oc, c, k, k);
        writer.Add("conv.bias", bias, oc);
        CompiledModel model = CompiledModel.Compile(Model($"{c}, {h}, {w}",
            $"[Fuse(Layer.BatchNorm2d, Layer.LeakyReLU, Layer.Conv2d)] [BatchNorm(Affine = false, Eps = 1e-3, Name = \"norm\")] [LeakyReLU(NegativeSlope = 0.2)] [Conv2d({oc}, KernelSize = {k}, Stride = {stride}, Padding = {padding}, Name = \"conv\")]"), "PreAct.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] a = Reference.BatchNormEval(x, batch, c, h * w, null, null, bn.Mean, bn.Var, 1e-3);
        a = Reference.Activation(a, Layer.LeakyReLU, 0.2);
        float[] expected = Reference.Conv2d(a, batch, c, h, w, weight, bias, oc, k, k, stride, stride, padding, padding, 1, 1);
        Tolerance.AssertClose(expected, model.Forward(x, batch), $"BN(affine=False) + LeakyReLU + conv {k}×{k} s{stride} p{padding} on {h}×{w}");
    }

    /// <summary>BatchNorm, ReLU, ReflectionPad2d, Conv2d: the reflected values are the activated ones (the pad reads the pre-activated plane).</summary>
    [Fact]
    public void Pre_activation_before_a_padding_layer_matches_the_reference()
    {
        const int batch = 2, c = 4, h = 9, w = 13, oc = 8;
        var random = new Random(77);
        var writer = new SafeTensorsWriter();
        var bn = AddBatchNorm(writer, random, "bn", c);
        float[] weight = Draw(random, oc * c * 9), x = Draw(random, batch * c * h * w, -2, 2);
        writer.Add("conv.weight", weight, oc, c, 3, 3);
        CompiledModel model = CompiledModel.Compile(Model($"{c}, {h}, {w}",
            $"[Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.ReflectionPad2d, Layer.Conv2d)] [BatchNorm(Name = \"bn\")] [ReflectionPad2d(2, 1, 1, 2)] [Conv2d({oc}, KernelSize = 3, Bias = false, Name = \"conv\")]"), "PreAct.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] a = Reference.Activation(Reference.BatchNormEval(x, batch, c, h * w, bn.Gamma, bn.Beta, bn.Mean, bn.Var, 1e-5), Layer.ReLU);
        a = Reference.Pad(a, batch, c, new[] { h, w }, new[] { 1, 2 }, new[] { 2, 1 }, PaddingMode.Reflect);
        float[] expected = Reference.Conv2d(a, batch, c, h + 3, w + 3, weight, null, oc, 3, 3, 1, 1, 0, 0, 1, 1);
        Tolerance.AssertClose(expected, model.Forward(x, batch), "BN + ReLU + ReflectionPad2d + conv");
    }

    /// <summary>BatchNorm, SiLU, ConvTranspose2d k2 s2: the pre-activated planes are upsampled with zeros between them.</summary>
    [Fact]
    public void Pre_activation_before_a_transposed_conv_matches_the_reference()
    {
        const int batch = 2, c = 6, h = 5, w = 7, oc = 8;
        var random = new Random(78);
        var writer = new SafeTensorsWriter();
        var bn = AddBatchNorm(writer, random, "bn", c);
        float[] weight = Draw(random, c * oc * 4), bias = Draw(random, oc), x = Draw(random, batch * c * h * w, -2, 2);
        writer.Add("up.weight", weight, c, oc, 2, 2);
        writer.Add("up.bias", bias, oc);
        CompiledModel model = CompiledModel.Compile(Model($"{c}, {h}, {w}",
            $"[Fuse(Layer.BatchNorm2d, Layer.SiLU, Layer.ConvTranspose2d)] [BatchNorm(Name = \"bn\")] [ConvTranspose2d({oc}, KernelSize = 2, Stride = 2, Name = \"up\")]"), "PreAct.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] a = Reference.Activation(Reference.BatchNormEval(x, batch, c, h * w, bn.Gamma, bn.Beta, bn.Mean, bn.Var, 1e-5), Layer.SiLU);
        float[] expected = Reference.ConvTranspose2d(a, batch, c, h, w, weight, bias, oc, 1, 2, 2, 0, 0, 1);
        Tolerance.AssertClose(expected, model.Forward(x, batch), "BN + SiLU + ConvTranspose2d");
    }
}
