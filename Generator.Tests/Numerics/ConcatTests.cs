using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Graphs whose chains read a channel concatenation (torch.cat(..., dim=1)), against the scalar reference composed by
/// hand: sources written straight into their slices (read by other chains too, one sample at a time), the model input
/// and a slice of another concatenation copied in, a skip that is a slice, and chains with batch statistics, whose
/// outputs are copied. Batches of 1 to 3, 1 and 2 threads (bit-identical), and a concat chain called alone.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ConcatTests
{
    /// <summary>
    /// A and B write their slices of concat 0 = cat([A, x, B]) (x is copied in); B reads A's slice; C's output writes its
    /// slice of concat 1 = cat([C, A]), into which A is copied from concat 0; D adds B (a slice) and writes y.
    /// </summary>
    internal const string Dense = """
        using System;
        using FusedNorm;
        namespace Concat;
        [Model(3, 12, 10)]
        public sealed partial class Dense
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(8, KernelSize = 3, Padding = 1, Bias = false, Name = "a")] [BatchNorm(Name = "a_bn")]
            public partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
            [Conv2d(4, KernelSize = 3, Padding = 1, Name = "b")] [GroupNorm(2, Name = "b_gn")]
            public partial void B(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.ReLU, Concat = new[] { nameof(A), Graph.Input, nameof(B) })]
            [Conv2d(6, KernelSize = 1, Name = "c")]
            public partial void C(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Layer.ReLU, Concat = new[] { nameof(C), nameof(A) }, Skip = nameof(B))]
            [Conv2d(4, KernelSize = 3, Padding = 1, Name = "d")]
            public partial void D(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// P takes batch statistics, so it cannot run one sample at a time: its output is copied into concat 0 = cat([Q, P, x]),
    /// which Q writes directly; R (batch statistics too) reads the whole concatenation.
    /// </summary>
    internal const string BatchStats = """
        using System;
        using FusedNorm;
        namespace Concat;
        [Model(4, 9, 11)]
        public sealed partial class BatchStats
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(6, KernelSize = 3, Padding = 1, Name = "p")] [BatchNorm(TrackRunningStats = false, Name = "p_bn")]
            public partial void P(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.Tanh, Input = Graph.Input)]
            [Conv2d(3, KernelSize = 3, Padding = 1, Name = "q")]
            public partial void Q(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Concat = new[] { nameof(Q), nameof(P), Graph.Input })]
            [Conv2d(5, KernelSize = 1, Name = "r")] [BatchNorm(TrackRunningStats = false, Name = "r_bn")]
            public partial void R(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// A source named twice, torch.cat([a, x, a], 1): A writes the first slice and is copied into the third, of the same
    /// concatenation; the concat chain's input channels (4 + 2 + 4) are not a multiple of 8.
    /// </summary>
    internal const string Repeat = """
        using System;
        using FusedNorm;
        namespace Concat;
        [Model(2, 7, 13)]
        public sealed partial class Repeat
        {
            [Fuse(Layer.Conv2d, Layer.ReLU)]
            [Conv2d(4, KernelSize = 3, Padding = 1, Name = "a")]
            public partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.Sigmoid, Concat = new[] { nameof(A), Graph.Input, nameof(A) })]
            [Conv2d(3, KernelSize = 3, Padding = 1, Name = "b")]
            public partial void B(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    private sealed class Weights
    {
        private readonly Random _random;
        public readonly SafeTensorsWriter Writer = new();
        public Weights(int seed) => _random = new Random(seed);

        public float[] Uniform(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * _random.NextDouble())).ToArray();

        /// <summary>A k×k conv on an h×w plane with padding k/2: its weights written under <paramref name="name"/>, and its output.</summary>
        public float[] Conv(string name, float[] x, int batch, int c, int h, int w, int outC, int k, bool bias)
        {
            float bound = 1f / MathF.Sqrt(c * k * k);
            float[] weight = Uniform(outC * c * k * k, -bound, bound);
            Writer.Add(name + ".weight", weight, outC, c, k, k);
            float[]? b = bias ? Uniform(outC, -bound, bound) : null;
            if (b is not null) Writer.Add(name + ".bias", b, outC);
            return Reference.ConvNd(x, batch, c, new[] { h, w }, weight, b, outC, 1, k, 1, k / 2, 1);
        }

        public (float[] G, float[] B) Affine(string name, int c)
        {
            var p = (Uniform(c, 0.5f, 1.5f), Uniform(c, -0.5f, 0.5f));
            Writer.Add(name + ".weight", p.Item1, c); Writer.Add(name + ".bias", p.Item2, c);
            return p;
        }

        public float[] BatchNormEval(string name, float[] x, int batch, int c, int spatial)
        {
            var (g, b) = Affine(name, c);
            float[] m = Uniform(c, -0.3f, 0.3f), v = Uniform(c, 0.5f, 2f);
            Writer.Add(name + ".running_mean", m, c); Writer.Add(name + ".running_var", v, c);
            return Reference.BatchNormEval(x, batch, c, spatial, g, b, m, v, 1e-5);
        }
    }

    /// <summary>Weights (written in declaration order) and the reference output of each model, for a batch of x.</summary>
    private static float[] Expected(string model, Weights w, float[] x, int batch)
    {
        switch (model)
        {
            case nameof(Dense):
            {
                const int H = 12, W = 10, S = H * W;
                float[] a = Reference.Activation(w.BatchNormEval("a_bn", w.Conv("a", x, batch, 3, H, W, 8, 3, bias: false), batch, 8, S), Layer.ReLU);
                float[] bConv = w.Conv("b", a, batch, 8, H, W, 4, 3, bias: true);
                var gn = w.Affine("b_gn", 4);
                float[] b = Reference.Activation(Reference.NormalizeRuns(bConv, 2 * S, S, gn.G, gn.B, 1e-5, false, 4 * S), Layer.SiLU);
                float[] cat0 = Reference.Concat(batch, (a, 8 * S), (x, 3 * S), (b, 4 * S));
                float[] c = Reference.Activation(w.Conv("c", cat0, batch, 15, H, W, 6, 1, bias: true), Layer.ReLU);
                float[] cat1 = Reference.Concat(batch, (c, 6 * S), (a, 8 * S));
                float[] dConv = w.Conv("d", cat1, batch, 14, H, W, 4, 3, bias: true);
                return Reference.Activation(Reference.Add(Reference.NormalizeRuns(dConv, S, S, null, null, 1e-5, false, 4 * S), b), Layer.ReLU);
            }
            case nameof(BatchStats):
            {
                const int H = 9, W = 11, S = H * W;
                float[] pConv = w.Conv("p", x, batch, 4, H, W, 6, 3, bias: true);
                var pn = w.Affine("p_bn", 6);
                float[] p = Reference.Activation(Reference.BatchNormBatch(pConv, batch, 6, S, pn.G, pn.B, 1e-5).Y, Layer.ReLU);
                float[] q = Reference.Activation(w.Conv("q", x, batch, 4, H, W, 3, 3, bias: true), Layer.Tanh);
                float[] cat = Reference.Concat(batch, (q, 3 * S), (p, 6 * S), (x, 4 * S));
                float[] rConv = w.Conv("r", cat, batch, 13, H, W, 5, 1, bias: true);
                var rn = w.Affine("r_bn", 5);
                return Reference.BatchNormBatch(rConv, batch, 5, S, rn.G, rn.B, 1e-5).Y;
            }
            case nameof(Repeat):
            {
                const int H = 7, W = 13, S = H * W;
                float[] a = Reference.Activation(w.Conv("a", x, batch, 2, H, W, 4, 3, bias: true), Layer.ReLU);
                float[] cat = Reference.Concat(batch, (a, 4 * S), (x, 2 * S), (a, 4 * S));
                return Reference.Activation(w.Conv("b", cat, batch, 10, H, W, 3, 3, bias: true), Layer.Sigmoid);
            }
            default: throw new ArgumentException(model);
        }
    }

    private static string Source(string model) => (string)typeof(ConcatTests).GetField(model, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    internal static (CompiledModel Model, float[] X, float[] Expected) Prepare(string name, int batch, int seed)
    {
        var weights = new Weights(seed);
        CompiledModel model = CompiledModel.Compile(Source(name), "Concat." + name);
        float[] x = weights.Uniform(batch * model.InputSize, -2f, 2f);
        float[] expected = Expected(name, weights, x, batch);
        model.LoadWeights(SafeTensorsFile.FromBytes(weights.Writer.ToArray()));
        return (model, x, expected);
    }

    [Theory]
    [InlineData(nameof(Dense), 1)]
    [InlineData(nameof(Dense), 3)]
    [InlineData(nameof(BatchStats), 2)]
    [InlineData(nameof(BatchStats), 3)]
    [InlineData(nameof(Repeat), 3)]
    public void Concat_graph_matches_reference_and_is_identical_at_1_and_2_threads(string name, int batch)
    {
        var (model, x, expected) = Prepare(name, batch, seed: name.Length * 17 + batch);
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(expected, actual, $"{name} at {degree} thread(s), batch {batch}");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    /// <summary>
    /// The same graphs against libtorch: tools/GoldenGen's modules call torch.cat(..., dim=1) in their forward; the file
    /// holds their eval-mode state_dict (read by the generated LoadWeights), an input of 3 samples and PyTorch's output.
    /// </summary>
    [Theory]
    [InlineData(nameof(Dense), "concat_dense")]
    [InlineData(nameof(BatchStats), "concat_batchstats")]
    public void Concat_graph_matches_pytorch_at_1_and_2_threads(string name, string golden)
    {
        CompiledModel model = CompiledModel.Compile(Source(name), "Concat." + name);
        using SafeTensorsFile file = SafeTensorsFile.Open(GoldenTests.GoldenPath(golden));
        model.LoadWeights(file);
        float[] input = file.ReadFloat32("input");
        int batch = input.Length / model.InputSize;
        Assert.Equal(3, batch);
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            Tolerance.AssertClose(file.ReadFloat32("output"), model.Forward(input, batch), $"{name} vs libtorch at {degree} thread(s)");
        }
    }

    [Fact]
    public void A_concat_chain_runs_alone_on_the_concatenated_tensor()
    {
        // Dense.C called by itself: x is torch.cat([a, input, b], dim=1), one span of (batch, 15, 12, 10).
        const int batch = 2, S = 120;
        var weights = new Weights(11);
        string entry = """
            public static class ConcatEntry
            {
                public static void C(object model, float[] x, float[] y, int batch) => ((Concat.Dense)model).C(x, y, batch);
            }
            """;
        Assembly assembly = GeneratorHarness.CompileAndLoad(Dense, entry);
        object model = Activator.CreateInstance(assembly.GetType("Concat.Dense")!)!;
        float[] input = weights.Uniform(batch * 3 * S, -2f, 2f);
        Expected(nameof(Dense), weights, input, batch); // every chain's weights, to load
        float[] cat = weights.Uniform(batch * 15 * S, -2f, 2f);
        var again = new Weights(11);
        again.Uniform(batch * 3 * S, -2f, 2f);
        // The same draws again up to c's weights: a's conv and bn, b's conv and gn, then c.
        float[] a = again.BatchNormEval("a_bn", again.Conv("a", input, batch, 3, 12, 10, 8, 3, bias: false), batch, 8, S);
        again.Conv("b", a, batch, 8, 12, 10, 4, 3, bias: true);
        again.Affine("b_gn", 4);
        float[] expected = Reference.Activation(again.Conv("c", cat, batch, 15, 12, 10, 6, 1, bias: true), Layer.ReLU);
        model.GetType().GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!.Invoke(model, new object[] { SafeTensorsFile.FromBytes(weights.Writer.ToArray()) });
        float[] y = new float[expected.Length];
        assembly.GetType("ConcatEntry")!.GetMethod("C")!.Invoke(null, new object[] { model, cat, y, batch });
        Tolerance.AssertClose(expected, y, "Dense.C alone");

        // Sources given one by one are not the chain's input: the span must hold the whole concatenation.
        var e = Assert.Throws<TargetInvocationException>(() =>
            assembly.GetType("ConcatEntry")!.GetMethod("C")!.Invoke(null, new object[] { model, new float[batch * 8 * S], y, batch }));
        Assert.IsType<ArgumentException>(e.InnerException);
        Assert.Contains("x must hold batch × (15, 12, 10)", e.InnerException!.Message);
    }

    [Fact]
    public void Concat_graph_forward_allocates_nothing_in_steady_state()
    {
        const int batch = 2;
        var (model, x, _) = Prepare(nameof(Dense), batch, seed: 3);
        float[] y = new float[batch * model.OutputSize];
        Action<float[], float[], int> forward = model.ForwardDelegate();
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 30; i++) forward(x, y, batch);
            var windows = new List<long>();
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) forward(x, y, batch);
                windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
                if (windows[^1] == 0) break;
            }
            Assert.True(windows.Contains(0), $"Dense at {degree} thread(s): every window of 100 calls allocated ({string.Join(", ", windows)} bytes)");
        }
    }
}
