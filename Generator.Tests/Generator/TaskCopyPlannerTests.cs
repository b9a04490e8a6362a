using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Which padded convs copy their input per task (ChainPlan.TaskCopy: a group's planes read by one task only) and which
/// keep the one shared copy (no Roslyn). The numerics of the copying tasks are in ReferenceTests' task_copy cases.
/// </summary>
public class TaskCopyPlannerTests
{
    private static readonly TypeDeclarationSpec Type = new("T", "Net", "class", EquatableArray<string>.Empty, true);

    private static ChainPlan Plan(int[] input, int outChannels, int groups, int stride = 1, int padding = 1, NormSpec? norm = null, int rank = 2)
    {
        var layers = norm is null ? EquatableArray.Of(LayerKind.Conv2d) : EquatableArray.Of(LayerKind.Conv2d, norm.Kind);
        var conv = new ConvSpec("conv", 0, outChannels, 3, stride, padding, 1, true, Rank: rank, Groups: groups);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", layers, conv, null, norm, null, null, null);
        var result = ModelPlanner.Plan(new ModelSpec(Type, input.ToEquatableArray(), EquatableArray.Of(chain), null));
        Assert.NotNull(result.Value);
        return result.Value!.Chains[0];
    }

    private static NormSpec BatchNorm(int channels, bool track = true) => new(LayerKind.BatchNorm2d, "bn", channels, 1e-5, 0.1, true, track);

    [Theory]
    [InlineData(16, 23, 37, 16, 16, 2)]  // ReferenceTests' task_copy_depthwise_s2
    [InlineData(12, 9, 70, 12, 12, 1)]   // task_copy_depthwise_s1_wide
    [InlineData(8, 12, 12, 16, 8, 1)]    // task_copy_multiplier2: 2 output channels per group, one block
    [InlineData(8, 17, 20, 8, 4, 2)]     // task_copy_two_planes_k5_s2 (here 3×3)
    [InlineData(24, 7, 7, 24, 24, 1)]    // task_copy_depthwise_7x7_planes
    [InlineData(96, 112, 112, 96, 96, 2)] // MobileNetV2's features.2 depthwise
    public void A_padded_depthwise_or_grouped_conv_with_one_block_per_group_copies_per_task(int inC, int h, int w, int outC, int groups, int stride)
    {
        var plan = Plan(new[] { inC, h, w }, outC, groups, stride, norm: BatchNorm(outC));
        Assert.True(plan.TaskCopy);
        Assert.Equal(1, plan.Conv!.BlocksPerGroup);
    }

    [Fact]
    public void A_dense_conv_keeps_the_shared_copy() => Assert.False(Plan(new[] { 16, 20, 20 }, 16, 1).TaskCopy);

    [Fact]
    public void A_group_of_several_blocks_keeps_the_shared_copy() // 32 output channels per group: 4 blocks read the group's planes
        => Assert.False(Plan(new[] { 32, 20, 20 }, 64, 2).TaskCopy);

    [Fact]
    public void An_unpadded_stride_1_conv_reads_its_input_in_place() => Assert.False(Plan(new[] { 16, 20, 20 }, 16, 16, padding: 0).TaskCopy);

    [Fact]
    public void A_chain_that_computes_statistics_keeps_the_shared_copy() // batch statistics: its tasks are not (sample, block)
        => Assert.False(Plan(new[] { 16, 20, 20 }, 16, 16, norm: BatchNorm(16, track: false)).TaskCopy);

    [Theory]
    [InlineData(576, 14, 14, 2, true)]  // MobileNetV2 224²'s features.14 depthwise
    [InlineData(960, 7, 7, 1, true)]    // features.15–17
    [InlineData(16, 15, 15, 1, true)]   // the widest row
    [InlineData(16, 16, 16, 1, false)]  // a row of 16 leaves no lane to spare: the copy and its kernels
    [InlineData(16, 3, 4, 1, false)]    // a plane of 12 floats: a row's vector would start before the plane
    [InlineData(96, 112, 112, 2, false)] // wide rows: the copy and the row kernels
    public void A_depthwise_conv_on_rows_under_16_reads_its_input_rows_through_permutes(int channels, int h, int w, int stride, bool expected)
        => Assert.Equal(expected, Plan(new[] { channels, h, w }, channels, channels, stride, norm: BatchNorm(channels)).RowPermute);

    [Theory]
    [InlineData(8, 10, 10, 16, 8, 1)] // ReferenceTests' row_permute_multiplier2: 2 channels per block
    [InlineData(8, 13, 15, 8, 4, 2)]  // row_permute_two_planes_w15_s2: 2 input planes per group
    public void A_grouped_conv_with_few_channels_per_group_on_narrow_rows_reads_them_through_permutes(int inC, int h, int w, int outC, int groups, int stride)
        => Assert.True(Plan(new[] { inC, h, w }, outC, groups, stride).RowPermute);

    [Fact]
    public void A_dense_conv_on_a_narrow_plane_keeps_its_kernels() => Assert.False(Plan(new[] { 16, 7, 7 }, 16, 1).RowPermute);
}
