using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>Where the plan runs a 3×3 conv as Winograd F(4×4, 3×3) or F(2×2, 3×3), and where it keeps the direct kernel (no Roslyn).</summary>
public class WinogradPlannerTests
{
    private static readonly TypeDeclarationSpec Type = new("T", "Net", "class", EquatableArray<string>.Empty, true);

    private static ChainSpec Conv(int outChannels, int kernel = 3, int stride = 1, int padding = 1, int dilation = 1, PoolSpec? pool = null, WinogradChoice winograd = WinogradChoice.On) =>
        new("c", "public", "x", "y", "batch", EquatableArray.Of(LayerKind.Conv2d),
            new ConvSpec("conv", 0, outChannels, kernel, stride, padding, dilation, true, Winograd: winograd), null, null, null, pool, null);

    private static ConvPlan Plan(int[] input, ChainSpec chain) => PlanWithDiagnostics(input, chain).Conv;

    private static (ConvPlan Conv, string[] Diagnostics) PlanWithDiagnostics(int[] input, ChainSpec chain)
    {
        var result = ModelPlanner.Plan(new ModelSpec(Type, input.ToEquatableArray(), EquatableArray.Of(chain), null));
        Assert.True(result.Value is not null, string.Join("; ", result.Diagnostics.Select(d => d.Descriptor.Id)));
        return (result.Value!.Chains[0].Conv!, result.Diagnostics.Select(d => d.Descriptor.Id).ToArray());
    }

    [Fact]
    public void Winograd_false_keeps_the_direct_kernel_and_reports_nothing()
    {
        var (conv, diagnostics) = PlanWithDiagnostics(new[] { 64, 56, 56 }, Conv(64, winograd: WinogradChoice.Off));
        Assert.Null(conv.Winograd);
        Assert.Null(conv.WinogradDeclined);
        Assert.DoesNotContain("FN0203", diagnostics);
    }

    [Theory]
    [InlineData(64, 56, 64)]
    [InlineData(128, 28, 128)]
    [InlineData(256, 14, 256)]
    public void Not_written_the_plan_picks_Winograd_for_ResNet_blocks(int inC, int size, int outC)
    {
        var (conv, diagnostics) = PlanWithDiagnostics(new[] { inC, size, size }, Conv(outC, winograd: WinogradChoice.Auto));
        Assert.NotNull(conv.Winograd);
        Assert.False(conv.Winograd!.Asked);
        Assert.DoesNotContain("FN0203", diagnostics);
    }

    [Theory]
    [InlineData(8, 56, 64, "Winograd needs at least 16 of each")] // below the measured channel counts
    [InlineData(128, 7, 128, "F(2×2, 3×3) for planes under 8×8 from 256 channels")] // a small plane: F(2×2) only from 256 channels
    [InlineData(512, 4, 512, "Winograd needs at least 5×5")]            // too few tiles even of 2×2
    [InlineData(64, 56, 40, "not a multiple of 16")]
    public void Not_written_the_plan_keeps_the_direct_kernel_says_why_in_the_plan_and_reports_nothing(int inC, int size, int outC, string why)
    {
        var (conv, diagnostics) = PlanWithDiagnostics(new[] { inC, size, size }, Conv(outC, winograd: WinogradChoice.Auto));
        Assert.Null(conv.Winograd);
        Assert.Contains(why, conv.WinogradDeclined);
        Assert.DoesNotContain("FN0203", diagnostics);
    }

    [Fact]
    public void Not_written_a_conv_that_is_not_3x3_stride_1_carries_no_reason()
    {
        var (conv, _) = PlanWithDiagnostics(new[] { 64, 56, 56 }, Conv(64, stride: 2, winograd: WinogradChoice.Auto));
        Assert.Null(conv.Winograd);
        Assert.Null(conv.WinogradDeclined); // its fusion plan does not mention Winograd
    }

    [Theory]
    [InlineData(64, 56, 64, 14, 14, 104, 2)]  // ResNet layer1: 196 tiles in 2 groups of up to 104 (of up to 112 the cache allows: equal halves) × the 2 panel pairs
    [InlineData(128, 28, 128, 7, 7, 56, 4)]   // layer2: all 49 tiles in one group (the weights stream once) × 4 chunks of pairs
    [InlineData(256, 14, 256, 4, 4, 16, 4)]   // layer3: all 16 tiles × 4 chunks of the 8 pairs
    [InlineData(64, 15, 64, 4, 4, 8, 2)]      // 15 → 4 tiles per side, the last one partial; 2 pairs only, so 2 groups
    public void ResNet_shapes_run_as_Winograd(int inC, int size, int outC, int tilesH, int tilesW, int groupTiles, int chunks)
    {
        WinogradPlan? w = Plan(new[] { inC, size, size }, Conv(outC)).Winograd;
        Assert.NotNull(w);
        Assert.Equal((tilesH, tilesW, groupTiles, chunks, outC / 16), (w!.TilesH, w.TilesW, w.GroupTiles, w.ChannelChunks, w.Panels));
        Assert.True(w.GroupTiles * inC * 4 <= WinogradPlanner.GroupInputBytes || w.GroupTiles == WinogradPlanner.GemmTiles);
        Assert.True(w.TasksPerSample >= WinogradPlanner.MinTasksPerSample); // enough tasks for the threads at batch 1
        Assert.Equal(System.Math.Max(1, tilesH / WinogradPlanner.MinTasksPerSample), w.TransformRows);
    }

    [Theory]
    [InlineData(512, 7, 512, 4, 4, 16, 4, false)] // ResNet layer4: 16 tiles of 2×2 (the last row and column partial), 4 chunks of the 16 pairs
    [InlineData(256, 5, 256, 3, 3, 16, 4, false)] // 9 tiles: one group
    [InlineData(64, 7, 64, 4, 4, 8, 2, true)]     // asked for (Winograd = true) below the channels the plan picks it from; 2 pairs, so 2 groups of 8 for 4 tasks
    public void Planes_under_8x8_run_as_Winograd_F2x2(int inC, int size, int outC, int tilesH, int tilesW, int groupTiles, int chunks, bool asked)
    {
        WinogradPlan? w = Plan(new[] { inC, size, size }, Conv(outC, winograd: asked ? WinogradChoice.On : WinogradChoice.Auto)).Winograd;
        Assert.NotNull(w);
        Assert.Equal((2, 16, "F(2×2,3×3)"), (w!.Tile, w.Positions, w.Algorithm));
        Assert.Equal((tilesH, tilesW, groupTiles, chunks, outC / 16), (w.TilesH, w.TilesW, w.GroupTiles, w.ChannelChunks, w.Panels));
        Assert.Equal(asked, w.Asked);
        Assert.Equal(w.TransformRows * 2 + 2, w.CopyRows); // 4-row windows of 2-row tiles
    }

    [Fact]
    public void An_8x8_plane_runs_F4x4()
    {
        WinogradPlan? w = Plan(new[] { 64, 8, 8 }, Conv(64)).Winograd;
        Assert.Equal((4, 36, 2, 2), (w!.Tile, w.Positions, w.TilesH, w.TilesW));
    }

    [Fact]
    public void Padding_0_runs_as_Winograd_on_the_smaller_plane()
    {
        WinogradPlan? w = Plan(new[] { 64, 15, 15 }, Conv(64, padding: 0)).Winograd;
        Assert.NotNull(w);
        Assert.Equal((4, 4), (w!.TilesH, w.TilesW)); // 13×13 outputs
    }

    [Theory]
    [InlineData(64, 14, 64, 3, 2, 1, 1)]  // stride 2
    [InlineData(64, 14, 64, 3, 1, 2, 2)]  // dilation 2
    [InlineData(64, 14, 64, 5, 1, 1, 2)]  // 5×5
    [InlineData(64, 14, 64, 1, 1, 1, 0)]  // 1×1
    [InlineData(8, 14, 64, 3, 1, 1, 1)]  // too few input channels
    [InlineData(64, 14, 8, 3, 1, 1, 1)]  // too few output channels
    [InlineData(64, 14, 40, 3, 1, 1, 1)]  // output channels not a multiple of 16
    [InlineData(512, 4, 512, 3, 1, 1, 1)] // a 4×4 plane: 4 tiles even of 2×2
    public void Other_convs_keep_the_direct_kernel(int inC, int size, int outC, int kernel, int stride, int dilation, int padding)
    {
        var (conv, diagnostics) = PlanWithDiagnostics(new[] { inC, size, size }, Conv(outC, kernel, stride, padding, dilation));
        Assert.Null(conv.Winograd);
        Assert.Contains("FN0203", diagnostics); // Winograd = true was asked for: the info says why not
    }

    [Fact]
    public void A_chain_that_pools_keeps_the_direct_kernel()
    {
        Assert.Null(Plan(new[] { 64, 16, 16 }, Conv(64, pool: new PoolSpec(LayerKind.MaxPool2d, 2, 2, 0, true))).Winograd);
    }

    [Theory]
    [InlineData("[BatchNorm(Name = \"bn0\")] ", "Layer.BatchNorm2d, Layer.ReLU, ", "KernelSize = 3, Padding = 1", "pre-activation")]
    [InlineData("", "", "KernelSizes = new[] { 3, 3 }, Paddings = new[] { 1, 0 }", "per-dim tuple")]
    public void A_pre_activated_or_per_dim_conv_keeps_the_direct_kernel(string preNorm, string preLayers, string window, string reason)
    {
        var run = GeneratorHarness.RunGenerator(DiagnosticTests.Model(
            $"[Fuse({preLayers}Layer.Conv2d, Layer.ReLU)] {preNorm}[Conv2d(64, {window}, Winograd = true, Name = \"c\")] public partial void S{DiagnosticTests.Signature}",
            model: "[Model(64, 16, 16)]"));
        Assert.Contains(reason, Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0203").GetMessage());
        Assert.Empty(run.CompileErrors);
        Assert.DoesNotContain(run.Sources, s => s.SourceText.ToString().Contains("WinogradF4x4", System.StringComparison.Ordinal));
    }

    [Fact]
    public void FN0203_Winograd_requested_where_the_plan_cannot_run_it_is_info_and_still_generates()
    {
        var run = GeneratorHarness.RunGenerator(DiagnosticTests.Model(
            $"[Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(64, KernelSize = 3, Stride = 2, Padding = 1, Winograd = true, Name = \"c\")] public partial void S{DiagnosticTests.Signature}",
            model: "[Model(64, 16, 16)]"));
        var d = Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0203");
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Info, d.Severity);
        Assert.Contains("runs the direct convolution: the conv is 3×3, stride 2, dilation 1; Winograd F(4×4, 3×3) needs 3×3, stride 1, dilation 1", d.GetMessage());
        Assert.NotEmpty(run.Sources);
        Assert.Empty(run.CompileErrors);
    }
}
