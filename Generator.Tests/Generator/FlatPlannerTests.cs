using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Which narrow planes the flat Vector512 kernel takes, and with how many vectors per tile (no Roslyn). The numerics of
/// these shapes are ReferenceTests' small_flat cases.
/// </summary>
public class FlatPlannerTests
{
    private static readonly TypeDeclarationSpec Type = new("T", "Net", "class", EquatableArray<string>.Empty, true);

    private static ConvPlan Plan(int[] input, int outChannels, int kernel, int stride, int padding, int groups = 1)
    {
        var conv = new ConvSpec("conv", 0, outChannels, kernel, stride, padding, 1, true, Groups: groups);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        var result = ModelPlanner.Plan(new ModelSpec(Type, input.ToEquatableArray(), EquatableArray.Of(chain), null));
        Assert.NotNull(result.Value);
        return result.Value!.Chains[0].Conv!;
    }

    [Theory]
    [InlineData(32, 6, 6, 32, 3, 1, 1, 32, 46, 2)] // MobileNetV2 96²'s 6×6 depthwise: 46 flat positions, tiles of 2 vectors
    [InlineData(20, 6, 6, 44, 1, 1, 0, 1, 36, 2)]  // its 6×6 1×1 convs
    [InlineData(16, 4, 4, 16, 3, 1, 1, 1, 22, 1)]  // ResNet-50 64²'s 4×4 3×3 convs: single vectors
    [InlineData(24, 4, 4, 40, 1, 1, 0, 1, 16, 1)]  // exactly one vector
    [InlineData(16, 6, 6, 16, 3, 2, 1, 1, 35, 2)]  // strided, over the phased copy
    [InlineData(64, 7, 7, 64, 3, 1, 1, 1, 61, 3)]  // ResNet layer4's 7×7 (as before: 3 vectors)
    public void A_plane_of_at_least_16_flat_positions_runs_flat(int inC, int h, int w, int outC, int kernel, int stride, int padding, int groups, int flatEnd, int vectors)
    {
        ConvPlan conv = Plan(new[] { inC, h, w }, outC, kernel, stride, padding, groups);
        Assert.True(conv.Flat512);
        Assert.Equal(flatEnd, conv.FlatEnd);
        Assert.Equal(vectors, conv.FlatVectors(conv.OcBlock));
        Assert.True(conv.FlatVectors(conv.OcBlock) * 16 <= conv.FlatEnd); // a whole tile shifted back to 0 stays inside the plane
    }

    [Theory]
    [InlineData(64, 3, 3, 64, 3, 1, 1)] // MobileNetV2 96²'s 3×3 stage: 13 flat positions
    [InlineData(64, 2, 2, 64, 1, 1, 0)] // ResNet-50 64²'s 2×2 stage
    public void A_plane_under_one_vector_keeps_the_pixel_kernels(int inC, int h, int w, int outC, int kernel, int stride, int padding) =>
        Assert.False(Plan(new[] { inC, h, w }, outC, kernel, stride, padding).Flat512);

    [Theory]
    [InlineData(128, 28, 256, 3, 1, true)]  // ResNet-18's layer3.0.conv1: 14 columns
    [InlineData(16, 28, 32, 1, 0, true)]    // the 1×1 stride-2 shortcut onto 14²
    [InlineData(64, 56, 128, 3, 1, true)]   // layer2.0.conv1, 28 columns: the Vector512 row kernel computes 32 (87.5 % kept), the flat kernel 816 for 784 (96 %)
    [InlineData(32, 40, 32, 3, 1, true)]    // 20 columns: 62.5 % kept by the row kernel, 93 % flat
    [InlineData(64, 64, 64, 3, 1, false)]   // 32 columns: whole Vector512s, the row kernel keeps every column
    [InlineData(3, 224, 32, 3, 1, false)]   // MobileNetV2's stem onto 112²: 7 whole vectors
    public void A_stride_2_conv_runs_flat_over_quarter_planes_where_the_row_kernel_wastes_columns(int inC, int size, int outC, int kernel, int padding, bool flat)
    {
        ConvPlan c = Plan(new[] { inC, size, size }, outC, kernel, 2, padding);
        Assert.Equal(flat, c.Flat512);
        Assert.Equal(flat, c.Polyphase);
        if (flat) Assert.True(c.Vectorized); // the Vector256 row kernels (no AVX-512) read the quarter planes too
        if (flat && c.OutWidth >= 16) Assert.True(ModelPlanner.FlatShare(c) >= ModelPlanner.MinFlatGain * ModelPlanner.RowShare(c), $"flat keeps {ModelPlanner.FlatShare(c):P1}, the row kernel {ModelPlanner.RowShare(c):P1}");
        if (!flat) Assert.Equal(2, c.ColumnPhases); // the row kernel's column-phased copy
    }

    [Theory]
    [InlineData(128, 7, 256, 3, 1, 7)] // 128 → 256 3×3 on 7×7: 49 positions in 7 tiles of 7 (the flat kernel computes 64), 3 vectors: 221 KB of weights a tile
    [InlineData(512, 7, 512, 3, 1, 7)] // ResNet's layer4 3×3 (the pooled layer4.1.conv2): 48 channels' weights are 884 KB, run in passes over chunks of the input channels
    [InlineData(384, 6, 64, 1, 0, 6)]  // MobileNetV2 96²'s 6×6 projection
    [InlineData(48, 4, 96, 3, 1, 8)]   // a 4×4 plane: 2 tiles of 8
    [InlineData(64, 14, 64, 3, 1, 0)]  // 14×14: the flat kernel keeps 196 of 224, and stays
    [InlineData(64, 7, 24, 3, 1, 0)]   // 24 output channels: not a multiple of 16
    [InlineData(64, 7, 16, 3, 1, 0)]   // 16: one vector of 16 channels, too few accumulators
    public void Lane_tiles_take_dense_convs_on_narrow_planes_where_the_flat_kernel_wastes(int inC, int size, int outC, int kernel, int padding, int positions)
    {
        // Winograd = false: the direct kernels' choice (by default 512 → 512 3×3 on 7×7 runs Winograd F(2×2, 3×3)).
        var conv = new ConvSpec("conv", 0, outC, kernel, 1, padding, 1, true, Winograd: WinogradChoice.Off);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        var result = ModelPlanner.Plan(new ModelSpec(Type, new[] { inC, size, size }.ToEquatableArray(), EquatableArray.Of(chain), null));
        ChainPlan plan = result.Value!.Chains[0];
        Assert.Equal(positions, plan.LanePositions);
        if (positions > 0) Assert.Equal(2 * ModelPlanner.LaneVectors(plan.Conv!), plan.BlocksPerTask);
        if (positions > 0) Assert.True(ModelPlanner.LaneVectors(plan.Conv!) >= 2);
    }

    [Theory]
    [InlineData(256, 14, 512, 3, 2, 1, 7)]  // ResNet-18's layer4.0.conv1, 14² → 7² over the polyphase copy (the flat kernel computes 64 positions for 49)
    [InlineData(256, 14, 512, 1, 2, 0, 7)]  // its 1×1 stride-2 shortcut
    [InlineData(64, 21, 64, 3, 3, 1, 7)]    // stride 3 onto 7×7
    [InlineData(160, 14, 48, 3, 2, 1, 7)]   // ReferenceTests' lanes_strided_chunked_14to7 (2 passes of 80 input channels)
    [InlineData(16, 20, 32, 3, 3, 1, 7)]    // ReferenceTests' lanes_strided_s3_20
    [InlineData(128, 28, 256, 3, 2, 1, 0)]  // layer3.0.conv1, 28² → 14²: the flat kernel keeps 196 of 224, and stays
    [InlineData(32, 14, 64, 7, 2, 3, 0)]    // a 7×7 window: 49 taps × 7 positions × 3 vectors is more than the lane kernel unrolls, and a polyphase tap is not a row apart
    public void Lane_tiles_take_strided_convs_onto_narrow_planes_with_the_window_unrolled(int inC, int size, int outC, int kernel, int stride, int padding, int positions)
    {
        var conv = new ConvSpec("conv", 0, outC, kernel, stride, padding, 1, true);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { inC, size, size }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.Equal(positions, plan.LanePositions);
        if (positions > 0) Assert.True(plan.Conv!.Flat512, "a strided lane kernel reads the flat kernel's copy");
        if (positions > 0) Assert.True(kernel * kernel * positions * ModelPlanner.LaneVectors(plan.Conv!) <= ModelPlanner.MaxLaneUnrolledFmas);
    }

    [Theory]
    [InlineData(320, 7, 1280, 1, 7)] // MobileNetV2 224²'s head: 1×1, 7×7, then the global average (the flat kernel computed 64 positions for 49)
    [InlineData(320, 3, 1280, 1, 5)] // at 96²: 3×3 planes, narrower than a Vector256 (the pixel kernel before)
    [InlineData(512, 7, 512, 3, 7)]  // ResNet's layer4.1.conv2 with the direct kernels (Winograd off): 3×3 + add + ReLU + pool
    public void Lane_tiles_take_a_chain_that_ends_in_a_global_average(int inC, int size, int outC, int kernel, int positions)
    {
        var conv = new ConvSpec("conv", 0, outC, kernel, 1, kernel / 2, 1, false, Winograd: WinogradChoice.Off);
        var pool = new PoolSpec(LayerKind.AdaptiveAvgPool2d, 0, 0, 0, true, 1); // as the parser writes AdaptiveAvgPool2d(1)
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d, LayerKind.AdaptiveAvgPool2d), conv, null, null, null, pool, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { inC, size, size }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.NotNull(plan.Pool);
        Assert.Equal(positions, plan.LanePositions);
    }

    [Theory]
    [InlineData(960, 3, 3, 1, 1, true)]  // MobileNetV2 96²'s 3×3 depthwise: 9 floats per plane
    [InlineData(24, 3, 3, 2, 1, true)]   // stride 2 onto 2×2
    [InlineData(32, 2, 5, 1, 2, true)]   // a 5×5 window on 2×2 planes
    [InlineData(64, 6, 3, 1, 1, false)]  // 6×6: 36 floats, the row-permute kernel's
    [InlineData(64, 14, 3, 2, 1, false)] // 14² → 7²: the row permutes too
    public void Depthwise_convs_on_planes_under_16_floats_run_16_channels_per_vector(int channels, int size, int kernel, int stride, int padding, bool lanes)
    {
        var conv = new ConvSpec("conv", 0, channels, kernel, stride, padding, 1, false, Groups: channels);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { channels, size, size }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.True(lanes == plan.DepthwiseLanes, $"DepthwiseLanes {plan.DepthwiseLanes}: TaskCopy {plan.TaskCopy}, PaddedCopy {plan.Conv!.PaddedCopy}, RowPermute {plan.RowPermute}, BlocksPerTask {plan.BlocksPerTask}, Padding {plan.Conv.Padding}");
        if (lanes) Assert.True(plan.BlocksPerTask >= 16 && plan.BlocksPerTask % 16 == 0, $"a task runs whole vectors of channels: {plan.BlocksPerTask}");
        if (!lanes) Assert.True(plan.RowPermute);
    }

    [Theory]
    [InlineData(96, 56, 56, 7, 1, 3, 1, true)]   // ConvNeXt's 7×7 depthwise on 56²
    [InlineData(144, 56, 56, 5, 2, 2, 1, true)]  // EfficientNet's 5×5 stride-2 depthwise
    [InlineData(16, 20, 20, 7, 1, 3, 1, true)]   // ReferenceTests' channel_lanes_dw7x7_gelu
    [InlineData(24, 23, 19, 5, 2, 2, 1, true)]   // channel_lanes_dw5x5_s2_silu_odd
    [InlineData(8, 24, 24, 5, 1, 4, 2, true)]    // channel_lanes_dw5x5_dilated
    [InlineData(8, 9, 7, 11, 1, 5, 1, true)]     // channel_lanes_dw11x11_rows_of_7
    [InlineData(8, 48, 16, 5, 1, 0, 1, true)]    // channel_lanes_dw5x5_tall_bands
    [InlineData(16, 15, 17, 7, 1, 0, 1, true)]   // channel_lanes_dw7x7_unpadded
    [InlineData(96, 56, 56, 3, 1, 1, 1, false)]  // a 3×3 depthwise: 9 taps, the flat kernel's
    [InlineData(12, 56, 56, 5, 1, 2, 1, false)]  // 12 channels: not whole vectors of 8
    [InlineData(64, 3, 3, 5, 1, 2, 1, false)]    // a 3×3 plane: the AVX-512 depthwise lane kernel's
    public void Depthwise_convs_with_large_windows_run_8_channels_per_vector(int channels, int h, int w, int kernel, int stride, int padding, int dilation, bool lanes)
    {
        var conv = new ConvSpec("conv", 0, channels, kernel, stride, padding, dilation, false, Groups: channels);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { channels, h, w }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.Equal(lanes, plan.ChannelLanes);
        if (lanes) Assert.True(plan.BlocksPerTask % ModelPlanner.ChannelLaneWidth == 0, $"a task runs whole vectors of channels: {plan.BlocksPerTask}");
    }

    [Theory]
    [InlineData(512, 3, 512, 128)] // ResNet's layer4 3×3 on 7×7: 48 channels × 512 inputs × 9 taps are 884 KB; 4 passes of 128 (221 KB each)
    [InlineData(160, 3, 48, 80)]   // 276 KB: 2 passes of 80, not 151 + 9
    [InlineData(128, 3, 256, 0)]   // 221 KB: one pass
    [InlineData(960, 1, 320, 0)]   // MobileNetV2's 960 → 320 projection: 184 KB, one pass
    [InlineData(64, 5, 48, 32)]    // 5×5: 300 KB, 2 passes
    public void Lane_tiles_whose_weights_pass_the_budget_run_in_equal_passes_over_the_input_channels(int inC, int kernel, int outC, int chunk)
    {
        var conv = new ConvSpec("conv", 0, outC, kernel, 1, kernel / 2, 1, true, Winograd: WinogradChoice.Off); // the direct kernels' choice, as above
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { inC, 7, 7 }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.True(plan.LanePositions > 0);
        Assert.Equal(chunk, plan.LaneChunk);
        long passBytes = 16L * ModelPlanner.LaneVectors(plan.Conv!) * (chunk == 0 ? inC : chunk) * kernel * kernel * sizeof(float);
        Assert.True(passBytes <= ModelPlanner.MaxLaneTileWeightBytes, $"a pass reads {passBytes} bytes of weights");
        if (chunk > 0) Assert.True(16L * ModelPlanner.LaneVectors(plan.Conv!) * inC * kernel * kernel * sizeof(float) > ModelPlanner.MaxLaneTileWeightBytes);
    }

    [Fact]
    public void A_lane_chain_with_few_runs_of_blocks_splits_its_rows_into_bands_for_the_threads()
    {
        // MobileNetV2 224²'s 960 → 160 projection on 7×7: 20 blocks in runs of 6 are 4 tasks per sample (6, 6, 6, 2 blocks).
        var conv = new ConvSpec("conv", 0, 160, 1, 1, 0, 1, false);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d), conv, null, null, null, null, null);
        ChainPlan plan = ModelPlanner.Plan(new ModelSpec(Type, new[] { 960, 7, 7 }.ToEquatableArray(), EquatableArray.Of(chain), null)).Value!.Chains[0];
        Assert.Equal(7, plan.LanePositions);
        Assert.Equal(6, plan.BlocksPerTask);
        int runs = (plan.Conv!.BlocksPerSample + plan.BlocksPerTask - 1) / plan.BlocksPerTask;
        Assert.Equal(4, runs);
        Assert.True(runs * plan.MaxRowBands >= ModelPlanner.MaxTasksPerSample, $"{runs} runs × {plan.MaxRowBands} bands");
    }
}
