using System;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Conv prologues (Upsample, ReflectionPad2d / ReplicationPad2d / ZeroPad2d, padding_mode): the generated chains against
/// the reference at 1 and 2 threads (bit-identical), and the reference's index math against values worked out by hand
/// from PyTorch's formulas. The PyTorch goldens of the same layers are ChainCases (GoldenTests).
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class PrologueTests
{
    [Theory]
    [MemberData(nameof(ReferenceTests.PrologueCases), MemberType = typeof(ReferenceTests))]
    public void Prologue_chain_matches_reference_at_1_and_2_threads(ChainCase chain, int seed) =>
        ReferenceTests.Check(chain, seed, degrees: new[] { 1, 2 });

    /// <summary>
    /// fast_neural_style's ResidualBlock declared as one [Fuse] list: it runs as two kernels (FN0202), each ReflectionPad2d
    /// starting the kernel of the Conv2d after it and taking the next [ReflectionPad2d] in source order (here 1 and 2, so a
    /// mix-up changes the output shape's numbers), and the add of the block's input after the second InstanceNorm.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Residual_block_as_one_list_matches_the_reference(int batch)
    {
        const string source = """
            using System;
            using FusedNorm;
            namespace Split;
            [Model(8, 12, 10)]
            public sealed partial class Block
            {
                [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU, Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = Graph.Input)]
                [ReflectionPad2d(1)] [Conv2d(8, KernelSize = 3, Name = "conv1.conv2d")] [InstanceNorm(Affine = true, Name = "in1")]
                [ReflectionPad2d(2)] [Conv2d(8, KernelSize = 5, Name = "conv2.conv2d")] [InstanceNorm(Affine = true, Name = "in2")]
                public partial void Residual(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
            }
            """;
        var random = new Random(31 + batch);
        float[] Uniform(int n, float low, float high) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)(low + (high - low) * random.NextDouble()); return v; }
        float[] w1 = Uniform(8 * 8 * 9, -0.12f, 0.12f), b1 = Uniform(8, -0.5f, 0.5f), g1 = Uniform(8, 0.5f, 1.5f), be1 = Uniform(8, -0.5f, 0.5f);
        float[] w2 = Uniform(8 * 8 * 25, -0.07f, 0.07f), b2 = Uniform(8, -0.5f, 0.5f), g2 = Uniform(8, 0.5f, 1.5f), be2 = Uniform(8, -0.5f, 0.5f);
        var writer = new SafeTensorsWriter();
        writer.Add("conv1.conv2d.weight", w1, 8, 8, 3, 3); writer.Add("conv1.conv2d.bias", b1, 8); writer.Add("in1.weight", g1, 8); writer.Add("in1.bias", be1, 8);
        writer.Add("conv2.conv2d.weight", w2, 8, 8, 5, 5); writer.Add("conv2.conv2d.bias", b2, 8); writer.Add("in2.weight", g2, 8); writer.Add("in2.bias", be2, 8);
        CompiledModel model = CompiledModel.Compile(source, "Split.Block");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));

        float[] x = Uniform(batch * 8 * 12 * 10, -1, 1);
        const int plane = 12 * 10, sample = 8 * plane;
        float[] y = Reference.Pad(x, batch, 8, new[] { 12, 10 }, new[] { 1, 1 }, new[] { 1, 1 }, PaddingMode.Reflect);
        y = Reference.ConvNd(y, batch, 8, new[] { 14, 12 }, w1, b1, 8, 1, 3, 1, 0, 1);
        y = Reference.Activation(Reference.NormalizeRuns(y, plane, plane, g1, be1, 1e-5, elementwise: false, sample), Layer.ReLU);
        y = Reference.Pad(y, batch, 8, new[] { 12, 10 }, new[] { 2, 2 }, new[] { 2, 2 }, PaddingMode.Reflect);
        y = Reference.ConvNd(y, batch, 8, new[] { 16, 14 }, w2, b2, 8, 1, 5, 1, 0, 1);
        y = Reference.Add(Reference.NormalizeRuns(y, plane, plane, g2, be2, 1e-5, elementwise: false, sample), x);
        Tolerance.AssertClose(y, model.Forward(x, batch), "ResidualBlock as one list");
    }

    [Fact]
    public void Reference_padding_modes_by_hand()
    {
        float[] row = { 1, 2, 3, 4 }; // (1, 1, 4): one row of four
        Assert.Equal(new float[] { 3, 2, 1, 2, 3, 4, 3 }, Reference.Pad(row, 1, 1, new[] { 4 }, new[] { 2 }, new[] { 1 }, PaddingMode.Reflect));
        Assert.Equal(new float[] { 1, 1, 1, 2, 3, 4, 4 }, Reference.Pad(row, 1, 1, new[] { 4 }, new[] { 2 }, new[] { 1 }, PaddingMode.Replicate));
        Assert.Equal(new float[] { 3, 4, 1, 2, 3, 4, 1 }, Reference.Pad(row, 1, 1, new[] { 4 }, new[] { 2 }, new[] { 1 }, PaddingMode.Circular));
        Assert.Equal(new float[] { 0, 0, 1, 2, 3, 4, 0 }, Reference.Pad(row, 1, 1, new[] { 4 }, new[] { 2 }, new[] { 1 }, PaddingMode.Zeros));
        // 2d: reflect a 2×3 plane by 1 on every side.
        float[] plane = { 1, 2, 3, 4, 5, 6 };
        Assert.Equal(new float[] { 5, 4, 5, 6, 5, /**/ 2, 1, 2, 3, 2, /**/ 5, 4, 5, 6, 5, /**/ 2, 1, 2, 3, 2 },
            Reference.Pad(plane, 1, 1, new[] { 2, 3 }, new[] { 1, 1 }, new[] { 1, 1 }, PaddingMode.Reflect));
        Assert.Throws<ArgumentException>(() => Reference.Pad(row, 1, 1, new[] { 4 }, new[] { 4 }, new[] { 0 }, PaddingMode.Reflect)); // PyTorch raises too
    }

    [Fact]
    public void Reference_upsampling_by_hand()
    {
        float[] x = { 1, 2, 3, 4 }; // 1×1×2×2
        Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, Reference.Upsample2d(x, 1, 1, 2, 2, 2, UpsampleMode.Nearest));
        // Bilinear ×2, align_corners=False: the sources of outputs 0..3 are 0 (clamped from −0.25), 0.25, 0.75, 1.25 → 1 (the edge):
        // row/column weights (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1).
        float[] b = Reference.Upsample2d(x, 1, 1, 2, 2, 2, UpsampleMode.Bilinear);
        Assert.Equal(new float[] { 1, 1.25f, 1.75f, 2 }, b[0..4]);
        Assert.Equal(new float[] { 1.5f, 1.75f, 2.25f, 2.5f }, b[4..8]);
        Assert.Equal(new float[] { 3, 3.25f, 3.75f, 4 }, b[12..16]);
        // align_corners=True over 2 → 4: sources 0, 1/3, 2/3, 1.
        float[] a = Reference.Upsample2d(new float[] { 0, 3 }, 1, 1, 1, 2, 2, UpsampleMode.Bilinear, alignCorners: true);
        Assert.Equal(new float[] { 0, 1, 2, 3, 0, 1, 2, 3 }, a, new ToleranceComparer(1e-6f));
        // Nearest ×3 reads ⌊i · (float)(1/3)⌋: 0,0,0,1,1,1.
        Assert.Equal(new float[] { 5, 5, 5, 7, 7, 7 }, Reference.Upsample2d(new float[] { 5, 7 }, 1, 1, 1, 2, 3, UpsampleMode.Nearest)[..6]);
    }

    /// <summary>The runtime's index maps (what the generated copy gathers with) against the same hand-worked positions.</summary>
    [Fact]
    public void Prologue_axis_maps_by_hand()
    {
        // 4 inputs, upsampled ×2 (8), ReflectionPad (2, 1) → 11, conv zero padding 1 → 13 positions.
        InputPrologue.Axis axis = InputPrologue.BuildAxis(4, 2, UpsampleMode.Nearest, false, 2, 1, PaddingMode.Reflect, 1, PaddingMode.Zeros);
        Assert.Equal(new[] { -1, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, -1 }, axis.First);
        // Circular conv padding 2 over 3 inputs, in 2 column phases: padded positions 0..6 read 1,2,0,1,2,0,1; the slots hold
        // positions 0,2,4,6 | 1,3,5 and one unused slot (-1).
        InputPrologue.Axis phased = InputPrologue.BuildAxis(3, 1, UpsampleMode.Nearest, false, 0, 0, PaddingMode.Zeros, 2, PaddingMode.Circular, phases: 2);
        Assert.Equal(new[] { 1, 0, 2, 1, 2, 1, 0, -1 }, phased.First);
        // Bilinear ×2 over 2 inputs: sources 0 (clamped from −0.25), 0.25, 0.75, 1.25; the last reads index 1 twice (no
        // index past the edge) with λ 0.25, as libtorch.
        InputPrologue.Axis linear = InputPrologue.BuildAxis(2, 2, UpsampleMode.Bilinear, false, 0, 0, PaddingMode.Zeros, 0, PaddingMode.Zeros);
        Assert.Equal(new[] { 0, 0, 0, 1 }, linear.First);
        Assert.Equal(new[] { 1, 1, 1, 1 }, linear.Second);
        Assert.Equal(new[] { 1f, 0.75f, 0.25f, 0.75f }, linear.FirstWeight);
        Assert.Equal(new[] { 0f, 0.25f, 0.75f, 0.25f }, linear.SecondWeight);
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
