using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The generated source of Winograd chains, compared with Snapshots/*.verified.cs: the residual block's second conv (+ skip,
/// ReLU in the store) as F(4×4, 3×3) on 15×15 and as F(2×2, 3×3) on 7×7, and a chain with SiLU on the tile in vectors,
/// 17×12 (partial tiles), no norm; statistics chains: GroupNorm with SiLU on 15×15 (the tile store adds the moments, a
/// normalize step follows) and LayerNorm over [C, H, W] with GELU (elementwise affine, one run over every panel).
/// </summary>
public class WinogradSnapshotTests
{
    [Fact]
    public void Residual_conv_with_skip_and_relu()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.WinogradTests.Block);
        Assert.Empty(run.CompileErrors);
        var generated = Assert.Single(run.Sources, s => s.HintName == "Wino.Block.Conv2.g.cs");
        Snapshot.Verify("SnapshotTests.Winograd#Wino.Block.Conv2", generated.SourceText.ToString());
    }

    [Fact]
    public void Chain_with_silu_and_partial_tiles()
    {
        var run = GeneratorHarness.RunGenerator(WinogradCases.Source(WinogradCases.Get("winograd_c32_17x12_silu")));
        Assert.Empty(run.CompileErrors);
        var generated = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Chain.g.cs"));
        Snapshot.Verify("SnapshotTests.Winograd#Chain_c32_17x12_silu", generated.SourceText.ToString());
    }

    [Theory]
    [InlineData("winograd_c64_15_gn_silu")]
    [InlineData("winograd_c32_13x10_ln_chw_gelu")]
    public void Statistics_chain(string name)
    {
        var run = GeneratorHarness.RunGenerator(WinogradCases.Source(WinogradCases.Get(name)));
        Assert.Empty(run.CompileErrors);
        var generated = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Chain.g.cs"));
        Snapshot.Verify($"SnapshotTests.Winograd#Chain_{name.Substring("winograd_".Length)}", generated.SourceText.ToString());
    }

    [Fact]
    public void Residual_conv_on_a_7x7_plane_runs_F2x2()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.WinogradTests.Block.Replace("[Model(64, 15, 15)]", "[Model(64, 7, 7)]"));
        Assert.Empty(run.CompileErrors);
        var generated = Assert.Single(run.Sources, s => s.HintName == "Wino.Block.Conv2.g.cs");
        Assert.Contains("Winograd F(2×2,3×3), not the direct kernel", generated.SourceText.ToString());
        Snapshot.Verify("SnapshotTests.Winograd#Wino.Block7.Conv2", generated.SourceText.ToString());
    }
}
