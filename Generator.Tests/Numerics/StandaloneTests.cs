using System;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Standalone norm and/or activation chains (no compute layer; one pass run as the epilogue of an identity depthwise 1×1
/// conv): against libtorch (Goldens/standalone_*.safetensors, one per <see cref="StandaloneCases"/> entry) at 1 and 2
/// threads, bit-identical across them; the scalar reference composed by hand against the same goldens; and a graph in which
/// standalone chains read the model input and a chain's output and feed a residual add, against the reference.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class StandaloneTests
{
    public static TheoryData<string> Names => new(StandaloneCases.All.Select(c => c.Name));
    private static StandaloneCase Get(string name) => StandaloneCases.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Standalone_chain_matches_pytorch_at_1_and_2_threads(string name)
    {
        StandaloneCase c = Get(name);
        CompiledModel model = CompiledModel.Compile(c.Source(), "Standalone.Net");
        Assert.Equal(c.Size, model.OutputSize);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("standalone_" + name));
        Assert.Equal(golden.Names.Where(n => n.StartsWith("norm.") && !n.EndsWith("num_batches_tracked")).OrderBy(n => n, StringComparer.Ordinal),
            model.StateDictKeys().OrderBy(n => n, StringComparer.Ordinal));
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

    /// <summary>The scalar reference of each case, composed from Reference's norm and activation, against libtorch.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Reference_composition_matches_pytorch(string name)
    {
        StandaloneCase c = Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("standalone_" + name));
        float[] y = golden.ReadFloat32("input");
        int spatial = c.Dims.Aggregate(1, (a, d) => a * d);
        float[]? Read(string key) => golden.Names.Contains(key) ? golden.ReadFloat32(key) : null;
        y = c.Norm switch
        {
            null => y,
            Layer.BatchNorm2d => Reference.BatchNormEval(y, c.Batch, c.Channels, spatial, Read("norm.weight"), Read("norm.bias"), Read("norm.running_mean")!, Read("norm.running_var")!, 1e-5),
            Layer.GroupNorm => Reference.NormalizeRuns(y, c.Size / c.Groups, spatial, Read("norm.weight"), Read("norm.bias"), 1e-5, false, c.Size),
            Layer.LayerNorm => Reference.NormalizeRuns(y, c.NormalizedShape.Aggregate(1, (a, d) => a * d), spatial, Read("norm.weight"), Read("norm.bias"), 1e-5, true, c.Size),
            _ => Reference.NormalizeRuns(y, spatial, spatial, Read("norm.weight"), Read("norm.bias"), 1e-5, false, c.Size), // InstanceNorm
        };
        if (c.Activation is { } a) y = Reference.Activation(y, a);
        Tolerance.AssertClose(golden.ReadFloat32("output"), y, name + " (reference)");
    }

    /// <summary>
    /// A graph with standalone chains: ReLU of the model input, a conv, then GroupNorm + SiLU of the conv's output (a UNet's
    /// norm → act → conv, split as FN0051 says), a conv that adds the first ReLU's output, and a final BatchNorm + ReLU.
    /// </summary>
    internal const string Graph = """
        using System;
        using FusedNorm;
        namespace Standalone;
        [Model(4, 12, 20)]
        public sealed partial class Graph
        {
            [Fuse(Layer.ReLU)]
            public partial void Act0(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "conv1")]
            public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.GroupNorm, Layer.SiLU)] [GroupNorm(2, Name = "norm1")]
            public partial void Norm1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.Add, Skip = nameof(Act0))] [Conv2d(4, KernelSize = 3, Padding = 1, Name = "conv2")]
            public partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.BatchNorm2d, Layer.ReLU)] [BatchNorm(Name = "norm2")]
            public partial void Norm2(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    [Fact]
    public void Standalone_chains_in_a_graph_match_the_reference_at_1_and_2_threads()
    {
        const int batch = 2, c = 4, h = 12, w = 20, mid = 8;
        var random = new Random(91);
        float[] Draw(int n, double low = -1, double high = 1) => Enumerable.Range(0, n).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();
        float[] w1 = Draw(mid * c * 9), b1 = Draw(mid), g1 = Draw(mid, 0.5, 1.5), be1 = Draw(mid, -0.5, 0.5);
        float[] w2 = Draw(c * mid * 9), b2 = Draw(c), g2 = Draw(c, 0.5, 1.5), be2 = Draw(c, -0.5, 0.5), m2 = Draw(c, -0.5, 0.5), v2 = Draw(c, 0.5, 2);
        float[] x = Draw(batch * c * h * w, -2, 2);
        var writer = new SafeTensorsWriter();
        writer.Add("conv1.weight", w1, mid, c, 3, 3); writer.Add("conv1.bias", b1, mid);
        writer.Add("norm1.weight", g1, mid); writer.Add("norm1.bias", be1, mid);
        writer.Add("conv2.weight", w2, c, mid, 3, 3); writer.Add("conv2.bias", b2, c);
        writer.Add("norm2.weight", g2, c); writer.Add("norm2.bias", be2, c); writer.Add("norm2.running_mean", m2, c); writer.Add("norm2.running_var", v2, c);
        CompiledModel model = CompiledModel.Compile(Graph, "Standalone.Graph");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));

        float[] act0 = Reference.Activation(x, Layer.ReLU);
        float[] conv1 = Reference.Conv2d(act0, batch, c, h, w, w1, b1, mid, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] norm1 = Reference.Activation(Reference.NormalizeRuns(conv1, mid / 2 * h * w, h * w, g1, be1, 1e-5, false, mid * h * w), Layer.SiLU);
        float[] conv2 = Reference.Add(Reference.Conv2d(norm1, batch, mid, h, w, w2, b2, c, 3, 3, 1, 1, 1, 1, 1, 1), act0);
        float[] expected = Reference.Activation(Reference.BatchNormEval(conv2, batch, c, h * w, g2, be2, m2, v2, 1e-5), Layer.ReLU);

        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(expected, actual, $"standalone graph at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }
}
