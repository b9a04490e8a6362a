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
