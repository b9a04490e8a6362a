using System;
using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>The Plan stage is pure: shapes and kernel decisions from specs, without Roslyn.</summary>
public class PlannerTests
{
    private static readonly TypeDeclarationSpec Type = new("T", "Net", "class", EquatableArray<string>.Empty, true);

    private static ChainSpec Conv(string name, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, PoolSpec? pool = null) =>
        new(name, "public", "x", "y", "batch",
            EquatableArray.Of(LayerKind.Conv2d),
            new ConvSpec(name + "c", 0, outChannels, kernel, stride, padding, dilation, true), null, null, null, pool, null);

    private static ChainSpec Linear(string name, int outFeatures) =>
        new(name, "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Linear), null,
            new LinearSpec(name + "l", 0, outFeatures, true), null, null, null, null);

    private static ModelPlan Plan(int[] input, params ChainSpec[] chains)
    {
        var result = ModelPlanner.Plan(new ModelSpec(Type, input.ToEquatableArray(), chains.ToEquatableArray(), null));
        Assert.True(result.Value is not null, string.Join("; ", result.Diagnostics.Select(d => d.Descriptor.Id)));
        return result.Value!;
    }

    [Fact]
    public void LeNet_shapes_flow_from_chain_to_chain()
    {
        var pool = new PoolSpec(LayerKind.MaxPool2d, 2, 2, 0, true);
        ModelPlan plan = Plan(new[] { 3, 32, 32 }, Conv("s1", 6, 5, pool: pool), Conv("s2", 16, 5, pool: pool), Linear("f1", 120), Linear("f2", 84), Linear("f3", 5));

        Assert.Equal(new[] { 6, 14, 14 }, plan.Chains[0].OutputShape);
        Assert.Equal(new[] { 16, 5, 5 }, plan.Chains[1].OutputShape);
        Assert.Equal(400, plan.Chains[2].Linear!.InFeatures);
        Assert.Equal(new[] { 5 }, plan.OutputShape);
        Assert.Equal(6 * 14 * 14, plan.LargestIntermediate);
    }

    [Theory]
    // output width, vector lanes → vectors per register tile of 8 channels
    [InlineData(16, 16, 1)]
    [InlineData(32, 16, 2)]
    [InlineData(48, 16, 3)]
    [InlineData(56, 16, 3)] // 3 vectors + 1 overlapping single, not 2 + 2 singles
    [InlineData(64, 16, 2)] // 2 tiles of 2, not 3 + 1 single
    [InlineData(128, 16, 2)]
    [InlineData(64, 8, 1)] // Vector256: 8 channels × 1 vector (16 registers)
    public void Row_tile_is_chosen_by_the_planner_for_the_width_and_the_isa(int width, int lanes, int vectors)
    {
        ConvPlan conv = Plan(new[] { 4, 3, width }, Conv("s", 8, 1)).Chains[0].Conv!;
        Assert.Equal((0, width), (conv.InteriorStart, conv.InteriorEnd));
        Assert.Equal(vectors, conv.RowTileVectors(lanes, conv.OcBlock));
    }

    [Theory]
    // input (C, H, W), out channels, kernel, max pool 2 → the most row bands per (sample, channel block) task
    [InlineData(3, 32, 32, 6, 5, true, 10)]  // LeNet's first stage: 1 block, 14 pooled rows, 353k multiply-adds: 10 bands of 32k or more
    [InlineData(16, 14, 14, 16, 5, false, 8)] // 2 blocks × 8 bands = 16 tasks per sample
    [InlineData(64, 56, 56, 64, 3, false, 2)] // 8 blocks × 2 bands
    [InlineData(3, 9, 9, 8, 3, false, 1)]     // 1 block of 8·7·7·27 = 10.6k multiply-adds: too little work to split
    [InlineData(3, 40, 20, 4, 3, false, 2)]   // 4·38·18·27 = 73.9k multiply-adds in the block: 2 bands of at least 32k
    [InlineData(3, 5, 400, 8, 3, false, 3)]   // 3 output rows: at most 3 bands
    public void Row_bands_are_limited_by_tasks_rows_and_work(int c, int h, int w, int outChannels, int kernel, bool pool, int bands)
    {
        ChainPlan chain = Plan(new[] { c, h, w }, Conv("s", outChannels, kernel, pool: pool ? new PoolSpec(LayerKind.MaxPool2d, 2, 2, 0, true) : null)).Chains[0];
        Assert.Equal(bands, chain.MaxRowBands);
        // For every band count a call may pick, the bands cover the banded rows exactly once, in order.
        for (int count = 1; count <= chain.MaxRowBands; count++)
        {
            int next = 0;
            for (int b = 0; b < count; b++)
            {
                (int start, int end) = chain.BandRows(b, count);
                Assert.Equal(next, start);
                Assert.True(end > start);
                next = end;
            }
            Assert.Equal(chain.BandedRows, next);
        }
    }

    [Fact]
    public void Chains_that_compute_statistics_keep_whole_planes()
    {
        var gn = new NormSpec(LayerKind.GroupNorm, "gn", 0, 1e-5, 0.1, true, false, NumGroups: 2);
        ChainSpec spec = Conv("s", 6, 5) with { Layers = EquatableArray.Of(LayerKind.Conv2d, LayerKind.GroupNorm), Norm = gn };
        Assert.Equal(1, Plan(new[] { 3, 32, 32 }, spec).Chains[0].MaxRowBands);
        Assert.Equal(10, Plan(new[] { 3, 32, 32 }, Conv("s", 6, 5)).Chains[0].MaxRowBands); // 28 rows, 353k multiply-adds
    }

    [Fact]
    public void A_pooled_band_computes_the_conv_rows_its_windows_read()
    {
        // Conv 3×3 on 30 rows → 28 conv rows; MaxPool 3, stride 2, padding 1 → 14 pooled rows, windows overlapping by one row.
        ChainPlan chain = Plan(new[] { 3, 30, 30 }, Conv("s", 4, 3, pool: new PoolSpec(LayerKind.MaxPool2d, 3, 2, 1, true))).Chains[0];
        Assert.Equal(14, chain.BandedRows);
        Assert.True(chain.MaxRowBands > 1);
        for (int b = 0; b < chain.MaxRowBands; b++)
        {
            (int start, int end) = chain.BandRows(b, chain.MaxRowBands);
            (int convStart, int convEnd) = chain.BandConvRows(b, chain.MaxRowBands);
            Assert.Equal(Math.Max(0, start * 2 - 1), convStart);
            Assert.Equal(Math.Min(28, (end - 1) * 2 - 1 + 3), convEnd);
        }
    }

    [Theory]
    // input width, kernel, stride, padding, dilation → output width
    [InlineData(32, 5, 1, 0, 1, 28)]
    [InlineData(11, 3, 1, 1, 1, 11)]
    [InlineData(17, 3, 1, 2, 2, 17)]
    [InlineData(10, 3, 2, 1, 1, 5)]
    [InlineData(20, 7, 1, 3, 1, 20)]
    public void Padding_becomes_a_padded_copy_so_every_column_is_interior(int width, int kernel, int stride, int padding, int dilation, int outWidth)
    {
        ModelPlan plan = Plan(new[] { 2, 8, width }, Conv("s", 4, kernel, stride, padding, dilation));
        ConvPlan conv = plan.Chains[0].Conv!;
        Assert.Equal(outWidth, conv.OutWidth);
        Assert.Equal(padding, conv.CopyPadding);
        Assert.Equal(0, conv.Padding);
        Assert.Equal(width + 2 * padding, conv.InWidth);
        Assert.Equal(width, conv.SourceWidth);
        Assert.Equal((0, outWidth), (conv.InteriorStart, conv.InteriorEnd));
        // Every column's window lies inside the padded row.
        Assert.True((outWidth - 1) * stride + dilation * (kernel - 1) <= conv.InWidth - 1);
    }

    [Fact]
    public void Narrow_outputs_fall_back_to_the_scalar_path_with_an_info()
    {
        var result = ModelPlanner.Plan(new ModelSpec(Type, EquatableArray.Of(3, 6, 6), EquatableArray.Of(Conv("s", 4, 3)), null));
        Assert.False(result.Value!.Chains[0].Conv!.Vectorized);
        Assert.Contains(result.Diagnostics, d => d.Descriptor.Id == "FN0201");
    }

    [Fact]
    public void Channel_blocks_cover_every_output_channel()
    {
        ConvPlan conv = Plan(new[] { 3, 16, 16 }, Conv("s", 11, 3)).Chains[0].Conv!;
        Assert.Equal(8, conv.OcBlock);
        Assert.Equal(1, conv.FullBlocks);
        Assert.Equal(3, conv.TailChannels);
    }

    [Fact]
    public void Linear_blocks_overlap_instead_of_a_tail()
    {
        // 20 outputs: blocks of 16 at 0 and 4 (the last overlaps), read by Vector256 as halves 0, 8 | 4, 12.
        LinearPlan linear = Plan(new[] { 37 }, Linear("f", 20)).Chains[0].Linear!;
        Assert.Equal(16, linear.Lanes);
        Assert.Equal(2, linear.LaneBlocks);
        Assert.Equal(4, linear.VectorBlocks);
        Assert.Equal(new[] { 0, 8, 4, 12 }, Enumerable.Range(0, 4).Select(linear.BlockStart));
        // 12 outputs: too few for a block of 16, blocks of 8 at 0 and 4.
        LinearPlan narrow = Plan(new[] { 37 }, Linear("f", 12)).Chains[0].Linear!;
        Assert.Equal(8, narrow.Lanes);
        Assert.False(narrow.Vectorized512);
        Assert.Equal(new[] { 0, 4 }, Enumerable.Range(0, 2).Select(narrow.BlockStart));
    }

    [Fact]
    public void Plans_are_equal_when_the_specs_are()
    {
        ModelPlan a = Plan(new[] { 3, 32, 32 }, Conv("s1", 6, 5), Linear("f", 10));
        ModelPlan b = Plan(new[] { 3, 32, 32 }, Conv("s1", 6, 5), Linear("f", 10));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Plan(new[] { 3, 32, 32 }, Conv("s1", 6, 3), Linear("f", 10)));
    }
}
