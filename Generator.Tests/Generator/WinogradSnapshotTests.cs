using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The generated source of Winograd F(4×4, 3×3) chains, compared with Snapshots/*.verified.cs: the residual block's second
/// conv (+ skip, ReLU in the store) and a chain with SiLU on the tile in vectors, 17×12 (partial tiles), no norm.
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
}
