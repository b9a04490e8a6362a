using System;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Which fused conv chains run several channel blocks per task (ChainPlan.BlocksPerTask: one block is too little work
/// for a task of its own) and how many (no Roslyn). Their numerics are in ResidualTests' SmallPlaneBlock, MobileNetV2Tests
/// and ReferenceTests' task_copy cases, at 1, 2 and 3 threads.
/// </summary>
public class BlocksPerTaskPlannerTests
{
    private static readonly TypeDeclarationSpec Type = new("T", "Net", "class", EquatableArray<string>.Empty, true);

    private static ChainPlan Plan(int[] input, int outChannels, int kernel, int groups, int stride = 1, NormSpec? norm = null)
    {
        var layers = EquatableArray.Of(LayerKind.Conv2d, (norm ?? BatchNorm(outChannels)).Kind);
        var conv = new ConvSpec("conv", 0, outChannels, kernel, stride, kernel / 2, 1, false, Groups: groups);
        var chain = new ChainSpec("c", "public", "x", "y", "batch", layers, conv, null, norm ?? BatchNorm(outChannels), null, null, null);
        var result = ModelPlanner.Plan(new ModelSpec(Type, input.ToEquatableArray(), EquatableArray.Of(chain), null));
        Assert.NotNull(result.Value);
        return result.Value!.Chains[0];
    }

    private static NormSpec BatchNorm(int channels, bool track = true) => new(LayerKind.BatchNorm2d, "bn", channels, 1e-5, 0.1, true, track);

    [Theory]
    [InlineData(576, 14, 2)] // MobileNetV2 224²'s features.14 depthwise: 441 multiply-adds per channel
    [InlineData(960, 7, 1)]  // features.15–17
    [InlineData(192, 28, 2)] // features.7
    [InlineData(48, 7, 1)]   // ResidualTests' SmallPlaneBlock
    [InlineData(96, 112, 2)] // features.2: 28,224 per channel, two to a task
    public void A_depthwise_conv_on_a_small_plane_runs_a_run_of_channels_per_task(int channels, int size, int stride)
    {
        ChainPlan plan = Plan(new[] { channels, size, size }, channels, 3, channels, stride);
        ConvPlan c = plan.Conv!;
        long blockMacs = (long)c.OcBlock * c.OutSpatial * c.InPerGroup * c.TapsPerInput;
        Assert.True(plan.BlocksPerTask > 1);
        int tasks = (c.BlocksPerSample + plan.BlocksPerTask - 1) / plan.BlocksPerTask;
        Assert.True(tasks >= ModelPlanner.MaxTasksPerSample, $"{tasks} tasks per sample"); // the threads still get work at batch 1
        // About MinBandMacs per task, unless that would leave fewer than MaxTasksPerSample tasks.
        Assert.True(plan.BlocksPerTask * blockMacs >= ModelPlanner.MinBandMacs || plan.BlocksPerTask == c.BlocksPerSample / ModelPlanner.MaxTasksPerSample);
        Assert.True((plan.BlocksPerTask - 1) * blockMacs < ModelPlanner.MinBandMacs);
    }

    [Theory]
    [InlineData(64, 56, 3, 1, 1)]   // a dense 3×3: a block is 8 channels × 56² × 576
    [InlineData(16, 7, 3, 16, 1)]   // 16 depthwise channels: one task each keeps MaxTasksPerSample tasks
    public void A_block_with_enough_work_or_too_few_blocks_stays_a_task(int channels, int size, int kernel, int groups, int stride)
    {
        Assert.Equal(1, Plan(new[] { channels, size, size }, channels, kernel, groups, stride).BlocksPerTask);
    }

    [Fact]
    public void A_chain_that_computes_statistics_keeps_one_block_per_task() // its tasks are not (sample, block)
        => Assert.Equal(1, Plan(new[] { 576, 14, 14 }, 576, 3, 576, 2, norm: BatchNorm(576, track: false)).BlocksPerTask);

    [Theory]
    [InlineData(576, 14, 2)]
    [InlineData(96, 112, 2)]
    [InlineData(32, 6, 1)]
    public void Row_bands_and_runs_of_blocks_are_never_both_planned(int channels, int size, int stride)
    {
        ChainPlan plan = Plan(new[] { channels, size, size }, channels, 3, channels, stride);
        Assert.True(plan.MaxRowBands == 1 || plan.BlocksPerTask == 1);
    }
}
