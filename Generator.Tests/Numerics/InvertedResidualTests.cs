using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using FusedNorm.Generator.Plan;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using static FusedNorm.Tests.Numerics.ResidualTests;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// The one-kernel inverted residual (InvertedResidualPlan): expand 1×1 → depthwise k×k → project 1×1 as one kernel over a
/// ring of expanded rows, at Vector512 and at Vector256. Each case is checked against the scalar reference composed by hand, at 1–3
/// threads (bit-identical), and against the three chains run one by one (what Forward runs without Vector512). The cases
/// cover stride 1 and 2, kernel 3 and 5, hidden and output channels that are not whole vectors of 16, odd planes (the
/// shifted-back last tiles), and a projection with an activation after its add.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class InvertedResidualTests
{
    public sealed record Case(string Name, int In, int Hidden, int Out, int Size, int Kernel, int Stride, string? ExpandAct, string? DepthwiseAct, string? ProjectAct, bool Skip, int Width = 0)
    {
        /// <summary>The plane's width: <see cref="Size"/> (its height) unless given.</summary>
        public int W => Width > 0 ? Width : Size;
        public int OutSize => (Size + 2 * (Kernel / 2) - Kernel) / Stride + 1;
        public int OutW => (W + 2 * (Kernel / 2) - Kernel) / Stride + 1;
    }

    public static readonly Case[] Cases =
    {
        // MobileNetV2's shape of block: ReLU6, ReLU6, linear projection + x; 40 hidden channels (3 vectors, the last
        // half zeros), 8 outputs (half a vector).
        new("s1_skip", 8, 40, 8, 58, 3, 1, "ReLU6", "ReLU6", null, true),
        // Stride 2 onto an odd plane (61 → 31), 36 hidden, 20 outputs, other activations, no skip.
        new("s2_odd", 12, 36, 20, 61, 3, 2, "Hardswish", "ReLU", null, false),
        // Kernel 5 (padding 2, a ring of 5 rows), the add followed by a ReLU.
        new("k5_skip_relu", 8, 48, 8, 53, 5, 1, "ReLU6", "SiLU", "ReLU", true),
        // Kernel 5, stride 2 (46 → 23), 64 hidden, 24 outputs.
        new("k5_s2", 16, 64, 24, 46, 5, 2, "ReLU6", "ReLU6", null, false),
        // Small planes, MobileNetV2 224²'s features.14 and .15 shapes scaled down: 14 → 7 at stride 2 (at 2–3 threads the
        // bands have 2 rows of 7, fewer than 16 positions: the projection's one-value-at-a-time store), and 7×7 + x.
        new("small_s2", 16, 96, 40, 14, 3, 2, "ReLU6", "ReLU6", null, false),
        new("small_s1", 40, 96, 40, 7, 3, 1, "ReLU6", "ReLU6", null, true),
        // A plane that is not square (21 rows of 50, stride 2 → 11 × 25).
        new("wide_s2", 8, 32, 16, 21, 3, 2, "ReLU6", "ReLU6", null, false, Width: 50),
    };

    public static IEnumerable<object[]> Names => Cases.Select(c => new object[] { c.Name });

    private static string Act(string? act) => act is null ? "" : ", Layer." + act;

    internal static string Source(Case c) => $$"""
        using System;
        using FusedNorm;
        namespace IR;
        [Model({{c.In}}, {{c.Size}}, {{c.W}})]
        public sealed partial class Block
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d{{Act(c.ExpandAct)}})]
            [Conv2d({{c.Hidden}}, KernelSize = 1, Bias = false, Name = "conv.0.0")] [BatchNorm(Name = "conv.0.1")]
            public partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d{{Act(c.DepthwiseAct)}})]
            [Conv2d({{c.Hidden}}, KernelSize = {{c.Kernel}}, Stride = {{c.Stride}}, Padding = {{c.Kernel / 2}}, Groups = {{c.Hidden}}, Bias = false, Name = "conv.1.0")] [BatchNorm(Name = "conv.1.1")]
            public partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d{{(c.Skip ? ", Layer.Add" : "")}}{{Act(c.ProjectAct)}}{{(c.Skip ? ", Skip = Graph.Input" : "")}})]
            [Conv2d({{c.Out}}, KernelSize = 1, Bias = false, Name = "conv.2")] [BatchNorm(Name = "conv.3")]
            public partial void Project(ReadOnlySpan<float> x, {{(c.Skip ? "ReadOnlySpan<float> skip, " : "")}}Span<float> y, int batch);
        }
        """;

    private static string Entry(Case c) => $$"""
        public static class IrEntry
        {
            public static void Forward(object m, float[] x, float[] y, int batch) => ((IR.Block)m).Forward(x, y, batch);
            public static void Chains(object m, float[] x, float[] h, float[] d, float[] y, int batch)
            {
                var b = (IR.Block)m;
                b.Expand(x, h, batch);
                b.Depthwise(h, d, batch);
                b.Project(d, {{(c.Skip ? "x, " : "")}}y, batch);
            }
        }
        """;

    private static float[] Activation(float[] x, string? act) => act is null ? x : Reference.Activation(x, Enum.Parse<Layer>(act));

    private static float[] Expected(Case c, Weights w, float[] x, int batch)
    {
        float[] e = Activation(ConvBn(w, x, batch, c.In, c.Size, c.W, "conv.0.0", "conv.0.1", c.Hidden, 1, 1, 0, 1), c.ExpandAct);
        float[] d = Activation(ConvBn(w, e, batch, c.Hidden, c.Size, c.W, "conv.1.0", "conv.1.1", c.Hidden, c.Kernel, c.Stride, c.Kernel / 2, c.Hidden), c.DepthwiseAct);
        float[] p = ConvBn(w, d, batch, c.Hidden, c.OutSize, c.OutW, "conv.2", "conv.3", c.Out, 1, 1, 0, 1);
        return Activation(c.Skip ? Reference.Add(p, x) : p, c.ProjectAct);
    }

    /// <summary>A bias-free conv + eval BatchNorm over an h × w plane (ResidualTests.ConvBn's square planes, not square).</summary>
    private static float[] ConvBn(Weights w, float[] x, int batch, int c, int h, int width, string conv, string bn, int outC, int k, int stride, int padding, int groups)
    {
        var (cw, _) = w.Conv(conv, outC, c / groups, k, bias: false);
        var (g, b, m, v) = w.BatchNorm(bn, outC);
        float[] y = Reference.ConvNd(x, batch, c, new[] { h, width }, cw, null, outC, groups, k, stride, padding, 1);
        int outH = Reference.OutputSize(h, k, stride, padding), outW = Reference.OutputSize(width, k, stride, padding);
        return Reference.BatchNormEval(y, batch, outC, outH * outW, g, b, m, v, 1e-5);
    }

    private sealed record Loaded(object Model, Assembly Assembly, float[] X, float[] Expected);

    private static Loaded Load(Case c, int batch)
    {
        var weights = new Weights(c.Name.Length * 7 + batch);
        Assembly assembly = GeneratorHarness.CompileAndLoad(Source(c), Entry(c));
        object model = Activator.CreateInstance(assembly.GetType("IR.Block")!)!;
        float[] x = weights.Uniform(batch * c.In * c.Size * c.W, -2f, 2f);
        float[] expected = Expected(c, weights, x, batch);
        model.GetType().GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!.Invoke(model, new object[] { SafeTensorsFile.FromBytes(weights.Writer.ToArray()) });
        return new Loaded(model, assembly, x, expected);
    }

    private static float[] Forward(Loaded m, Case c, int batch)
    {
        float[] y = new float[batch * c.Out * c.OutSize * c.OutW];
        m.Assembly.GetType("IrEntry")!.GetMethod("Forward")!.Invoke(null, new object[] { m.Model, m.X, y, batch });
        return y;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_block_kernel_matches_the_reference_and_the_three_chains_at_1_to_3_threads(string name)
    {
        Case c = Cases.Single(k => k.Name == name);
        const int batch = 2;
        Loaded m = Load(c, batch);
        // The block runs as one kernel: its method exists (ExpandInvertedResidual: the chains share no block prefix).
        Assert.NotNull(m.Model.GetType().GetMethod("ExpandInvertedResidual", BindingFlags.NonPublic | BindingFlags.Instance));

        using var restore = new MaxDegreeScope();
        float[]? first = null;
        // Vector512 (where accelerated), then the Vector256 path a CPU without AVX-512 runs (BlockKernels.UseVector512 is
        // global: the tests that compare a block model's bits across thread counts are all in this collection).
        foreach (bool wide in new[] { true, false })
        {
            float[]? atWidth = null;
            try
            {
                BlockKernels.UseVector512 = wide;
                foreach (int degree in new[] { 1, 2, 3 })
                {
                    Parallelism.MaxDegree = degree;
                    float[] actual = Forward(m, c, batch);
                    Tolerance.AssertClose(m.Expected, actual, $"{name} at {degree} thread(s), {(wide ? "Vector512" : "Vector256")}");
                    if (atWidth is null) atWidth = actual;
                    else Assert.Equal(atWidth, actual);
                }
            }
            finally { BlockKernels.UseVector512 = true; }
            first ??= atWidth;
        }

        // The three chains one by one (Forward's path without Vector512) give the same result within the tolerance.
        float[] h = new float[batch * c.Hidden * c.Size * c.W], d = new float[batch * c.Hidden * c.OutSize * c.OutW];
        float[] y = new float[batch * c.Out * c.OutSize * c.OutW];
        m.Assembly.GetType("IrEntry")!.GetMethod("Chains")!.Invoke(null, new object[] { m.Model, m.X, h, d, y, batch });
        Tolerance.AssertClose(m.Expected, y, $"{name}, the three chains");
        Tolerance.AssertClose(y, first!, $"{name}: the three chains against Forward");
    }

    [Fact]
    public void The_block_kernel_allocates_nothing_in_steady_state()
    {
        Case c = Cases[0];
        const int batch = 1;
        Loaded m = Load(c, batch);
        float[] y = new float[batch * c.Out * c.OutSize * c.OutW];
        var forward = (Action<object, float[], float[], int>)Delegate.CreateDelegate(typeof(Action<object, float[], float[], int>), m.Assembly.GetType("IrEntry")!.GetMethod("Forward")!);
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 30; i++) forward(m.Model, m.X, y, batch);
            long least = long.MaxValue;
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) forward(m.Model, m.X, y, batch);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.Equal(0, least);
        }
    }

    [Fact]
    public void Every_block_kernel_method_stays_inside_the_JIT_optimization_budget()
    {
        // The largest unrolled bodies: the depthwise tile's window (up to the planner's largest kernel, 7: 49 taps × 8
        // positions × 3 vectors), at stride 1 and 2.
        var kernel7 = new[] { Cases[0] with { Kernel = 7 }, Cases[1] with { Kernel = 7 } };
        foreach (Case c in Cases.Concat(kernel7))
        {
            var run = GeneratorHarness.RunGenerator(Source(c));
            Assert.Empty(run.CompileErrors);
            using var stream = new System.IO.MemoryStream();
            Assert.True(run.Output.Emit(stream).Success);
            var methods = IlMetrics.Read(stream.ToArray()).Where(x => x.Name.Contains("InvertedResidualKernel")).ToList();
            Assert.NotEmpty(methods);
            foreach (var method in methods)
            {
                Assert.True(method.IlSize < FusedNorm.Tests.Generator.JitBudgetTests.MaxIlBytes, method.ToString());
                Assert.True(method.Locals + method.Arguments < FusedNorm.Tests.Generator.JitBudgetTests.MaxLocals, method.ToString());
                Assert.True(method.LocalReferences < FusedNorm.Tests.Generator.JitBudgetTests.MaxLocalReferences, method.ToString());
            }
        }
    }

    [Theory]
    [InlineData(8, 16, 1, 5, false, "5 output rows at stride 1 make one band of 3 or more rows: it would run on one thread at batch 1")]
    [InlineData(8, 16, 1, 4, false, "4 output rows at stride 1: one band of 3 or more rows")]
    [InlineData(8, 40, 1, 64, true, "the expansion's output is also read by another chain")]
    [InlineData(256, 960, 1, 7, false, "264 × 960 floats of 1×1 weights (1 MB), which it would read again for every row, spill from L2")]
    [InlineData(400, 512, 2, 14, false, "stride 2: 408 × 512 floats (835 KB), past MaxWeightBytes")]
    public void A_block_that_would_run_on_one_thread_shares_its_tensors_or_spills_its_weights_runs_as_three_chains(int input, int hidden, int stride, int size, bool shared, string why)
    {
        string extra = shared ? """

                [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(Expand))]
                [Conv2d(8, KernelSize = 1, Bias = false, Name = "side")] [BatchNorm(Name = "side_bn")]
                public partial void Side(ReadOnlySpan<float> x, Span<float> y, int batch);
            """ : "";
        string source = $$"""
            using System;
            using FusedNorm;
            namespace IR;
            [Model({{input}}, {{size}}, {{size}})]
            public sealed partial class Block
            {
                [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
                [Conv2d({{hidden}}, KernelSize = 1, Bias = false, Name = "e")] [BatchNorm(Name = "e_bn")]
                public partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
                [Conv2d({{hidden}}, KernelSize = 3, Stride = {{stride}}, Padding = 1, Groups = {{hidden}}, Bias = false, Name = "d")] [BatchNorm(Name = "d_bn")]
                public partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]
                [Conv2d(8, KernelSize = 1, Bias = false, Name = "p")] [BatchNorm(Name = "p_bn")]
                public partial void Project(ReadOnlySpan<float> x, Span<float> y, int batch);{{extra}}
            }
            """;
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.CompileErrors);
        Assert.DoesNotContain(run.Sources, s => s.HintName.Contains("InvertedResidual"));
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void A_block_whose_input_is_a_slice_of_a_concatenation_runs_as_three_chains()
    {
        // A writes straight into its slice of the concatenation that C reads, so A's samples are the concatenation's size
        // apart; the block (Expand reads A, Project adds A) would read them as contiguous. It stays three chains, which the
        // Forward runs per sample.
        const string source = """
            using System;
            using FusedNorm;
            namespace IR;
            [Model(8, 16, 16)]
            public sealed partial class Block
            {
                [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(8, KernelSize = 1, Name = "a")]
                public partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Concat = new[] { nameof(A), Graph.Input })] [Conv2d(8, KernelSize = 1, Name = "c")]
                public partial void C(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.ReLU6, Input = nameof(A))] [Conv2d(32, KernelSize = 1, Name = "e")]
                public partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.ReLU6)] [Conv2d(32, KernelSize = 3, Padding = 1, Groups = 32, Name = "d")]
                public partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.Add, Skip = nameof(A))] [Conv2d(8, KernelSize = 1, Name = "p")]
                public partial void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

                [Fuse(Layer.Conv2d, Layer.Add, Skip = nameof(C))] [Conv2d(8, KernelSize = 1, Name = "f")]
                public partial void Final(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
            }
            """;
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.CompileErrors);
        string model = run.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs")).SourceText.ToString();
        Assert.Contains("A                    slice [0, 2048) of each sample of concat 0", model); // A is planned as a slice
        Assert.DoesNotContain(run.Sources, s => s.HintName.Contains("InvertedResidual"));
    }

    [Fact]
    public void A_chain_of_a_block_kernel_says_where_its_scalar_path_runs()
    {
        // 6×6 rows are narrower than a Vector256: FN0201 for each chain, which in Forward runs inside the block kernel.
        var run = GeneratorHarness.RunGenerator(Source(Cases[0] with { Size = 6 }));
        Assert.Empty(run.CompileErrors);
        var scalar = run.GeneratorDiagnostics.Where(d => d.Id == "FN0201").ToList();
        Assert.Equal(3, scalar.Count);
        Assert.All(scalar, d => Assert.Contains("the model's Forward runs it inside the block kernel ExpandInvertedResidual", d.GetMessage()));
    }

    [Theory]
    [InlineData(58, 1, 16)] // 58 rows: 16 bands of 3 or more (MaxTasksPerSample)
    [InlineData(7, 1, 2)]   // a 7×7 plane: bands of 3 and 4 rows
    [InlineData(14, 2, 7)]  // stride 2 onto 7×7: a halo of 1 row per band of 1 or more
    public void A_block_whose_rows_make_two_bands_runs_as_one_kernel(int size, int stride, int maxBands)
    {
        var run = GeneratorHarness.RunGenerator(Source(Cases[0] with { Size = size, Stride = stride, Skip = stride == 1 }));
        Assert.Empty(run.CompileErrors);
        var block = Assert.Single(run.Sources, s => s.HintName.Contains("InvertedResidual"));
        string text = block.SourceText.ToString();
        Assert.Contains("Fusion plan for Block.ExpandInvertedResidual", text);
        Assert.Contains($"MaxRowBands = {maxBands};", text);
        // Forward calls it where Vector512 is accelerated, and the three chains otherwise.
        string model = run.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs")).SourceText.ToString();
        Assert.Contains("if ((global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) && global::FusedNorm.Kernels.BlockKernels.Enabled)", model);
        Assert.Contains("ExpandInvertedResidual(", model);
        Assert.Contains("Project(", model);
    }
}
