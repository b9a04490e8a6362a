using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Generated kernels against the Runtime's scalar reference on random chains: odd widths, padding at every
/// edge, strides, dilations, channel counts that are not multiples of the 4-channel block or the 8-lane
/// vector. Each case is drawn from a fixed seed so a failure names a reproducible chain.
/// </summary>
[Trait("Category", "Numeric")]
public class ReferenceTests
{
    private static readonly Layer[] ActivationKinds =
        { Layer.ReLU, Layer.ReLU6, Layer.LeakyReLU, Layer.SiLU, Layer.GELU, Layer.Sigmoid, Layer.Tanh, Layer.Hardswish, Layer.ELU };

    public static IEnumerable<object[]> ConvSeeds => Enumerable.Range(1, 40).Select(s => new object[] { s });
    public static IEnumerable<object[]> LinearSeeds => Enumerable.Range(1, 20).Select(s => new object[] { s });

    /// <summary>A random conv chain that fits its input (the generator would reject one that does not).</summary>
    /// <param name="width">An input width to use instead of 5–39 (the rows are then 3–8).</param>
    /// <param name="fused">Only chains that fuse into (sample, block, row band) tasks: a folded BatchNorm or no norm, and 16–63 input rows.</param>
    internal static ChainCase RandomConv(int seed, int? width = null, bool fused = false)
    {
        var random = new Random(seed);
        while (true)
        {
            int c = random.Next(1, 7), h = random.Next(5, 24), w = random.Next(5, 40);
            if (width is { } wide) { w = wide; h = random.Next(3, 9); }
            if (fused) h = random.Next(16, 64);
            int kernel = new[] { 1, 2, 3, 3, 3, 5, 7 }[random.Next(7)];
            int stride = random.Next(4) == 0 ? 2 : 1;
            int dilation = random.Next(5) == 0 ? 2 : 1;
            int padding = random.Next(0, kernel / 2 * dilation + 2);
            int extent = dilation * (kernel - 1) + 1;
            if (extent > h + 2 * padding || extent > w + 2 * padding) continue;
            int oh = (h + 2 * padding - extent) / stride + 1, ow = (w + 2 * padding - extent) / stride + 1;

            Layer? activation = random.Next(5) == 0 ? null : ActivationKinds[random.Next(ActivationKinds.Length)];
            PoolCase? pool = null;
            if (random.Next(3) == 0)
            {
                int pk = random.Next(2, 4), ps = random.Next(1, 3), pp = random.Next(0, pk / 2 + 1);
                if (pk <= oh + 2 * pp && pk <= ow + 2 * pp)
                    pool = new PoolCase(random.Next(2) == 0 ? Layer.MaxPool2d : Layer.AvgPool2d, pk, ps, pp, random.Next(2) == 0);
            }
            int outChannels = random.Next(1, 14);
            int groups = random.Next(4) == 0 && c % 2 == 0 && outChannels % 2 == 0 ? 2 : 1;
            NormCase? norm = fused ? (random.Next(3) == 0 ? null : new NormCase(Layer.BatchNorm2d, Affine: random.Next(4) != 0)) : random.Next(6) switch
            {
                0 => null,
                1 => new NormCase(Layer.BatchNorm2d, Affine: random.Next(4) != 0, Track: false),
                2 => new NormCase(Layer.InstanceNorm2d, Affine: random.Next(2) == 0, Track: false),
                3 when outChannels % 2 == 0 => new NormCase(Layer.GroupNorm, Affine: random.Next(4) != 0, Groups: 2),
                4 => new NormCase(Layer.LayerNorm, Affine: random.Next(4) != 0, Shape: random.Next(2) == 0 ? new[] { ow } : new[] { oh, ow }),
                _ => new NormCase(Layer.BatchNorm2d, Affine: random.Next(4) != 0),
            };
            return new ChainCase($"random_conv_{seed}", new[] { c, h, w },
                new ConvCase(outChannels, kernel, stride, padding, dilation, Bias: random.Next(3) != 0, Groups: groups),
                NormOf: norm,
                Activation: activation,
                ActivationParameter: activation is Layer.LeakyReLU or Layer.ELU ? Math.Round(random.NextDouble(), 2) : double.NaN,
                GeluTanh: activation == Layer.GELU && random.Next(2) == 0,
                Pool: pool);
        }
    }

    private static ChainCase RandomLinear(int seed)
    {
        var random = new Random(1000 + seed);
        Layer? activation = random.Next(4) == 0 ? null : ActivationKinds[random.Next(ActivationKinds.Length)];
        int[] shape = random.Next(3) == 0 ? new[] { random.Next(1, 4), random.Next(1, 5), random.Next(1, 5) } : new[] { random.Next(1, 70) };
        int outFeatures = random.Next(2, 45);
        NormCase? norm = random.Next(5) switch
        {
            0 => null,
            1 => new NormCase(Layer.BatchNorm1d, Affine: random.Next(4) != 0, Track: false),
            2 when outFeatures % 2 == 0 => new NormCase(Layer.GroupNorm, Affine: random.Next(4) != 0, Groups: 2),
            3 => new NormCase(Layer.LayerNorm, Affine: random.Next(4) != 0, Shape: new[] { outFeatures }, Bias: random.Next(3) != 0),
            _ => new NormCase(Layer.BatchNorm1d, Affine: random.Next(4) != 0),
        };
        return new ChainCase($"random_linear_{seed}", shape, LinearOut: outFeatures, LinearBias: random.Next(3) != 0,
            NormOf: norm, Activation: activation,
            ActivationParameter: activation is Layer.LeakyReLU or Layer.ELU ? Math.Round(random.NextDouble(), 2) : double.NaN,
            GeluTanh: activation == Layer.GELU && random.Next(2) == 0);
    }

    [Theory]
    [MemberData(nameof(ConvSeeds))]
    public void Random_conv_chain_matches_reference(int seed) => Check(RandomConv(seed), seed);

    /// <summary>
    /// Linear layers large enough that a batch under 4 splits each sample's passes over x into tasks
    /// (LinearPlan.MaxPassChunks): MobileNetV2's classifier (31 passes and a partial one), an output count that is not a
    /// multiple of 8 (the last vector overlapping), an activation; batches 1–3 at 1, 2 and 3 threads, same bits at each.
    /// </summary>
    [Theory]
    [InlineData(1280, 1000, null, 1)]
    [InlineData(1024, 1000, null, 3)]
    [InlineData(700, 1003, Layer.ReLU, 2)]
    public void Large_linear_at_a_small_batch_matches_reference_at_every_thread_count(int inFeatures, int outFeatures, Layer? activation, int batch) =>
        Check(new ChainCase($"linear_split_{inFeatures}_{outFeatures}", new[] { inFeatures }, LinearOut: outFeatures, Activation: activation),
            500 + batch, degrees: new[] { 1, 2, 3 }, batch: batch);

    [Theory]
    [MemberData(nameof(LinearSeeds))]
    public void Random_linear_chain_matches_reference(int seed) => Check(RandomLinear(seed), seed);

    /// <summary>
    /// Batches of 6 to 20: the Vector512 Linear kernel's tiles of 6 samples, with a last tile that overlaps the one
    /// before when the batch is not a multiple of 6 (on machines without AVX-512 this runs the Vector256 tasks of 4).
    /// </summary>
    [Theory]
    [MemberData(nameof(LinearSeeds))]
    public void Random_linear_chain_with_a_large_batch_matches_reference(int seed) => Check(RandomLinear(seed), seed, largeBatch: true);

    // Input rows of 48–130 columns, which the widths above never reach: the planner's row tile changes with the
    // width (64 output columns run as 2 tiles of 2 Vector512s, 56 as 3 vectors + an overlapping single).
    public static IEnumerable<object[]> WideRowCases =>
        new[] { 48, 56, 64, 80, 96, 128, 130, 64, 72, 112, 64, 100 }.Select((width, i) => new object[] { 100 + i, width });

    [Theory]
    [MemberData(nameof(WideRowCases))]
    public void Random_conv_chain_with_wide_rows_matches_reference(int seed, int width) => Check(RandomConv(seed, width) with { Name = $"random_wide_conv_{seed}" }, seed);

    /// <summary>
    /// Kernels of 7 to 65 taps a side (and strided 1d/3d convs), whose whole window is more code than the JIT fully optimizes in one method: the
    /// plan unrolls one kernel row (2d, 3d) or one tap (1d) and loops over the rest (ConvPlan.RowUnroll). Every kernel
    /// form is covered: the Vector512 and Vector256 row kernels, the flat Vector512 kernel, strides 2 and 4 (gathered
    /// loads), dilation, channel tails, and the statistics kernels.
    /// </summary>
    public static IEnumerable<object[]> LargeKernelCases => new ChainCase[]
    {
        new("large_k7_flat", new[] { 3, 40, 70 }, new ConvCase(16, 7, Padding: 3), Norm: true, Activation: Layer.ReLU),
        new("large_k9_instancenorm", new[] { 3, 30, 67 }, new ConvCase(13, 9, Padding: 4), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.GELU),
        new("large_k11_s4_maxpool", new[] { 3, 50, 90 }, new ConvCase(16, 11, Stride: 4, Padding: 2), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 3, 2, 1)),
        new("large_k7_s2_groupnorm", new[] { 2, 36, 80 }, new ConvCase(8, 7, Stride: 2, Padding: 3), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.SiLU),
        new("large_k7_dilated_batchstats", new[] { 4, 30, 60 }, new ConvCase(12, 7, Padding: 5, Dilation: 2), NormOf: new(Layer.BatchNorm2d, Track: false)),
        new("large_k9_grouped", new[] { 4, 20, 50 }, new ConvCase(8, 9, Padding: 4, Groups: 2), Activation: Layer.Tanh),
        new("large_conv1d_k33", new[] { 3, 300 }, new ConvCase(16, 33, Padding: 16), Rank: 1, Norm: true, Activation: Layer.ReLU),
        new("large_conv1d_k65_layernorm", new[] { 2, 200 }, new ConvCase(8, 65, Padding: 32), Rank: 1, NormOf: new(Layer.LayerNorm, Shape: new[] { 200 })),
        new("large_conv3d_k5", new[] { 2, 9, 12, 40 }, new ConvCase(8, 5, Padding: 2), Rank: 3, Norm: true, Activation: Layer.ReLU),
        new("large_conv3d_k7_instancenorm", new[] { 1, 11, 11, 24 }, new ConvCase(8, 7), Rank: 3, NormOf: new(Layer.InstanceNorm3d, Track: false), Activation: Layer.ReLU),
        // Pools over rows wide enough for the vector horizontal pass (stride 1 and 2, windows 2-5, padding, both divisors).
        new("wide_avgpool_k3_s1_pad1", new[] { 3, 12, 50 }, new ConvCase(8, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AvgPool2d, 3, 1, 1)),
        new("wide_avgpool_k5_s2_nopadcount", new[] { 3, 14, 61 }, new ConvCase(5, 3, Padding: 1), Activation: Layer.SiLU, Pool: new PoolCase(Layer.AvgPool2d, 5, 2, 2, CountIncludePad: false)),
        new("wide_maxpool_k4_s2_pad2", new[] { 2, 12, 70 }, new ConvCase(8, 1), NormOf: new(Layer.InstanceNorm2d, Track: false), Pool: new PoolCase(Layer.MaxPool2d, 4, 2, 2)),
        new("wide_maxpool_k2_s1", new[] { 2, 9, 40 }, new ConvCase(4, 3), Activation: Layer.Tanh, Pool: new PoolCase(Layer.MaxPool2d, 2, 1)),
        // Strided planes narrower than a Vector256 (ResNet's last stage): the flat Vector512 kernel over the phased copy.
        new("narrow_strided_flat_k3_s2", new[] { 24, 14, 14 }, new ConvCase(16, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("narrow_strided_flat_k1_s2_tail", new[] { 16, 13, 13 }, new ConvCase(11, 1, Stride: 2), Norm: true),
        new("narrow_strided_flat_k3_s3_pool", new[] { 8, 20, 20 }, new ConvCase(8, 3, Stride: 3, Padding: 1), Activation: Layer.SiLU, Pool: new PoolCase(Layer.MaxPool2d, 2)),
        // Strided 1d and 3d convs: the copy's rows split into column phases (2d strides are in the cases above and the random chains).
        new("strided_conv1d_k9_s3", new[] { 3, 120 }, new ConvCase(10, 9, Stride: 3, Padding: 4), Rank: 1, Norm: true, Activation: Layer.ReLU6),
        new("strided_conv3d_k3_s2_unpadded", new[] { 2, 7, 9, 41 }, new ConvCase(8, 3, Stride: 2), Rank: 3, Norm: true, Activation: Layer.ReLU),
        new("strided_conv2d_k3_s3_dilated", new[] { 3, 20, 70 }, new ConvCase(9, 3, Stride: 3, Padding: 1, Dilation: 2), NormOf: new(Layer.LayerNorm, Shape: new[] { 23 }), Activation: Layer.SiLU),
        // Planes narrower than a Vector256 (MobileNetV2's 6×6 and 3×3 stages): the pixel kernel computes each full block of 8
        // channels as one Vector256 (ConvPlan.ChannelVectorPixels), eval, residual-free and with every statistics mode.
        new("narrow_channels_k1_6x6_relu6", new[] { 24, 6, 6 }, new ConvCase(64, 1, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("narrow_channels_k1_3x3_tail", new[] { 96, 3, 3 }, new ConvCase(44, 1, Bias: false), Norm: true),
        new("narrow_channels_k3_s2_phased", new[] { 16, 5, 5 }, new ConvCase(24, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU6),
        new("narrow_channels_k3_groupnorm", new[] { 8, 5, 5 }, new ConvCase(16, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 4), Activation: Layer.SiLU),
        new("narrow_channels_k3_batchstats_grouped", new[] { 32, 4, 4 }, new ConvCase(32, 3, Padding: 1, Groups: 2), NormOf: new(Layer.BatchNorm2d, Track: false), Activation: Layer.ReLU),
        new("narrow_channels_k1_instancenorm", new[] { 16, 3, 3 }, new ConvCase(16, 1), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false)),
    }.Concat(TaskCopyCases).Concat(SmallFlatCases).Concat(TinyPlaneCases).Concat(PolyphaseCases).Concat(RowPermuteCases).Concat(NarrowStridedCases).Concat(LaneCases).Concat(DepthwiseLaneCases).Concat(ChannelLaneCases).Select((chain, i) => new object[] { chain, 300 + i });

    /// <summary>
    /// Dense convs on planes whose rows are under 16 columns, computed with AVX-512 as 16 output channels per
    /// Vector512 × tiles of positions across rows (ChainPlan.LanePositions): ResNet's 3×3 on 7×7 (3 vectors × 7 positions),
    /// runs of 6, 4 and 2 blocks (64 and 80 channels), a 5×5 plane, dilation 2, an unpadded 3×3 onto 7×9, a 4×4 plane
    /// (no flat kernel: the pixel tiles without AVX-512), and a plane split into row bands at 2 and 3 threads.
    /// </summary>
    private static readonly ChainCase[] LaneCases =
    {
        new("lanes_3x3_7x7", new[] { 32, 7, 7 }, new ConvCase(48, 3, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("lanes_1x1_6x6_runs_of_6_and_2", new[] { 40, 6, 6 }, new ConvCase(64, 1, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("lanes_1x1_5x5_runs_of_6_and_4", new[] { 24, 5, 5 }, new ConvCase(80, 1)),
        new("lanes_dilated_9x9", new[] { 16, 9, 9 }, new ConvCase(32, 3, Padding: 2, Dilation: 2), Norm: true, Activation: Layer.SiLU),
        new("lanes_unpadded_9x11", new[] { 16, 9, 11 }, new ConvCase(32, 3), Activation: Layer.Tanh),
        new("lanes_4x4", new[] { 48, 4, 4 }, new ConvCase(96, 3, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        // Tiles whose weights pass the L2 budget run in passes over chunks of the input channels (ChainPlan.LaneChunk):
        // 2 passes of 80 on 7×7; a 5×5 window (unrolled a kernel row at a time) in 2 passes of 32; a 7 × 40 plane whose
        // 40 tiles make 2 groups (the accumulators a group keeps between passes), split into row bands at 2 and 3 threads.
        new("lanes_chunked_3x3_7x7", new[] { 160, 7, 7 }, new ConvCase(48, 3, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("lanes_chunked_5x5_rows", new[] { 64, 7, 7 }, new ConvCase(48, 5, Padding: 2), Activation: Layer.SiLU),
        new("lanes_chunked_groups_40x7", new[] { 160, 40, 7 }, new ConvCase(48, 3, Padding: 1), Norm: true, Activation: Layer.ReLU6),
        // With a pool: the tiles go to the task's scratch planes and the pool reads them. A classifier head's 1×1 conv and
        // global average (MobileNetV2's on 7×7, and on 3×3 at 96², where the rows are narrower than a Vector256), a chunked
        // 3×3 into a global average (ResNet's last conv without its skip), and a 2×2 max pool on 8×8.
        new("lanes_head_1x1_7x7_gap", new[] { 96, 7, 7 }, new ConvCase(48, 1, Bias: false), Norm: true, Activation: Layer.ReLU6, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1)),
        new("lanes_head_1x1_3x3_gap", new[] { 40, 3, 3 }, new ConvCase(64, 1, Bias: false), Norm: true, Activation: Layer.ReLU6, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1)),
        new("lanes_chunked_3x3_7x7_gap", new[] { 160, 7, 7 }, new ConvCase(32, 3, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1)),
        new("lanes_3x3_8x8_maxpool", new[] { 16, 8, 8 }, new ConvCase(32, 3, Padding: 1), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 2)),
        // Strided convs over the flat kernel's copy (each tap at a constant offset from oh · FlatPitch + ox): ResNet's
        // 14² → 7² 3×3 over the polyphase copy, chunked into 2 passes; its 1×1 stride-2 shortcut; stride 3; an odd
        // plane onto 7×8 (the last tile shifted back); a global average after a strided conv.
        new("lanes_strided_3x3_14to7", new[] { 32, 14, 14 }, new ConvCase(48, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("lanes_strided_chunked_14to7", new[] { 160, 14, 14 }, new ConvCase(48, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU6),
        new("lanes_strided_shortcut_1x1", new[] { 40, 14, 14 }, new ConvCase(64, 1, Stride: 2, Bias: false), Norm: true),
        new("lanes_strided_s3_20", new[] { 16, 20, 20 }, new ConvCase(32, 3, Stride: 3, Padding: 1), Activation: Layer.SiLU),
        new("lanes_strided_odd_13x15", new[] { 24, 13, 15 }, new ConvCase(32, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.Tanh),
        new("lanes_strided_gap", new[] { 64, 14, 14 }, new ConvCase(32, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1)),
    };

    /// <summary>
    /// Depthwise convs with windows of 25 taps or more, computed where Vector256 is accelerated as 8 channels per Vector256
    /// over their interleaved rows (ChainPlan.ChannelLanes; CI also runs them without AVX-512 and without vectors): ConvNeXt's
    /// 7×7 with GELU, EfficientNet's 5×5 stride 2 with SiLU on an odd plane at batch 3, dilation 2, an 11×11 window (one
    /// kernel row per loop step) onto rows of 7 (a tile of 7 positions), and unpadded planes (no copy at all) split into row
    /// bands at 2 and 3 threads (a padded one keeps whole planes: each task makes its own copy).
    /// </summary>
    internal static readonly ChainCase[] ChannelLaneCases =
    {
        new("channel_lanes_dw7x7_gelu", new[] { 16, 20, 20 }, new ConvCase(16, 7, Padding: 3, Groups: 16), Norm: true, Activation: Layer.GELU),
        new("channel_lanes_dw5x5_s2_silu_odd", new[] { 24, 23, 19 }, new ConvCase(24, 5, Stride: 2, Padding: 2, Groups: 24, Bias: false), Norm: true, Activation: Layer.SiLU, Batch: 3),
        new("channel_lanes_dw5x5_dilated", new[] { 8, 24, 24 }, new ConvCase(8, 5, Padding: 4, Dilation: 2, Groups: 8), Activation: Layer.ReLU),
        new("channel_lanes_dw11x11_rows_of_7", new[] { 8, 9, 7 }, new ConvCase(8, 11, Padding: 5, Groups: 8), Norm: true, Activation: Layer.Tanh),
        new("channel_lanes_dw5x5_tall_bands", new[] { 8, 48, 16 }, new ConvCase(8, 5, Groups: 8, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("channel_lanes_dw7x7_unpadded", new[] { 16, 15, 17 }, new ConvCase(16, 7, Groups: 16)),
    };

    /// <summary>
    /// Strided convs onto rows of 8–15 columns (a Vector256 row but not a Vector512 one), which now run the flat Vector512
    /// kernel over the polyphase copy, and whose Vector256 row kernels (without AVX-512; CI runs them) read the same
    /// quarter planes: ResNet-18's layer3.0.conv1 shape (28² → 14²), its 1×1 stride-2 shortcut (stored in place), odd
    /// sizes, stride 3, MobileNetV2's 28² → 14² depthwise (each task's own quarter planes), a channel tail.
    /// </summary>
    private static readonly ChainCase[] NarrowStridedCases =
    {
        new("narrow_strided_28to14", new[] { 16, 28, 28 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("narrow_strided_shortcut_1x1", new[] { 16, 28, 28 }, new ConvCase(32, 1, Stride: 2, Bias: false), Norm: true),
        new("narrow_strided_odd_25x29", new[] { 8, 25, 29 }, new ConvCase(16, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.SiLU),
        new("narrow_strided_s3_40", new[] { 4, 40, 40 }, new ConvCase(8, 3, Stride: 3, Padding: 1), Activation: Layer.ReLU),
        new("narrow_strided_depthwise_28to14", new[] { 24, 28, 28 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Groups: 24, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("narrow_strided_tail_channels", new[] { 6, 22, 22 }, new ConvCase(12, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU6),
        // Wider strided rows that are not whole Vector512s run flat over the quarters too (ModelPlanner.PlanPolyphase):
        // ResNet-18's layer2.0.conv1 shape onto 28 columns, 20 columns with a channel tail, a 1×1 shortcut onto 20,
        // a depthwise onto 24 (each task's own quarters), and a row split into bands at 2 and 3 threads.
        new("wide_strided_56to28", new[] { 16, 56, 56 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("wide_strided_20_tail", new[] { 5, 40, 40 }, new ConvCase(12, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.SiLU),
        new("wide_strided_shortcut_1x1_20", new[] { 16, 40, 40 }, new ConvCase(16, 1, Stride: 2, Bias: false), Norm: true),
        new("wide_strided_depthwise_24", new[] { 16, 48, 48 }, new ConvCase(16, 3, Stride: 2, Padding: 1, Groups: 16, Bias: false), Norm: true, Activation: Layer.ReLU6),
    };

    /// <summary>
    /// Grouped convs on planes under 16 columns whose output rows are each one Vector512 from the unpadded input rows
    /// (ChainPlan.RowPermute, with AVX-512; CI also runs them without, on the copy): MobileNetV2's 14² → 7² and 7² → 7²
    /// depthwise shapes, a 5×5 window on a non-square plane, dilation 2, a channel multiplier of 2 (2 channels per
    /// block), two input planes per group with the widest row (15) and stride 2, stride 3, an unpadded conv (no copy
    /// at all), the last rows' vectors shifted back inside the plane, and a band of fewer than 16 outputs.
    /// </summary>
    private static readonly ChainCase[] RowPermuteCases =
    {
        new("row_permute_depthwise_s2_14to7", new[] { 24, 14, 14 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Groups: 24, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("row_permute_depthwise_7x7", new[] { 40, 7, 7 }, new ConvCase(40, 3, Padding: 1, Groups: 40, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("row_permute_k5_9x11", new[] { 6, 9, 11 }, new ConvCase(6, 5, Padding: 2, Groups: 6), Activation: Layer.SiLU),
        new("row_permute_dilated", new[] { 8, 12, 12 }, new ConvCase(8, 3, Padding: 2, Dilation: 2, Groups: 8), Norm: true, Activation: Layer.ReLU),
        new("row_permute_multiplier2", new[] { 8, 10, 10 }, new ConvCase(16, 3, Padding: 1, Groups: 8), Norm: true),
        new("row_permute_two_planes_w15_s2", new[] { 8, 13, 15 }, new ConvCase(8, 3, Stride: 2, Padding: 1, Groups: 4), Activation: Layer.Tanh),
        new("row_permute_s3", new[] { 4, 15, 15 }, new ConvCase(4, 3, Stride: 3, Padding: 1, Groups: 4), Norm: true),
        new("row_permute_unpadded", new[] { 16, 8, 8 }, new ConvCase(16, 3, Groups: 16), Norm: true, Activation: Layer.ReLU),
        new("row_permute_wide_output_4x4", new[] { 8, 4, 5 }, new ConvCase(8, 3, Padding: 1, Groups: 8), Activation: Layer.ReLU),
    };

    /// <summary>
    /// Strided convs onto planes narrower than a Vector256 row, whose flat kernel reads the polyphase copy
    /// (ConvPlan.Polyphase): ResNet-18's 14² → 7² shape, a 1×1 stride-2 shortcut, a 5×5 window, dilation 2, a
    /// depthwise conv (whose tasks copy their own quarter planes), an odd padded height, stride 3, a channel tail.
    /// </summary>
    private static readonly ChainCase[] PolyphaseCases =
    {
        new("polyphase_k3_s2_14_to_7", new[] { 16, 14, 14 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU),
        new("polyphase_k1_s2_shortcut", new[] { 16, 14, 14 }, new ConvCase(32, 1, Stride: 2, Bias: false), Norm: true),
        new("polyphase_k5_s2_p2", new[] { 8, 13, 13 }, new ConvCase(8, 5, Stride: 2, Padding: 2), Activation: Layer.SiLU),
        new("polyphase_k3_s2_dilated", new[] { 8, 15, 15 }, new ConvCase(16, 3, Stride: 2, Padding: 2, Dilation: 2), Norm: true),
        new("polyphase_depthwise_s2", new[] { 24, 14, 14 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Groups: 24, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("polyphase_k3_s3_tail", new[] { 8, 20, 20 }, new ConvCase(11, 3, Stride: 3, Padding: 1), Activation: Layer.ReLU),
    };

    /// <summary>
    /// Planes under one Vector512 of flat positions (3×3, 2×2): the pixel kernels' tiles across rows — a Vector256 of 8
    /// channels per position (ConvEmitter.EmitChannelVectorTiles) and a float per position for one-channel blocks
    /// (depthwise: EmitSingleChannelTiles) — with padding, stride 2 (unphased), a channel multiplier, a channel tail and a pool
    /// (the residual add on such planes: MobileNetV2Tests, at 96² its 3×3 stage).
    /// </summary>
    private static readonly ChainCase[] TinyPlaneCases =
    {
        new("tiny_depthwise_3x3", new[] { 24, 3, 3 }, new ConvCase(24, 3, Padding: 1, Groups: 24, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("tiny_depthwise_s2_to_2x2", new[] { 16, 4, 4 }, new ConvCase(16, 3, Stride: 2, Padding: 1, Groups: 16), Activation: Layer.ReLU),
        new("tiny_depthwise_2x2_multiplier", new[] { 8, 2, 2 }, new ConvCase(16, 3, Padding: 1, Groups: 8), Norm: true),
        new("tiny_1x1_3x3_tail", new[] { 40, 3, 3 }, new ConvCase(44, 1, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("tiny_k3_2x2", new[] { 32, 2, 2 }, new ConvCase(32, 3, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("tiny_1x1_3x3_avgpool", new[] { 16, 3, 3 }, new ConvCase(24, 1), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AvgPool2d, 2, 1)),
    };

    /// <summary>
    /// Depthwise convs on planes under 16 floats, which with AVX-512 compute 16 channels per Vector512 over a transposed,
    /// zero-padded copy (ChainPlan.DepthwiseLanes): MobileNetV2 96²'s 960 channels on 3×3 (runs of channels per task, a
    /// last group of 16), 40 channels (a group of 8 at the end), stride 2 onto 2×2, a 5×5 window on 2×2 planes, dilation 2,
    /// a 2×5 plane, no padding.
    /// </summary>
    private static readonly ChainCase[] DepthwiseLaneCases =
    {
        new("dw_lanes_960_3x3", new[] { 960, 3, 3 }, new ConvCase(960, 3, Padding: 1, Groups: 960, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("dw_lanes_40_tail", new[] { 40, 3, 3 }, new ConvCase(40, 3, Padding: 1, Groups: 40), Activation: Layer.SiLU),
        new("dw_lanes_s2_3x3_to_2x2", new[] { 24, 3, 3 }, new ConvCase(24, 3, Stride: 2, Padding: 1, Groups: 24, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("dw_lanes_k5_2x2", new[] { 32, 2, 2 }, new ConvCase(32, 5, Padding: 2, Groups: 32), Norm: true, Activation: Layer.Hardswish),
        new("dw_lanes_dilated_3x3", new[] { 20, 3, 3 }, new ConvCase(20, 3, Padding: 2, Dilation: 2, Groups: 20)),
        new("dw_lanes_2x5", new[] { 48, 2, 5 }, new ConvCase(48, 3, Padding: 1, Groups: 48), Norm: true, Activation: Layer.ReLU),
        new("dw_lanes_unpadded_3x3", new[] { 36, 3, 3 }, new ConvCase(36, 2, Groups: 36), Activation: Layer.Tanh),
    };

    /// <summary>
    /// Planes of 16–47 flat positions, which the flat Vector512 kernel now takes with tiles of 1 or 2 vectors
    /// (ModelPlanner.FlatMinPositions): MobileNetV2's 6×6 stage at 96² (depthwise, 1×1 with channel tails), ResNet-50's
    /// 4×4 stage at 64², a strided conv down to 3×3, exactly one vector (a 1×1 conv on 4×4), and a residual add.
    /// </summary>
    private static readonly ChainCase[] SmallFlatCases =
    {
        new("small_flat_depthwise_6x6", new[] { 32, 6, 6 }, new ConvCase(32, 3, Padding: 1, Groups: 32, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("small_flat_1x1_6x6_tail", new[] { 20, 6, 6 }, new ConvCase(44, 1, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("small_flat_k3_4x4", new[] { 16, 4, 4 }, new ConvCase(16, 3, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("small_flat_1x1_4x4_one_vector", new[] { 24, 4, 4 }, new ConvCase(40, 1), Norm: true),
        new("small_flat_k3_s2_to_3x3", new[] { 16, 6, 6 }, new ConvCase(16, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("small_flat_depthwise_s2_5x5", new[] { 16, 10, 10 }, new ConvCase(16, 3, Stride: 2, Padding: 1, Groups: 16), Activation: Layer.ReLU6),
        new("small_flat_k3_5x5_maxpool", new[] { 8, 5, 5 }, new ConvCase(16, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 2)),
    };

    /// <summary>
    /// Grouped convs whose tasks copy their own group's planes, padded (ChainPlan.TaskCopy: one channel block per group):
    /// depthwise at strides 1 and 2 (the phased copy's vector and one-column-at-a-time rows), a channel multiplier of 2,
    /// two input planes per group, a 5×5 window, rows of 70 columns, 1d and 3d.
    /// </summary>
    private static readonly ChainCase[] TaskCopyCases =
    {
        new("task_copy_depthwise_s2", new[] { 16, 23, 37 }, new ConvCase(16, 3, Stride: 2, Padding: 1, Groups: 16, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("task_copy_depthwise_s1_wide", new[] { 12, 9, 70 }, new ConvCase(12, 3, Padding: 1, Groups: 12), Norm: true, Activation: Layer.ReLU6),
        new("task_copy_depthwise_s2_wide", new[] { 8, 7, 67 }, new ConvCase(8, 3, Stride: 2, Padding: 1, Groups: 8), Activation: Layer.ReLU),
        new("task_copy_multiplier2", new[] { 8, 12, 12 }, new ConvCase(16, 3, Padding: 1, Groups: 8), Norm: true),
        new("task_copy_two_planes_k5_s2", new[] { 8, 17, 20 }, new ConvCase(8, 5, Stride: 2, Padding: 2, Groups: 4), Activation: Layer.SiLU),
        new("task_copy_depthwise_7x7_planes", new[] { 24, 7, 7 }, new ConvCase(24, 3, Padding: 1, Groups: 24), Norm: true, Activation: Layer.ReLU6),
        new("task_copy_conv1d_s2", new[] { 16, 50 }, new ConvCase(16, 5, Stride: 2, Padding: 2, Groups: 16), Rank: 1, Norm: true),
        new("task_copy_conv3d", new[] { 8, 4, 6, 20 }, new ConvCase(8, 3, Padding: 1, Groups: 8), Rank: 3, Activation: Layer.ReLU),
    };

    [Theory]
    [MemberData(nameof(LargeKernelCases))]
    public void Large_kernel_chain_matches_reference(ChainCase chain, int seed) => Check(chain, seed);

    /// <summary>The copying tasks at 1, 2 and 3 threads and batch 3: the same bits at every thread count, and the reference's values.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Task_copy_chain_is_the_same_at_every_thread_count(int index) =>
        Check(TaskCopyCases[index], 350 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The small flat planes at 1, 2 and 3 threads and batch 3 (row bands, where the plan makes them, with tiles shifted back over another band's rows).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Small_flat_chain_is_the_same_at_every_thread_count(int index) =>
        Check(SmallFlatCases[index], 370 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The polyphase copy's chains at 1, 2 and 3 threads and batch 3.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Polyphase_chain_is_the_same_at_every_thread_count(int index) =>
        Check(PolyphaseCases[index], 390 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The lane kernels at 1, 2 and 3 threads and batch 3 (row bands where the plan makes them; the pooled ones, one band).</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    public void Lane_chain_is_the_same_at_every_thread_count(int index) =>
        Check(LaneCases[index], 415 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The depthwise lane kernels at 1, 2 and 3 threads and batch 3 (each task a run of channels).</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Depthwise_lane_chain_is_the_same_at_every_thread_count(int index) =>
        Check(DepthwiseLaneCases[index], 440 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The narrow strided convs at 1, 2 and 3 threads and batch 3.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Narrow_strided_chain_is_the_same_at_every_thread_count(int index) =>
        Check(NarrowStridedCases[index], 405 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The row-permute kernels at 1, 2 and 3 threads and batch 3.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Row_permute_chain_is_the_same_at_every_thread_count(int index) =>
        Check(RowPermuteCases[index], 395 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>The tiny planes' tiles at 1, 2 and 3 threads and batch 3.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Tiny_plane_chain_is_the_same_at_every_thread_count(int index) =>
        Check(TinyPlaneCases[index], 380 + index, degrees: new[] { 1, 2, 3 }, batch: 3);

    /// <summary>
    /// Prologues against the reference's modules one by one (Upsample2d, Pad, then the conv): every kernel form the copy
    /// feeds — the row kernels (Vector512 and Vector256), the flat Vector512 kernel (planes of 14 and 28 columns), column
    /// phases for strides 2 and 3, the scalar path, 7×7 and 9×9 windows unrolled a row at a time — with odd sizes,
    /// asymmetric padding, reflect + the conv's zero padding, every padding mode and both upsampling modes at scales 1–4.
    /// </summary>
    public static IEnumerable<object[]> PrologueCases => new ChainCase[]
    {
        new("prologue_style_first_k9", new[] { 3, 21, 37 }, new ConvCase(16, 9), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ReflectionPad2d, Padding: new[] { 4 })),
        new("prologue_reflect_s2_in", new[] { 5, 17, 33 }, new ConvCase(12, 3, Stride: 2), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ReflectionPad2d, Padding: new[] { 1 })),
        new("prologue_reflect_flat_14", new[] { 8, 14, 14 }, new ConvCase(16, 3), Norm: true, Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ReflectionPad2d, Padding: new[] { 1 })),
        new("prologue_upsample_flat_28_add_free", new[] { 6, 14, 14 }, new ConvCase(8, 3), Norm: true,
            Prologue: new(Scale: 2, Pad: Layer.ReflectionPad2d, Padding: new[] { 1 })),
        new("prologue_upsample4_bilinear_s3", new[] { 2, 6, 9 }, new ConvCase(9, 3, Stride: 3, Padding: 1), Activation: Layer.SiLU,
            Prologue: new(Scale: 4, Mode: UpsampleMode.Bilinear)),
        new("prologue_bilinear_scale1", new[] { 3, 8, 19 }, new ConvCase(5, 3, Padding: 1), Prologue: new(Scale: 1, Mode: UpsampleMode.Bilinear)),
        new("prologue_nearest3_reflect_tuple_gn", new[] { 4, 5, 7 }, new ConvCase(8, 3, Padding: 2, Mode: PaddingMode.Reflect), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.GELU,
            Prologue: new(Scale: 3, Pad: Layer.ReflectionPad2d, Padding: new[] { 2, 0, 1, 3 })),
        new("prologue_replicate_pad_and_circular_mode", new[] { 3, 9, 30 }, new ConvCase(7, 5, Padding: 2, Mode: PaddingMode.Circular), Norm: true, Activation: Layer.Tanh,
            Prologue: new(Pad: Layer.ReplicationPad2d, Padding: new[] { 3, 1, 0, 2 })),
        new("prologue_zeropad_scalar_narrow", new[] { 2, 5, 4 }, new ConvCase(3, 3), Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ZeroPad2d, Padding: new[] { 1, 2, 2, 1 })),
        new("prologue_reflect_mode_dilated_maxpool", new[] { 3, 12, 40 }, new ConvCase(8, 3, Padding: 2, Dilation: 2, Mode: PaddingMode.Reflect), Norm: true, Activation: Layer.ReLU,
            Pool: new PoolCase(Layer.MaxPool2d, 2)),
        new("prologue_replicate_mode_k7_rows", new[] { 2, 20, 50 }, new ConvCase(16, 7, Padding: 3, Mode: PaddingMode.Replicate), Norm: true, Activation: Layer.ReLU),
        new("prologue_conv1d_circular_s2", new[] { 3, 41 }, new ConvCase(8, 5, Stride: 2, Padding: 4, Mode: PaddingMode.Circular), Rank: 1, Norm: true),
        new("prologue_conv3d_reflect", new[] { 2, 5, 6, 20 }, new ConvCase(8, 3, Padding: 1, Mode: PaddingMode.Reflect), Rank: 3, NormOf: new(Layer.InstanceNorm3d, Affine: true, Track: false)),
    }.Select((chain, i) => new object[] { chain, 400 + i });

    /// <param name="degrees">Thread counts to run the chain at (setting Parallelism.MaxDegree: callers belong to the
    /// MaxDegree collection); every output must equal the first bit for bit. Null: the current setting.</param>
    /// <param name="batch">The batch to run (drawn from the seed when null).</param>
    internal static void Check(ChainCase chain, int seed, bool largeBatch = false, int[]? degrees = null, int? batch = null)
    {
        var random = new Random(seed * 7919);
        int drawn = largeBatch ? random.Next(6, 21) : random.Next(1, 4) + (chain.NormKind is { IsBatchNorm: true, Track: false } ? 1 : 0);
        int batchSize = batch ?? drawn;
        var (weights, parameters) = RandomWeights(chain, random);
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(SafeTensorsFile.FromBytes(weights.ToArray()));

        float[] x = Normal(random, batchSize * model.InputSize);
        float[] expected = ReferenceChain(chain, parameters, x, batchSize);
        if (degrees is null)
        {
            Tolerance.AssertClose(expected, model.Forward(x, batchSize), chain.Source());
            return;
        }
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in degrees)
        {
            FusedNorm.Kernels.Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batchSize);
            Tolerance.AssertClose(expected, actual, $"at {degree} thread(s), batch {batchSize}:\n{chain.Source()}");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }

    internal sealed record Parameters(float[] Weight, float[]? Bias, float[]? Gamma, float[]? Beta, float[] Mean, float[] Var);

    internal static (SafeTensorsWriter, Parameters) RandomWeights(ChainCase chain, Random random)
    {
        var writer = new SafeTensorsWriter();
        int outputs = chain.Conv?.OutChannels ?? chain.LinearOut;
        int fanIn = chain.Conv is { } c ? chain.SampleShape[0] / c.Groups * c.KernelsOf(chain.Rank).Aggregate(1, (a, k) => a * k) : chain.SampleShape.Aggregate(1, (a, d) => a * d);
        float bound = 1f / MathF.Sqrt(fanIn); // PyTorch's default init range
        float[] weight = Uniform(random, outputs * fanIn, -bound, bound);
        string prefix = chain.Conv is not null ? "conv" : "linear";
        writer.Add(prefix + ".weight", weight, chain.Conv is { } cc
            ? new[] { outputs, chain.SampleShape[0] / cc.Groups }.Concat(cc.KernelsOf(chain.Rank)).ToArray()
            : new[] { outputs, fanIn });
        float[]? bias = (chain.Conv?.Bias ?? chain.LinearBias) ? Uniform(random, outputs, -bound, bound) : null;
        if (bias is not null) writer.Add(prefix + ".bias", bias, outputs);

        float[]? gamma = null, beta = null;
        float[] mean = new float[outputs], variance = Enumerable.Repeat(1f, outputs).ToArray();
        if (chain.NormKind is { } n)
        {
            int[] affineShape = n.Shape ?? new[] { outputs };
            int affineLength = affineShape.Aggregate(1, (a, d) => a * d);
            if (n.Affine)
            {
                gamma = Uniform(random, affineLength, 0.5f, 1.5f);
                writer.Add("bn.weight", gamma, affineShape);
                if (n.Bias) { beta = Uniform(random, affineLength, -0.5f, 0.5f); writer.Add("bn.bias", beta, affineShape); }
            }
            if (n.Track && (n.IsBatchNorm || n.IsInstanceNorm))
            {
                mean = Uniform(random, outputs, -0.5f, 0.5f); variance = Uniform(random, outputs, 0.2f, 2f);
                writer.Add("bn.running_mean", mean, outputs); writer.Add("bn.running_var", variance, outputs);
                writer.Add("bn.num_batches_tracked", new long[] { 7 });
            }
        }
        return (writer, new Parameters(weight, bias, gamma, beta, mean, variance));
    }

    /// <summary>The chain (a conv of any rank, pooling after a 2d one only, or Linear) composed from the reference layers, exactly in PyTorch's order.</summary>
    internal static float[] ReferenceChain(ChainCase chain, Parameters p, float[] x, int batch)
    {
        float[] y;
        int channels, spatial, h = 1, w = 1;
        if (chain.Conv is { } c)
        {
            int inC = chain.SampleShape[0];
            int[] dims = chain.SampleShape.Skip(1).ToArray();
            // The prologue, one PyTorch module at a time: Upsample, the padding layer, then the conv's padding_mode (F.pad, then a conv without padding).
            if (chain.Prologue is { Scale: > 0 } up)
            {
                x = Reference.Upsample2d(x, batch, inC, dims[0], dims[1], up.Scale, up.Mode, up.AlignCorners);
                dims = new[] { dims[0] * up.Scale, dims[1] * up.Scale };
            }
            if (chain.Prologue is { Pad: { } padLayer } pro)
            {
                var (l, r, t, b) = pro.Sides;
                PaddingMode mode = padLayer switch { Layer.ReflectionPad2d => PaddingMode.Reflect, Layer.ReplicationPad2d => PaddingMode.Replicate, _ => PaddingMode.Zeros };
                x = Reference.Pad(x, batch, inC, dims, new[] { t, l }, new[] { b, r }, mode);
                dims = new[] { dims[0] + t + b, dims[1] + l + r };
            }
            int rank = dims.Length;
            int[] kernel = c.KernelsOf(rank), stride = c.StridesOf(rank), dilation = c.DilationsOf(rank);
            int[] convPadding = c.PaddingsOf(rank);
            if (c.Mode != PaddingMode.Zeros && convPadding.Any(v => v > 0))
            {
                int[] pads = convPadding;
                x = Reference.Pad(x, batch, inC, dims, pads, pads, c.Mode);
                dims = dims.Select((d, i) => d + 2 * pads[i]).ToArray();
                convPadding = new int[rank];
            }
            y = Reference.ConvNd(x, batch, inC, dims, p.Weight, p.Bias, c.OutChannels, c.Groups, kernel, stride, convPadding, dilation);
            int[] outDims = dims.Select((d, i) => Reference.OutputSize(d, kernel[i], stride[i], convPadding[i], dilation[i])).ToArray();
            if (dims.Length == 2) (h, w) = (outDims[0], outDims[1]);
            else if (chain.Pool is not null) throw new NotSupportedException("the reference chain pools after 2d convolutions only");
            else h = outDims.Aggregate(1, (a, d) => a * d); // spatial, as one dim: only the norms read it
            channels = c.OutChannels;
        }
        else
        {
            int inFeatures = chain.SampleShape.Aggregate(1, (a, d) => a * d);
            y = Reference.Linear(x, batch, inFeatures, p.Weight, p.Bias, chain.LinearOut);
            channels = chain.LinearOut;
        }
        spatial = h * w;
        int sample = channels * spatial;
        y = chain.NormKind switch
        {
            null => y,
            { IsBatchNorm: true, Track: true } => Reference.BatchNormEval(y, batch, channels, spatial, p.Gamma, p.Beta, p.Mean, p.Var, 1e-5),
            { IsBatchNorm: true } => Reference.BatchNormBatch(y, batch, channels, spatial, p.Gamma, p.Beta, 1e-5).Y,
            { IsInstanceNorm: true } => Reference.NormalizeRuns(y, spatial, spatial, p.Gamma, p.Beta, 1e-5, elementwise: false, sample),
            { Kind: Layer.GroupNorm } n => Reference.NormalizeRuns(y, channels / n.Groups * spatial, spatial, p.Gamma, p.Beta, 1e-5, elementwise: false, sample),
            { Shape: { } shape } => Reference.NormalizeRuns(y, shape.Aggregate(1, (a, d) => a * d), spatial, p.Gamma, p.Beta, 1e-5, elementwise: true, sample),
            _ => throw new InvalidOperationException(),
        };
        if (chain.Activation is { } a) y = Reference.Activation(y, a, chain.ActivationParameter, chain.GeluTanh);
        if (chain.Pool is { } pool)
        {
            int stride = pool.Stride == 0 ? pool.Kernel : pool.Stride;
            y = pool.Kind switch
            {
                Layer.MaxPool2d => Reference.MaxPool2d(y, batch, channels, h, w, pool.Kernel, stride, pool.Padding),
                Layer.AdaptiveAvgPool2d => Reference.GlobalAveragePool(y, batch, channels, h * w),
                _ => Reference.AvgPool2d(y, batch, channels, h, w, pool.Kernel, stride, pool.Padding, pool.CountIncludePad),
            };
        }
        return y;
    }

    private static float[] Uniform(Random random, int n, float low, float high) =>
        Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();

    private static float[] Normal(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();

    /// <summary>The head layers' reference by hand: a plane's mean, and softmax values that sum to 1 in the expected ratios.</summary>
    [Fact]
    public void Reference_global_average_pool_and_softmax_by_hand()
    {
        // Two samples × two channels of 2×3 planes.
        float[] x = { 1, 2, 3, 4, 5, 6, /**/ -1, -1, -1, -1, -1, 5, /**/ 0, 0, 0, 0, 0, 0, /**/ 1e7f, 1, -1e7f, 0, 0, 0 };
        Assert.Equal(new[] { 3.5f, 0f, 0f, (float)(1.0 / 6) }, Reference.GlobalAveragePool(x, 2, 2, 6));

        float[] p = Reference.Softmax(new[] { 0f, MathF.Log(3), 1000f, 1000f, float.NaN, 1f }, 3, 2);
        Assert.Equal(0.25f, p[0], 6);
        Assert.Equal(0.75f, p[1], 6);
        Assert.Equal(new[] { 0.5f, 0.5f }, p[2..4]); // large inputs: exp(x − max) does not overflow
        Assert.True(float.IsNaN(p[4]) && float.IsNaN(p[5])); // a NaN makes its row NaN

        // The runtime's in-place row softmax (what the generated Linear chain calls) is the reference's formula.
        float[] row = { 0.5f, -2f, 3f, 0f };
        float[] expected = Reference.Softmax(row, 1, 4);
        FusedNorm.Kernels.Activations.Softmax(row);
        Assert.Equal(expected, row);
    }
}
