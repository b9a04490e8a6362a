using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Conv chains that compute their statistics (InstanceNorm, GroupNorm, LayerNorm, BatchNorm with batch statistics) split
/// into row bands whose number the planner fixes from the shape: each band keeps partial moments, merged in band order. Each
/// case runs at 1, 2, 3 and 4 threads, at batch 1 and 3: every run must match the scalar reference and all must give the
/// same bits. Band boundaries fall inside runs (a plane, a group), between runs (LayerNorm over rows), inside 3d planes, and
/// across channel blocks (runs that span blocks take one moments task per (sample, band)).
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class StatisticsBandTests
{
    private static readonly int[] Degrees = { 1, 2, 3, 4 };
    private readonly ITestOutputHelper _output;
    public StatisticsBandTests(ITestOutputHelper output) => _output = output;

    /// <summary>Cases and the bands the plan must give them (1: not banded, and why is in the case's name).</summary>
    private static readonly (ChainCase Chain, int MinBands)[] Cases =
    {
        // InstanceNorm: runs are planes, inside a channel block; 2 blocks per sample.
        (new("bands_in2d_affine_relu", new[] { 4, 20, 24 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU), 2),
        // A tail block (12 = 8 + 4), stride 2, no affine, rows that do not divide by the bands.
        (new("bands_in2d_tail_s2", new[] { 5, 37, 26 }, new ConvCase(12, 3, Stride: 2, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Affine: false, Track: false), Activation: Layer.SiLU), 2),
        // GroupNorm(4) of 16 channels: 2 groups per block. GroupNorm(1): the group spans both blocks (moments task per sample).
        (new("bands_gn4_gelu", new[] { 4, 18, 20 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 4), Activation: Layer.GELU), 2),
        (new("bands_gn1_spans_blocks", new[] { 3, 17, 21 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Affine: false, Groups: 1), Activation: Layer.ReLU), 2),
        // LayerNorm over (C, H, W) (one run, all blocks), (H, W) (a plane), (W) (a row: bands hold whole runs), without bias.
        (new("bands_ln_chw", new[] { 3, 16, 18 }, new ConvCase(12, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 12, 16, 18 }), Activation: Layer.GELU), 2),
        (new("bands_ln_hw", new[] { 4, 16, 16 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 16, 16 }), Activation: Layer.GELU), 2),
        (new("bands_ln_w_nobias", new[] { 4, 14, 24 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 24 }, Bias: false)), 2),
        // LayerNorm over rows of a tall plane: 1600 runs per band, so the slots (at most 4096 per sample) allow only 2 bands.
        (new("bands_ln_w_tall", new[] { 4, 200, 40 }, new ConvCase(8, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 40 }), Activation: Layer.ReLU), 2),
        // BatchNorm with batch statistics: a channel's moments over (sample, band).
        (new("bands_bn_batchstats", new[] { 4, 19, 20 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.BatchNorm2d, Track: false), Activation: Layer.ReLU), 2),
        (new("bands_bn_batchstats_noaffine_tail", new[] { 6, 16, 30 }, new ConvCase(10, 3, Padding: 1), NormOf: new(Layer.BatchNorm2d, Affine: false, Track: false)), 2),
        // 3d: bands of rows of every plane; LayerNorm over (H, W) gives runs inside each depth plane.
        (new("bands_in3d", new[] { 3, 5, 12, 16 }, new ConvCase(8, 3, Padding: 1), Rank: 3, NormOf: new(Layer.InstanceNorm3d, Affine: true, Track: false), Activation: Layer.ReLU), 2),
        (new("bands_gn3d", new[] { 4, 4, 12, 14 }, new ConvCase(8, 3, Padding: 1), Rank: 3, NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.GELU), 2),
        (new("bands_ln3d_hw", new[] { 3, 4, 12, 16 }, new ConvCase(8, 3, Padding: 1), Rank: 3, NormOf: new(Layer.LayerNorm, Shape: new[] { 12, 16 }), Activation: Layer.SiLU), 2),
        (new("bands_bn3d_batchstats", new[] { 3, 4, 10, 16 }, new ConvCase(8, 3, Padding: 1), Rank: 3, NormOf: new(Layer.BatchNorm3d, Track: false), Activation: Layer.ReLU), 2),
        // Not banded: 1d (one row), pooling (a window reads rows of two bands). Still the same bits at every thread count.
        (new("bands_none_in1d", new[] { 4, 300 }, new ConvCase(16, 3, Padding: 1), Rank: 1, NormOf: new(Layer.InstanceNorm1d, Affine: true, Track: false), Activation: Layer.ReLU), 1),
        (new("bands_none_gn_maxpool", new[] { 4, 20, 24 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 4), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 2)), 1),
    };

    public static IEnumerable<object[]> CaseNames => Cases.SelectMany(c => new[] { 1, 3 }.Select(b => new object[] { c.Chain.Name, b }));

    private static int StatBands(ChainCase chain)
    {
        string generated = string.Concat(GeneratorHarness.RunGenerator(chain.Source()).Sources.Select(s => s.SourceText.ToString()));
        Match m = Regex.Match(generated, @"const int StatBands = (\d+);");
        return m.Success ? int.Parse(m.Groups[1].Value) : 1;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Statistics_chain_matches_reference_with_the_same_bits_at_1_to_4_threads(string name, int batch)
    {
        var (chain, minBands) = Cases.Single(c => c.Chain.Name == name);
        int bands = StatBands(chain);
        _output.WriteLine($"{name}: {bands} statistics band(s)");
        if (minBands == 1) Assert.Equal(1, bands);
        else Assert.True(bands >= minBands, $"{name}: the plan gave {bands} statistics band(s), expected at least {minBands}");
        ReferenceTests.Check(chain, seed: name.Length * 13 + batch, degrees: Degrees, batch: batch);
    }

    [Fact]
    public void Bands_keep_at_most_4096_moment_slots_per_sample()
    {
        var (chain, _) = Cases.Single(c => c.Chain.Name == "bands_ln_w_tall");
        Assert.Equal(2, StatBands(chain)); // 16 by the tasks and the work, 4096 / (8 channels × 200 rows) = 2 by the slots
    }

    /// <summary>Residual adds in the normalize step of banded chains (InstanceNorm, GroupNorm, batch statistics, LayerNorm), as a graph, at batch 1.</summary>
    [Fact]
    public void Residual_statistics_graph_has_the_same_bits_at_1_to_4_threads()
    {
        var (model, x, expected, batch) = ResidualTests.Prepare(nameof(ResidualTests.StatisticsBlocks), 1, seed: 77);
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in Degrees)
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(expected, actual, $"at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>
    /// Inputs offset by 1e4 with a spread of 2e-2, where float E[x²] − mean² returns noise (NormNumericsTests shows it), through
    /// a 1×1 identity conv so the kernel and the double reference normalize the same floats: each band's sums are shifted by
    /// its own first value and re-based when merged, and must keep the reference's precision, at every thread count.
    /// </summary>
    [Theory]
    [InlineData("instance")]
    [InlineData("group_spanning_blocks")]
    [InlineData("layer_chw")]
    [InlineData("layer_w")]
    [InlineData("batch")]
    public void Large_offset_with_a_tiny_spread_keeps_its_precision_across_bands(string norm)
    {
        const int C = 16, H = 32, W = 24, Batch = 2;
        (string attribute, string layer) = norm switch
        {
            "instance" => ("[InstanceNorm(Name = \"bn\", Affine = true)]", "InstanceNorm2d"),
            "group_spanning_blocks" => ("[GroupNorm(1, Name = \"bn\")]", "GroupNorm"),
            "layer_chw" => ($"[LayerNorm({C}, {H}, {W}, Name = \"bn\")]", "LayerNorm"),
            "layer_w" => ($"[LayerNorm({W}, Name = \"bn\")]", "LayerNorm"),
            _ => ("[BatchNorm(Name = \"bn\", TrackRunningStats = false)]", "BatchNorm2d"),
        };
        string source = $$"""
            using System;
            using FusedNorm;
            namespace BandOffsets;
            [Model({{C}}, {{H}}, {{W}})]
            public sealed partial class Net
            {
                [Fuse(Layer.Conv2d, Layer.{{layer}})]
                [Conv2d({{C}}, KernelSize = 1, Bias = false, Name = "conv")]
                {{attribute}}
                public partial void Chain(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        string generated = string.Concat(GeneratorHarness.RunGenerator(source).Sources.Select(s => s.SourceText.ToString()));
        Assert.Matches(@"const int StatBands = [2-9]", generated);
        var random = new Random(12);
        int affineLength = norm switch { "layer_chw" => C * H * W, "layer_w" => W, _ => C };
        float[] gamma = Enumerable.Range(0, affineLength).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        float[] beta = Enumerable.Range(0, affineLength).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] identity = new float[C * C];
        for (int c = 0; c < C; c++) identity[c * C + c] = 1f;
        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", identity, C, C, 1, 1);
        int[] affineShape = norm switch { "layer_chw" => new[] { C, H, W }, "layer_w" => new[] { W }, _ => new[] { C } };
        writer.Add("bn.weight", gamma, affineShape);
        writer.Add("bn.bias", beta, affineShape);
        CompiledModel model = CompiledModel.Compile(source, "BandOffsets.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] x = Enumerable.Range(0, Batch * C * H * W)
            .Select(_ => (float)(1e4 + 2e-2 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
        float[] expected = norm switch
        {
            "instance" => Reference.NormalizeRuns(x, H * W, H * W, gamma, beta, 1e-5, elementwise: false, sampleSize: C * H * W),
            "group_spanning_blocks" => Reference.NormalizeRuns(x, C * H * W, H * W, gamma, beta, 1e-5, elementwise: false, sampleSize: C * H * W),
            "layer_chw" => Reference.NormalizeRuns(x, C * H * W, H * W, gamma, beta, 1e-5, elementwise: true, sampleSize: C * H * W),
            "layer_w" => Reference.NormalizeRuns(x, W, H * W, gamma, beta, 1e-5, elementwise: true, sampleSize: C * H * W),
            _ => Reference.BatchNormBatch(x, Batch, C, H * W, gamma, beta, 1e-5).Y,
        };
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in Degrees)
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, Batch);
            Tolerance.AssertClose(expected, actual, $"{norm} at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>InstanceNorm with tracked running statistics: the training forward (one thread) and its running statistics at 1 to 4 threads.</summary>
    [Fact]
    public void Tracked_instance_norm_training_has_the_same_bits_at_1_to_4_threads()
    {
        ChainCase chain = ChainCases.Get("conv_in_tracked_train");
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(chain.Name));
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        using var restore = new MaxDegreeScope();
        (float[] Output, float[] Mean, float[] Var)? first = null;
        foreach (int degree in Degrees)
        {
            Parallelism.MaxDegree = degree;
            CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName, "ChainTraining");
            model.LoadWeights(golden);
            float[] output = model.Training(input, batch);
            Tolerance.AssertClose(golden.ReadFloat32("output"), output, $"at {degree} thread(s)");
            SafeTensorsFile running = model.RunningStatistics();
            var result = (output, running.ReadFloat32("bn.running_mean"), running.ReadFloat32("bn.running_var"));
            if (first is null) first = result;
            else
            {
                Assert.Equal(first.Value.Output, result.Item1);
                Assert.Equal(first.Value.Mean, result.Item2);
                Assert.Equal(first.Value.Var, result.Item3);
            }
        }
    }

    [Theory]
    [InlineData("bands_in2d_affine_relu")]
    [InlineData("bands_gn1_spans_blocks")]
    [InlineData("bands_ln_w_nobias")]
    [InlineData("bands_bn_batchstats")]
    [InlineData("bands_ln3d_hw")]
    public void Banded_forward_allocates_nothing_in_steady_state(string name)
    {
        ChainCase chain = Cases.Single(c => c.Chain.Name == name).Chain;
        var (weights, _) = ReferenceTests.RandomWeights(chain, new Random(3));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(SafeTensorsFile.FromBytes(weights.ToArray()));
        const int batch = 2;
        float[] x = Enumerable.Range(0, batch * model.InputSize).Select(i => MathF.Sin(i)).ToArray(), y = new float[batch * model.OutputSize];
        Action<float[], float[], int> forward = model.ForwardDelegate();
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 50; i++) forward(x, y, batch);
            long[] windows = new long[3];
            for (int w = 0; w < windows.Length; w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 200; i++) forward(x, y, batch);
                windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
                if (windows[w] == 0) break;
            }
            _output.WriteLine($"{name} at {degree} thread(s): {string.Join(", ", windows)} bytes per window of 200 calls");
            Assert.Contains(0L, windows);
        }
    }
}
