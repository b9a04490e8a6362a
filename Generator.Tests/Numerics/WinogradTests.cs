using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Chains that ask for Winograd F(4×4, 3×3) (Winograd = true) and that the plan runs so: against PyTorch goldens (1e-4 abs + 1e-4 rel), a residual block against
/// the scalar reference at 1, 2 and 4 threads (bit-identical), the rounding error of the transforms on large-magnitude
/// inputs, and no allocation per call. Each test first checks that the generated kernel is the Winograd one, so a change
/// of the plan's choice cannot make these tests pass on the direct kernel.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class WinogradTests
{
    private readonly ITestOutputHelper _output;
    public WinogradTests(ITestOutputHelper output) => _output = output;

    /// <summary>How many of <paramref name="source"/>'s chain files run Winograd (<paramref name="algorithm"/>: F(4×4,3×3) or F(2×2,3×3)).</summary>
    private static int WinogradKernels(string source, string algorithm = "F(4×4,3×3)") =>
        GeneratorHarness.RunGenerator(source).Sources.Count(s => s.SourceText.ToString().Contains($"Winograd {algorithm}, not the direct kernel"));

    [Theory]
    [MemberData(nameof(WinogradCases.Names), MemberType = typeof(WinogradCases))]
    public void Chain_matches_PyTorch(string name)
    {
        ChainCase chain = WinogradCases.Get(name);
        int outH = chain.SampleShape[1] + 2 * chain.Conv!.Padding - 2, outW = chain.SampleShape[2] + 2 * chain.Conv.Padding - 2;
        string algorithm = outH >= 8 && outW >= 8 ? "F(4×4,3×3)" : "F(2×2,3×3)";
        Assert.Equal(1, WinogradKernels(WinogradCases.Source(chain), algorithm));
        Assert.Equal(0, WinogradKernels(WinogradCases.Direct(chain), algorithm)); // Winograd = false: the direct kernel
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(name));
        CompiledModel model = CompiledModel.Compile(WinogradCases.Source(chain), chain.TypeName);
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2, 4 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(input, batch);
            double largest = Tolerance.AssertClose(golden.ReadFloat32("output"), actual, $"{name} at {degree} thread(s)");
            if (first is null) { first = actual; _output.WriteLine($"{name}: largest difference from PyTorch {largest:E2}"); }
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>A ResNet basic block at 64 channels on a 15×15 plane (partial tiles): both convs run as Winograd, the second adds x.</summary>
    internal const string Block = """
        using System;
        using FusedNorm;
        namespace Wino;
        [Model(64, 15, 15)]
        public sealed partial class Block
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Winograd = true, Name = "conv1")] [BatchNorm(Name = "bn1")]
            public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)]
            [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Winograd = true, Name = "conv2")] [BatchNorm(Name = "bn2")]
            public partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> identity, Span<float> y, int batch);
        }
        """;

    private static float[] Uniform(Random random, int n, double low, double high) =>
        Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();

    private static (CompiledModel Model, float[] X, float[] Expected) PrepareBlock(int batch)
    {
        var random = new Random(1301);
        var writer = new SafeTensorsWriter();
        float[] x = Uniform(random, batch * 64 * 15 * 15, -2, 2);
        float[] ConvBn(float[] input, string conv, string bn)
        {
            float bound = 1f / MathF.Sqrt(64 * 9);
            float[] w = Uniform(random, 64 * 64 * 9, -bound, bound);
            writer.Add(conv + ".weight", w, 64, 64, 3, 3);
            float[] g = Uniform(random, 64, 0.5, 1.5), b = Uniform(random, 64, -0.5, 0.5), m = Uniform(random, 64, -0.3, 0.3), v = Uniform(random, 64, 0.5, 2);
            writer.Add(bn + ".weight", g, 64); writer.Add(bn + ".bias", b, 64); writer.Add(bn + ".running_mean", m, 64); writer.Add(bn + ".running_var", v, 64);
            float[] y = Reference.ConvNd(input, batch, 64, new[] { 15, 15 }, w, null, 64, 1, 3, 1, 1, 1);
            return Reference.BatchNormEval(y, batch, 64, 15 * 15, g, b, m, v, 1e-5);
        }
        float[] h = Reference.Activation(ConvBn(x, "conv1", "bn1"), Layer.ReLU);
        float[] expected = Reference.Activation(Reference.Add(ConvBn(h, "conv2", "bn2"), x), Layer.ReLU);
        CompiledModel model = CompiledModel.Compile(Block, "Wino.Block");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        return (model, x, expected);
    }

    [Fact]
    public void Residual_block_matches_reference_and_is_identical_at_1_2_and_4_threads()
    {
        Assert.Equal(2, WinogradKernels(Block));
        const int batch = 2;
        var (model, x, expected) = PrepareBlock(batch);
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2, 4 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(expected, actual, $"Winograd block at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>
    /// Shapes the plan picks Winograd for by itself (no Winograd argument) that reach the two-step kernel's edges: an odd
    /// panel after the pairs and a group of 4 tiles (80 channels, 60 tiles in groups of 56), a last transform band of one
    /// tile row and a group of 3 tiles (9 × 3 tiles, padding 0), 100 tiles in one group (12 blocks of 8, then the 4-tile
    /// block), partial tiles on both edges, batch 1–3. Planes under 8×8 run F(2×2, 3×3): ResNet's layer4 (512 channels on
    /// 7×7: 16 tiles in two GEMM blocks of 8), an odd panel (272 channels) with partial 2×2 tiles on both edges at batch 2, a
    /// 6×5 plane (3 × 3 tiles, padding 0: a GEMM block of 8 and one tile alone). Against the scalar reference, and the same bits at 1, 2 and 3
    /// threads.
    /// </summary>
    [Theory]
    [InlineData(64, 80, 22, 37, 1, 3)]
    [InlineData(72, 64, 37, 12, 0, 2)]
    [InlineData(96, 128, 40, 40, 1, 1)]
    [InlineData(512, 512, 7, 7, 1, 1)]
    [InlineData(256, 272, 7, 7, 1, 2)]
    [InlineData(256, 256, 8, 7, 0, 1)]
    public void Shapes_the_plan_runs_as_Winograd_match_the_reference(int inC, int outC, int height, int width, int padding, int batch)
    {
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Wino;
            [Model({{inC}}, {{height}}, {{width}})]
            public sealed partial class Auto
            {
                [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
                [Conv2d({{outC}}, KernelSize = 3, Padding = {{padding}}, Bias = false, Name = "conv")] [BatchNorm(Name = "bn")]
                public partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        int outH = height + 2 * padding - 2, outW = width + 2 * padding - 2;
        string algorithm = outH >= 8 && outW >= 8 ? "F(4×4,3×3)" : "F(2×2,3×3)";
        Assert.Equal(1, WinogradKernels(source, algorithm)); // chosen by the plan, not asked for
        var random = new Random(1400 + inC + outC + height);
        var writer = new SafeTensorsWriter();
        float[] x = Uniform(random, batch * inC * height * width, -2, 2);
        float[] expected = Reference.Activation(ConvBnReference(random, writer, x, batch, inC, outC, height, width, padding), Layer.ReLU);
        CompiledModel model = CompiledModel.Compile(source, "Wino.Auto");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        AssertSameAtOneToThreeThreads(model, x, batch, expected, $"{algorithm}: {inC}→{outC} on {height}×{width}, padding {padding}, batch {batch}");
    }

    /// <summary>
    /// Draws a 3×3 conv's weight ("conv") and an eval BatchNorm ("bn") from <paramref name="random"/>, writes them, and
    /// returns the scalar reference's conv + BatchNorm of <paramref name="x"/>.
    /// </summary>
    private static float[] ConvBnReference(Random random, SafeTensorsWriter writer, float[] x, int batch, int inC, int outC, int height, int width, int padding)
    {
        float bound = 1f / MathF.Sqrt(inC * 9);
        float[] w = Uniform(random, outC * inC * 9, -bound, bound);
        float[] g = Uniform(random, outC, 0.5, 1.5), b = Uniform(random, outC, -0.5, 0.5), m = Uniform(random, outC, -0.3, 0.3), v = Uniform(random, outC, 0.5, 2);
        writer.Add("conv.weight", w, outC, inC, 3, 3);
        writer.Add("bn.weight", g, outC); writer.Add("bn.bias", b, outC); writer.Add("bn.running_mean", m, outC); writer.Add("bn.running_var", v, outC);
        int outH = height + 2 * padding - 2, outW = width + 2 * padding - 2;
        return Reference.BatchNormEval(Reference.ConvNd(x, batch, inC, new[] { height, width }, w, null, outC, 1, 3, 1, padding, 1), batch, outC, outH * outW, g, b, m, v, 1e-5);
    }

    /// <summary>The model's Forward at 1, 2 and 3 threads: each within the tolerance of <paramref name="expected"/>, all the same bits.</summary>
    private static void AssertSameAtOneToThreeThreads(CompiledModel model, float[] x, int batch, float[] expected, string what)
    {
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2, 3 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(expected, actual, $"{what}, at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>
    /// Chains that end in the global average pool (ResNet's last conv: + skip, ReLU, AdaptiveAvgPool2d(1)) run Winograd
    /// with one tile group per sample, each task summing its channels' planes: F(2×2) on 7×7 at 512 channels (16 tiles) and
    /// 256 → 256 at batch 2; F(4×4) on 14×14 at 64 channels (16 tiles) and without a skip, 128 → 256 on 12×12 (9 tiles).
    /// Against the scalar reference; the same bits at 1, 2 and 3 threads.
    /// </summary>
    [Theory]
    [InlineData(512, 512, 7, true, 1)]
    [InlineData(256, 256, 7, true, 2)]
    [InlineData(64, 64, 14, true, 1)]
    [InlineData(128, 256, 12, false, 2)]
    public void Chains_ending_in_the_global_average_run_Winograd_and_match_the_reference(int inC, int outC, int size, bool skip, int batch)
    {
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Wino;
            [Model({{inC}}, {{size}}, {{size}})]
            public sealed partial class Head
            {
                [Fuse(Layer.Conv2d, Layer.BatchNorm2d{{(skip ? ", Layer.Add" : "")}}, Layer.ReLU, Layer.AdaptiveAvgPool2d{{(skip ? ", Skip = Graph.Input" : "")}})]
                [Conv2d({{outC}}, KernelSize = 3, Padding = 1, Bias = false, Name = "conv")] [BatchNorm(Name = "bn")]
                public partial void Conv(ReadOnlySpan<float> x, {{(skip ? "ReadOnlySpan<float> skip, " : "")}}Span<float> y, int batch);
            }
            """;
        string algorithm = size >= 8 ? "F(4×4,3×3)" : "F(2×2,3×3)";
        Assert.Equal(1, WinogradKernels(source, algorithm));
        var random = new Random(1500 + inC + outC + size);
        var writer = new SafeTensorsWriter();
        float[] x = Uniform(random, batch * inC * size * size, -2, 2);
        float[] conv = ConvBnReference(random, writer, x, batch, inC, outC, size, size, padding: 1);
        float[] expected = Reference.GlobalAveragePool(Reference.Activation(skip ? Reference.Add(conv, x) : conv, Layer.ReLU), batch, outC, size * size);
        CompiledModel model = CompiledModel.Compile(source, "Wino.Head");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        AssertSameAtOneToThreeThreads(model, x, batch, expected, $"{algorithm} into the global average: {inC}→{outC} on {size}×{size}, batch {batch}");
    }

    /// <summary>
    /// Chains whose norm computes its statistics run Winograd (asked for: the plan picks it by itself from 64 channels): the
    /// tile store writes the raw conv output and adds the moments of its tile group, a normalize step applies the norm, the
    /// skip and the activation. InstanceNorm with the skip on whole tiles, GroupNorm with groups across panels, partial tiles
    /// and the skip, LayerNorm over [C, H, W] (one run over every panel) and over [H, W], F(2×2) on a 6×6 plane; batch 1–3.
    /// Against the scalar reference; the same bits at 1, 2 and 3 threads.
    /// </summary>
    [Theory]
    [InlineData("InstanceNorm", 32, 32, 16, 16, true, 2)]
    [InlineData("GroupNorm", 64, 64, 13, 18, true, 1, 2)]
    [InlineData("LayerNormCHW", 32, 48, 9, 11, false, 3)]
    [InlineData("LayerNormHW", 48, 32, 12, 12, false, 1)]
    [InlineData("GroupNorm", 64, 64, 6, 6, true, 2, 16)]
    public void Statistics_chains_run_Winograd_and_match_the_reference(string norm, int inC, int outC, int height, int width, bool skip, int batch, int groups = 1)
    {
        string attribute = norm switch
        {
            "InstanceNorm" => "[InstanceNorm(Affine = true, Name = \"n\")]",
            "GroupNorm" => $"[GroupNorm({groups}, Name = \"n\")]",
            "LayerNormCHW" => $"[LayerNorm({outC}, {height}, {width}, Name = \"n\")]",
            _ => $"[LayerNorm({height}, {width}, Name = \"n\")]",
        };
        string layer = norm switch { "InstanceNorm" => "Layer.InstanceNorm2d", "GroupNorm" => "Layer.GroupNorm", _ => "Layer.LayerNorm" };
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Wino;
            [Model({{inC}}, {{height}}, {{width}})]
            public sealed partial class Stats
            {
                [Fuse(Layer.Conv2d, {{layer}}{{(skip ? ", Layer.Add" : "")}}, Layer.ReLU{{(skip ? ", Skip = Graph.Input" : "")}})]
                [Conv2d({{outC}}, KernelSize = 3, Padding = 1, Winograd = true, Name = "conv")] {{attribute}}
                public partial void Conv(ReadOnlySpan<float> x, {{(skip ? "ReadOnlySpan<float> skip, " : "")}}Span<float> y, int batch);
            }
            """;
        string algorithm = height >= 8 && width >= 8 ? "F(4×4,3×3)" : "F(2×2,3×3)";
        Assert.Equal(1, WinogradKernels(source, algorithm));
        var random = new Random(1600 + inC + outC + height + width);
        var writer = new SafeTensorsWriter();
        int spatial = height * width;
        float[] x = Uniform(random, batch * inC * spatial, -2, 2);
        float bound = 1f / MathF.Sqrt(inC * 9);
        float[] w = Uniform(random, outC * inC * 9, -bound, bound), bias = Uniform(random, outC, -1, 1);
        writer.Add("conv.weight", w, outC, inC, 3, 3);
        writer.Add("conv.bias", bias, outC);
        bool elementwise = norm.StartsWith("LayerNorm", StringComparison.Ordinal);
        int affine = norm == "LayerNormCHW" ? outC * spatial : norm == "LayerNormHW" ? spatial : outC;
        float[] gamma = Uniform(random, affine, 0.5, 1.5), beta = Uniform(random, affine, -0.5, 0.5);
        int[] shape = norm == "LayerNormCHW" ? new[] { outC, height, width } : norm == "LayerNormHW" ? new[] { height, width } : new[] { outC };
        writer.Add("n.weight", gamma, shape);
        writer.Add("n.bias", beta, shape);
        int runLength = norm switch { "InstanceNorm" => spatial, "GroupNorm" => outC / groups * spatial, "LayerNormCHW" => outC * spatial, _ => spatial };
        float[] conv = Reference.ConvNd(x, batch, inC, new[] { height, width }, w, bias, outC, 1, 3, 1, 1, 1);
        float[] normalized = Reference.NormalizeRuns(conv, runLength, spatial, gamma, beta, 1e-5, elementwise, outC * spatial);
        float[] expected = Reference.Activation(skip ? Reference.Add(normalized, x) : normalized, Layer.ReLU);
        CompiledModel model = CompiledModel.Compile(source, "Wino.Stats");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        AssertSameAtOneToThreeThreads(model, x, batch, expected, $"{algorithm} with {norm}: {inC}→{outC} on {height}×{width}, batch {batch}{(skip ? ", + skip" : "")}");
    }

    /// <summary>
    /// Statistics chains Winograd does not take, each with the reason in its fusion plan: LayerNorm over the last dim only
    /// (a run is one row, a tile spans four), BatchNorm with batch statistics (one mean per channel over the batch), a
    /// statistics chain that pools after the norm.
    /// </summary>
    [Theory]
    [InlineData("[LayerNorm(16, Name = \"n\")]", "Layer.LayerNorm", "", "are not whole 16×16 planes")]
    [InlineData("[BatchNorm(TrackRunningStats = false, Name = \"n\")]", "Layer.BatchNorm2d", "", "the norm uses batch statistics")]
    [InlineData("[InstanceNorm(Name = \"n\")] [MaxPool2d(KernelSize = 2)]", "Layer.InstanceNorm2d", ", Layer.MaxPool2d", "the chain computes statistics and pools")]
    public void Statistics_chains_Winograd_declines_say_why(string attributes, string norm, string pool, string why)
    {
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Wino;
            [Model(32, 16, 16)]
            public sealed partial class Declined
            {
                [Fuse(Layer.Conv2d, {{norm}}, Layer.ReLU{{pool}})]
                [Conv2d(32, KernelSize = 3, Padding = 1, Name = "conv")] {{attributes}}
                public partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        string plan = string.Concat(GeneratorHarness.RunGenerator(source).Sources.Select(s => s.SourceText.ToString()));
        Assert.DoesNotContain("not the direct kernel", plan);
        string declined = plan.Split('\n').Single(line => line.Contains("the direct kernel, not Winograd"));
        Assert.Contains(why, declined);
    }

    [Fact]
    public void Forward_allocates_nothing_in_steady_state()
    {
        const int batch = 1;
        var (model, x, _) = PrepareBlock(batch);
        float[] y = new float[batch * model.OutputSize];
        Action<float[], float[], int> forward = model.ForwardDelegate();
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 30; i++) forward(x, y, batch); // tiered JIT, the pools' first rents
            var windows = new List<long>();
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) forward(x, y, batch);
                windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
                if (windows[^1] == 0) break;
            }
            Assert.True(windows.Contains(0), $"at {degree} thread(s): every window of 50 calls allocated ({string.Join(", ", windows)} bytes)");
        }
    }

    /// <summary>One 3×3 conv, 64 → 64 channels on SIZE×SIZE, with a bias and nothing after it.</summary>
    private const string Plain = """
        using System;
        using FusedNorm;
        namespace Wino;
        [Model(64, SIZE, SIZE)]
        public sealed partial class Plain
        {
            [Fuse(Layer.Conv2d)]
            [Conv2d(64, KernelSize = 3, Padding = 1, Winograd = true, Name = "conv")]
            public partial void Chain(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// The transforms' rounding on large-magnitude inputs (|x| up to 1e4, |w| up to 4, so outputs reach ~1e6): each output's
    /// error, relative to the sum of the magnitudes of its 576 products (the scale any float32 conv's rounding is
    /// proportional to), stays below 1e-5 (measured: 1.7e-6). Also checked: the error relative to the output itself where
    /// the output is not a cancellation (|y| ≥ 10 % of that scale) stays below 1e-4.
    /// </summary>
    [Theory]
    [InlineData(16, "F(4×4,3×3)")]
    [InlineData(7, "F(2×2,3×3)")]
    public void Large_magnitude_inputs_stay_within_the_transform_error_bound(int size, string algorithm)
    {
        string plain = Plain.Replace("SIZE", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, WinogradKernels(plain, algorithm));
        var random = new Random(1302);
        const int batch = 1, c = 64;
        float[] x = Uniform(random, batch * c * size * size, -1e4, 1e4);
        float[] w = Uniform(random, c * c * 9, -4, 4), b = Uniform(random, c, -100, 100);
        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", w, c, c, 3, 3);
        writer.Add("conv.bias", b, c);
        CompiledModel model = CompiledModel.Compile(plain, "Wino.Plain");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] actual = model.Forward(x, batch);
        float[] expected = Reference.ConvNd(x, batch, c, new[] { size, size }, w, b, c, 1, 3, 1, 1, 1);
        float[] scale = Reference.ConvNd(x.Select(MathF.Abs).ToArray(), batch, c, new[] { size, size }, w.Select(MathF.Abs).ToArray(), b.Select(MathF.Abs).ToArray(), c, 1, 3, 1, 1, 1);
        double worstScaled = 0, worstRelative = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            worstScaled = Math.Max(worstScaled, error / scale[i]);
            if (Math.Abs(expected[i]) >= 0.1 * scale[i]) worstRelative = Math.Max(worstRelative, error / Math.Abs(expected[i]));
        }
        _output.WriteLine($"{algorithm}: largest error / Σ|w·x| = {worstScaled:E2}; largest relative error where |y| ≥ 10 % of Σ|w·x|: {worstRelative:E2}");
        Assert.True(worstScaled < 1e-5, $"error / Σ|w·x| reached {worstScaled:E2}");
        Assert.True(worstRelative < 1e-4, $"relative error reached {worstRelative:E2}");
    }
}
