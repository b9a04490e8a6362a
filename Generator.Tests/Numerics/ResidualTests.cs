using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Graphs of chains with residual adds, against the scalar reference composed by hand: ResNet basic blocks (identity and
/// 1×1 stride-2 projection shortcuts), a MobileNetV2 inverted residual that ends in an add with no activation, and
/// blocks whose add runs in the normalize step (InstanceNorm, GroupNorm, LayerNorm, batch statistics). Each model runs
/// at 1 and 2 threads and must be bit-identical across them; the whole-model Forward and its arena allocate nothing.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ResidualTests
{
    /// <summary>A ResNet basic block with an identity shortcut: conv3x3-bn-relu → conv3x3-bn-add(x)-relu.</summary>
    internal const string IdentityBlock = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(16, 20, 20)]
        public sealed partial class Identity
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
            public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
            public partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> identity, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// A stem, a ResNet basic block that halves the plane with a projection shortcut (downsample = conv1x1 s2 + bn on the
    /// block's input), then an identity block: the stem's buffer is free again by then and is reused.
    /// </summary>
    internal const string ProjectionBlock = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(3, 32, 32)]
        public sealed partial class Projection
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "stem")] [BatchNorm(Name = "bn0")]
            public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(32, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "layer.conv1")] [BatchNorm(Name = "layer.bn1")]
            public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(Stem))]
            [Conv2d(32, KernelSize = 1, Stride = 2, Bias = false, Name = "layer.downsample.0")] [BatchNorm(Name = "layer.downsample.1")]
            public partial void Downsample(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(Conv1), Skip = nameof(Downsample))]
            [Conv2d(32, KernelSize = 3, Padding = 1, Bias = false, Name = "layer.conv2")] [BatchNorm(Name = "layer.bn2")]
            public partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(32, KernelSize = 3, Padding = 1, Bias = false, Name = "next.conv1")] [BatchNorm(Name = "next.bn1")]
            public partial void Conv3(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = nameof(Conv2))]
            [Conv2d(32, KernelSize = 3, Padding = 1, Bias = false, Name = "next.conv2")] [BatchNorm(Name = "next.bn2")]
            public partial void Conv4(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// <see cref="ProjectionBlock"/> declared with a block used twice: "layer" (stride 2, with the downsample chain) and "next"
    /// (identity shortcut). Same state_dict keys, same graph; its padding is computed from a block parameter (Kernel / 2).
    /// </summary>
    internal const string ProjectionBlocks = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(3, 32, 32)]
        public sealed partial class ProjectionBlocks
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "stem")] [BatchNorm(Name = "bn0")]
            public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Use<Basic>("layer", 32, 2, true)] [Use<Basic>("next", 32)] partial void Blocks();
        }

        [Block]
        public sealed partial class Basic
        {
            const int Planes = 16, Stride = 1;
            const bool Downsample = false;
            const int Kernel = 3;

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(Planes, KernelSize = Kernel, Stride = Stride, Padding = Kernel / 2, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
            partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = Graph.Input, When = nameof(Downsample))]
            [Conv2d(Planes, KernelSize = 1, Stride = Stride, Bias = false, Name = "downsample.0")] [BatchNorm(Name = "downsample.1")]
            partial void Shortcut(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(Conv1), Skip = nameof(Shortcut))]
            [Conv2d(Planes, KernelSize = Kernel, Padding = Kernel / 2, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
            partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>MobileNetV2's inverted residual: expand 1×1 + ReLU6, depthwise 3×3 + ReLU6, project 1×1 + bn, + x (no activation).</summary>
    internal const string InvertedResidual = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(16, 14, 14)]
        public sealed partial class Inverted
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
            [Conv2d(64, KernelSize = 1, Bias = false, Name = "conv.0.0")] [BatchNorm(Name = "conv.0.1")]
            public partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
            [Conv2d(64, KernelSize = 3, Padding = 1, Groups = 64, Bias = false, Name = "conv.1.0")] [BatchNorm(Name = "conv.1.1")]
            public partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = Graph.Input)]
            [Conv2d(16, KernelSize = 1, Bias = false, Name = "conv.2")] [BatchNorm(Name = "conv.3")]
            public partial void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// Small planes (7×7): a 1×1 reduce, a depthwise 3×3 whose tasks each run a run of channels (ChainPlan.BlocksPerTask),
    /// and a 1×1 expand whose flat Vector512 kernel stores in place and adds the skip in its tiles, then ReLU.
    /// </summary>
    internal const string SmallPlaneBlock = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(32, 7, 7)]
        public sealed partial class SmallPlane
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(48, KernelSize = 1, Bias = false, Name = "reduce")] [BatchNorm(Name = "bn1")]
            public partial void Reduce(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
            [Conv2d(48, KernelSize = 3, Padding = 1, Groups = 48, Bias = false, Name = "dw")] [BatchNorm(Name = "bn2")]
            public partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)]
            [Conv2d(32, KernelSize = 1, Bias = false, Name = "expand")] [BatchNorm(Name = "bn3")]
            public partial void Expand(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// Adds in the normalize step: the style-transfer residual block (conv-IN-ReLU → conv-IN-add-ReLU), then a GroupNorm,
    /// a batch-statistics BatchNorm and a LayerNorm over (C, H, W) block, each adding an earlier chain's output.
    /// </summary>
    internal const string StatisticsBlocks = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(16, 16, 16)]
        public sealed partial class Statistics
        {
            [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c1")] [InstanceNorm(Affine = true, Name = "in1")]
            public partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c2")] [InstanceNorm(Affine = true, Name = "in2")]
            public partial void B(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.Add, Layer.SiLU, Skip = nameof(A))]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c3")] [GroupNorm(4, Name = "gn3")]
            public partial void C(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B))]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c4")] [BatchNorm(TrackRunningStats = false, Name = "bn4")]
            public partial void D(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.LayerNorm, Layer.Add, Layer.GELU, Skip = nameof(C))]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c5")] [LayerNorm(16, 16, 16, Name = "ln5")]
            public partial void E(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        }
        """;

    /// <summary>
    /// A classifier head after a residual block: the add, ReLU and global average pooling (AdaptiveAvgPool2d(1)) in one
    /// kernel whose skip has the conv output's shape, a Flatten ending that list, then Dropout, Linear and Identity (no-ops
    /// in eval mode). A plane of 10×12: not square, and not whole vectors.
    /// </summary>
    internal const string HeadBlock = """
        using System;
        using FusedNorm;
        namespace Residual;
        [Model(8, 10, 12)]
        public sealed partial class Head
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
            public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Layer.AdaptiveAvgPool2d, Layer.Flatten, Skip = nameof(Stem))]
            [Conv2d(16, KernelSize = 3, Padding = 1, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
            public partial void Block(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

            [Fuse(Layer.Dropout, Layer.Linear, Layer.Identity)]
            [Linear(5, Name = "fc")]
            public partial void Fc(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    internal sealed class Weights
    {
        private readonly Random _random;
        public readonly SafeTensorsWriter Writer = new();
        public Weights(int seed) => _random = new Random(seed);

        public float[] Uniform(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * _random.NextDouble())).ToArray();

        /// <summary>A conv's weight and bias (PyTorch's init range), written under <paramref name="name"/>.</summary>
        public (float[] W, float[]? B) Conv(string name, int outC, int inPerGroup, int k, bool bias)
        {
            float bound = 1f / MathF.Sqrt(inPerGroup * k * k);
            float[] w = Uniform(outC * inPerGroup * k * k, -bound, bound);
            Writer.Add(name + ".weight", w, outC, inPerGroup, k, k);
            float[]? b = bias ? Uniform(outC, -bound, bound) : null;
            if (b is not null) Writer.Add(name + ".bias", b, outC);
            return (w, b);
        }

        public (float[] G, float[] B, float[] M, float[] V) BatchNorm(string name, int c)
        {
            var p = (Uniform(c, 0.5f, 1.5f), Uniform(c, -0.5f, 0.5f), Uniform(c, -0.3f, 0.3f), Uniform(c, 0.5f, 2f));
            Writer.Add(name + ".weight", p.Item1, c); Writer.Add(name + ".bias", p.Item2, c);
            Writer.Add(name + ".running_mean", p.Item3, c); Writer.Add(name + ".running_var", p.Item4, c);
            return p;
        }

        public (float[] G, float[] B) Affine(string name, params int[] shape)
        {
            int n = shape.Aggregate(1, (a, d) => a * d);
            var p = (Uniform(n, 0.5f, 1.5f), Uniform(n, -0.5f, 0.5f));
            Writer.Add(name + ".weight", p.Item1, shape); Writer.Add(name + ".bias", p.Item2, shape);
            return p;
        }
    }

    private static float[] ConvBn(Weights w, float[] x, int batch, int c, int size, string conv, string bn, int outC, int k, int stride, int padding, int groups = 1)
    {
        var (cw, _) = w.Conv(conv, outC, c / groups, k, bias: false);
        var (g, b, m, v) = w.BatchNorm(bn, outC);
        int outSize = Reference.OutputSize(size, k, stride, padding);
        float[] y = Reference.ConvNd(x, batch, c, new[] { size, size }, cw, null, outC, groups, k, stride, padding, 1);
        return Reference.BatchNormEval(y, batch, outC, outSize * outSize, g, b, m, v, 1e-5);
    }

    /// <summary>A 3×3, padding 1, bias-free conv + eval BatchNorm over an h×w plane (not necessarily square).</summary>
    private static float[] ConvBn2(Weights w, float[] x, int batch, int c, int h, int width, string conv, string bn, int outC)
    {
        var (cw, _) = w.Conv(conv, outC, c, 3, bias: false);
        var (g, b, m, v) = w.BatchNorm(bn, outC);
        float[] y = Reference.ConvNd(x, batch, c, new[] { h, width }, cw, null, outC, 1, 3, 1, 1, 1);
        return Reference.BatchNormEval(y, batch, outC, h * width, g, b, m, v, 1e-5);
    }

    private static float[] Relu(float[] x) => Reference.Activation(x, Layer.ReLU);

    /// <summary>Weights (written in declaration order) and the reference output of each model, for a batch of x.</summary>
    private static float[] Expected(string model, Weights w, float[] x, int batch)
    {
        switch (model)
        {
            case nameof(IdentityBlock):
            {
                float[] h = Relu(ConvBn(w, x, batch, 16, 20, "conv1", "bn1", 16, 3, 1, 1));
                return Relu(Reference.Add(ConvBn(w, h, batch, 16, 20, "conv2", "bn2", 16, 3, 1, 1), x));
            }
            case nameof(ProjectionBlock):
            case nameof(ProjectionBlocks): // the same network, declared with a block
            {
                float[] stem = Relu(ConvBn(w, x, batch, 3, 32, "stem", "bn0", 16, 3, 1, 1));
                float[] h = Relu(ConvBn(w, stem, batch, 16, 32, "layer.conv1", "layer.bn1", 32, 3, 2, 1));
                float[] shortcut = ConvBn(w, stem, batch, 16, 32, "layer.downsample.0", "layer.downsample.1", 32, 1, 2, 0);
                float[] block = Relu(Reference.Add(ConvBn(w, h, batch, 32, 16, "layer.conv2", "layer.bn2", 32, 3, 1, 1), shortcut));
                float[] h2 = Relu(ConvBn(w, block, batch, 32, 16, "next.conv1", "next.bn1", 32, 3, 1, 1));
                return Relu(Reference.Add(ConvBn(w, h2, batch, 32, 16, "next.conv2", "next.bn2", 32, 3, 1, 1), block));
            }
            case nameof(InvertedResidual):
            {
                float[] e = Reference.Activation(ConvBn(w, x, batch, 16, 14, "conv.0.0", "conv.0.1", 64, 1, 1, 0), Layer.ReLU6);
                float[] d = Reference.Activation(ConvBn(w, e, batch, 64, 14, "conv.1.0", "conv.1.1", 64, 3, 1, 1, groups: 64), Layer.ReLU6);
                return Reference.Add(ConvBn(w, d, batch, 64, 14, "conv.2", "conv.3", 16, 1, 1, 0), x);
            }
            case nameof(SmallPlaneBlock):
            {
                float[] r = Relu(ConvBn(w, x, batch, 32, 7, "reduce", "bn1", 48, 1, 1, 0));
                float[] d = Reference.Activation(ConvBn(w, r, batch, 48, 7, "dw", "bn2", 48, 3, 1, 1, groups: 48), Layer.ReLU6);
                return Relu(Reference.Add(ConvBn(w, d, batch, 48, 7, "expand", "bn3", 32, 1, 1, 0), x));
            }
            case nameof(StatisticsBlocks):
            {
                const int C = 16, S = 256;
                float[] Conv(float[] input, string name)
                {
                    var (cw, cb) = w.Conv(name, C, C, 3, bias: true);
                    return Reference.ConvNd(input, batch, C, new[] { 16, 16 }, cw, cb, C, 1, 3, 1, 1, 1);
                }
                float[] c1 = Conv(x, "c1");
                var in1 = w.Affine("in1", C);
                float[] a = Relu(Reference.NormalizeRuns(c1, S, S, in1.G, in1.B, 1e-5, false, C * S));
                float[] c2 = Conv(a, "c2");
                var in2 = w.Affine("in2", C);
                float[] b = Relu(Reference.Add(Reference.NormalizeRuns(c2, S, S, in2.G, in2.B, 1e-5, false, C * S), x));
                float[] c3 = Conv(b, "c3");
                var gn3 = w.Affine("gn3", C);
                float[] c = Reference.Activation(Reference.Add(Reference.NormalizeRuns(c3, 4 * S, S, gn3.G, gn3.B, 1e-5, false, C * S), a), Layer.SiLU);
                float[] c4 = Conv(c, "c4");
                var bn4 = w.Affine("bn4", C);
                float[] d = Reference.Add(Reference.BatchNormBatch(c4, batch, C, S, bn4.G, bn4.B, 1e-5).Y, b);
                float[] c5 = Conv(d, "c5");
                var ln5 = w.Affine("ln5", C, 16, 16);
                return Reference.Activation(Reference.Add(Reference.NormalizeRuns(c5, C * S, S, ln5.G, ln5.B, 1e-5, true, C * S), c), Layer.GELU);
            }
            case nameof(HeadBlock):
            {
                float[] stem = Relu(ConvBn2(w, x, batch, 8, 10, 12, "conv1", "bn1", 16));
                float[] block = Relu(Reference.Add(ConvBn2(w, stem, batch, 16, 10, 12, "conv2", "bn2", 16), stem));
                float[] pooled = Reference.GlobalAveragePool(block, batch, 16, 10 * 12);
                float[] fw = w.Uniform(5 * 16, -0.25f, 0.25f), fb = w.Uniform(5, -0.25f, 0.25f);
                w.Writer.Add("fc.weight", fw, 5, 16); w.Writer.Add("fc.bias", fb, 5);
                return Reference.Linear(pooled, batch, 16, fw, fb, 5);
            }
            default: throw new ArgumentException(model);
        }
    }

    private static string Source(string model) => (string)typeof(ResidualTests).GetField(model, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
    private static string TypeName(string model) => model switch
    {
        nameof(IdentityBlock) => "Residual.Identity",
        nameof(ProjectionBlock) => "Residual.Projection",
        nameof(ProjectionBlocks) => "Residual.ProjectionBlocks",
        nameof(InvertedResidual) => "Residual.Inverted",
        nameof(HeadBlock) => "Residual.Head",
        nameof(SmallPlaneBlock) => "Residual.SmallPlane",
        _ => "Residual.Statistics",
    };

    internal static (CompiledModel Model, float[] X, float[] Expected, int Batch) Prepare(string name, int batch, int seed)
    {
        var weights = new Weights(seed);
        CompiledModel model = CompiledModel.Compile(Source(name), TypeName(name));
        float[] x = weights.Uniform(batch * model.InputSize, -2f, 2f);
        float[] expected = Expected(name, weights, x, batch);
        model.LoadWeights(SafeTensorsFile.FromBytes(weights.Writer.ToArray()));
        return (model, x, expected, batch);
    }

    [Theory]
    [InlineData(nameof(IdentityBlock), 2)]
    [InlineData(nameof(ProjectionBlock), 3)]
    [InlineData(nameof(ProjectionBlocks), 3)]
    [InlineData(nameof(InvertedResidual), 2)]
    [InlineData(nameof(StatisticsBlocks), 3)]
    [InlineData(nameof(HeadBlock), 3)]
    [InlineData(nameof(SmallPlaneBlock), 3)]
    public void Residual_graph_matches_reference_and_is_identical_at_1_and_2_threads(string name, int batch)
    {
        var (model, x, expected, _) = Prepare(name, batch, seed: name.Length * 31 + batch);
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

    [Fact]
    public void A_chain_with_a_skip_runs_alone_with_its_own_skip_span()
    {
        // Conv2 of the identity block, called by itself with a skip that is not its x: the method takes (x, skip, y, batch).
        const int batch = 2;
        var weights = new Weights(5);
        string entry = """
            public static class ResidualEntry
            {
                public static void Conv2(object model, float[] x, float[] skip, float[] y, int batch) => ((Residual.Identity)model).Conv2(x, skip, y, batch);
            }
            """;
        Assembly assembly = GeneratorHarness.CompileAndLoad(IdentityBlock, entry);
        object model = Activator.CreateInstance(assembly.GetType("Residual.Identity")!)!;
        float[] h = weights.Uniform(batch * 16 * 400, -2f, 2f), skip = weights.Uniform(batch * 16 * 400, -2f, 2f);
        ConvBn(weights, h, batch, 16, 20, "conv1", "bn1", 16, 3, 1, 1); // conv1's weights, to load; not used here
        float[] expected = Relu(Reference.Add(ConvBn(weights, h, batch, 16, 20, "conv2", "bn2", 16, 3, 1, 1), skip));
        model.GetType().GetMethod("LoadWeights", new[] { typeof(SafeTensorsFile) })!.Invoke(model, new object[] { SafeTensorsFile.FromBytes(weights.Writer.ToArray()) });
        float[] y = new float[expected.Length];
        assembly.GetType("ResidualEntry")!.GetMethod("Conv2")!.Invoke(null, new object[] { model, h, skip, y, batch });
        Tolerance.AssertClose(expected, y, "Identity.Conv2 alone");

        // A skip of the wrong length is an ArgumentException naming the shape.
        var e = Assert.Throws<TargetInvocationException>(() =>
            assembly.GetType("ResidualEntry")!.GetMethod("Conv2")!.Invoke(null, new object[] { model, h, new float[7], y, batch }));
        Assert.IsType<ArgumentException>(e.InnerException);
        Assert.Contains("skip must hold batch × (16, 20, 20)", e.InnerException!.Message);
    }

    [Theory]
    [InlineData(nameof(ProjectionBlock))]
    [InlineData(nameof(StatisticsBlocks))]
    [InlineData(nameof(HeadBlock))]
    [InlineData(nameof(SmallPlaneBlock))]
    public void Graph_forward_allocates_nothing_in_steady_state(string name)
    {
        var (model, x, _, batch) = Prepare(name, 2, seed: 3);
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
                for (int i = 0; i < 100; i++) forward(x, y, batch);
                windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
                if (windows[^1] == 0) break;
            }
            Assert.True(windows.Contains(0), $"{name} at {degree} thread(s): every window of 100 calls allocated ({string.Join(", ", windows)} bytes)");
        }
    }
}
