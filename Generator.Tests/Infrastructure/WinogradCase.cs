namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Chains the plan runs as Winograd F(4×4, 3×3) (3×3, stride 1, ≥ 32 channels), with PyTorch goldens of their own
/// (tools/GoldenGen "winograd", seeds 1300 on, so no other golden is rewritten): planes that are and are not a multiple
/// of the 4×4 tile (partial tiles at the right and bottom edges), padding 1 and 0, a plane that is not square, batch 1 and 2;
/// folded BatchNorms and norms that compute their statistics (InstanceNorm, GroupNorm, LayerNorm).
/// </summary>
public static class WinogradCases
{
    public static readonly ChainCase[] All =
    {
        new("winograd_c64_14_bn_relu", new[] { 64, 14, 14 }, new ConvCase(64, 3, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU, Batch: 2),
        new("winograd_c64_15_pad0_bn_relu", new[] { 64, 15, 15 }, new ConvCase(64, 3), Norm: true, Activation: Layer.ReLU, Batch: 1),
        new("winograd_c32_15_bn_relu", new[] { 32, 15, 15 }, new ConvCase(32, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Batch: 2),
        new("winograd_c32_17x12_silu", new[] { 32, 17, 12 }, new ConvCase(48, 3, Padding: 1), Activation: Layer.SiLU, Batch: 1),
        new("winograd_c48_10_bn_noact_pad0", new[] { 48, 10, 11 }, new ConvCase(32, 3, Bias: false), Norm: true, Batch: 2),
        // Statistics chains (seeds 1305 on): the tile store adds the moments, a normalize step follows. InstanceNorm on whole
        // tiles; GroupNorm with partial tiles and groups that span a 16-channel panel; LayerNorm over [C, H, W] (one run across
        // every panel) and over [H, W]; F(2×2) on a 7×7 plane.
        new("winograd_c32_16_in_relu", new[] { 32, 16, 16 }, new ConvCase(32, 3, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Track: false), Activation: Layer.ReLU, Batch: 2),
        new("winograd_c64_15_gn_silu", new[] { 64, 15, 15 }, new ConvCase(64, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.SiLU, Batch: 1),
        new("winograd_c32_13x10_ln_chw_gelu", new[] { 32, 13, 10 }, new ConvCase(48, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 48, 13, 10 }), Activation: Layer.GELU, Batch: 2),
        new("winograd_c40_12_ln_hw_pad0", new[] { 40, 12, 12 }, new ConvCase(32, 3), NormOf: new(Layer.LayerNorm, Shape: new[] { 10, 10 }), Batch: 1),
        new("winograd_c32_7_gn_f2_relu", new[] { 32, 7, 7 }, new ConvCase(48, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 12), Activation: Layer.ReLU, Batch: 2),
    };

    /// <summary>The case's model source with Winograd = true on its conv (the chain cases' source leaves the choice to the plan).</summary>
    public static string Source(ChainCase chain) => chain.Source().Replace(", Name = \"conv\")]", ", Winograd = true, Name = \"conv\")]");

    /// <summary>The case's model source with Winograd = false: the direct kernel, whatever the plan would pick.</summary>
    public static string Direct(ChainCase chain) => chain.Source().Replace(", Name = \"conv\")]", ", Winograd = false, Name = \"conv\")]");

    public static System.Collections.Generic.IEnumerable<object[]> Names => System.Linq.Enumerable.Select(All, c => new object[] { c.Name });
    public static ChainCase Get(string name) => System.Linq.Enumerable.Single(All, c => c.Name == name);
}
