using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The generated source of pre-activation chains (Snapshots/SnapshotTests.PreAct_*.verified.cs): the copy that applies the
/// BatchNorm and activation to each plane before the zero padding, and the one that is the pre-activated input and nothing
/// more (a 1×1 conv), and PreAct-ResNet's block's first chain (pre-activation and a folded epilogue BatchNorm).
/// </summary>
public class PreActSnapshotTests
{
    [Theory]
    [InlineData("bn_relu_conv3x3_p1")]
    [InlineData("bn_conv1x1")]
    public void PreAct_chain(string name)
    {
        PreActCase c = PreActCases.All.Single(p => p.Name == name);
        var run = GeneratorHarness.RunGenerator(c.Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Block.g.cs"));
        Snapshot.Verify($"SnapshotTests.PreAct_{name}", source.SourceText.ToString());
    }

    /// <summary>A standalone GroupNorm + SiLU chain: the identity depthwise pass whose epilogue is the norm.</summary>
    [Fact]
    public void Standalone_gn_silu_chain()
    {
        var run = GeneratorHarness.RunGenerator(StandaloneCases.All.Single(c => c.Name == "gn_silu").Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Pass.g.cs"));
        Snapshot.Verify("SnapshotTests.Standalone_gn_silu", source.SourceText.ToString());
    }

    [Fact]
    public void PreAct_block_first_chain()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.PreActTests.Block);
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName == "PreAct.PreActBlock.Conv1.g.cs");
        Snapshot.Verify("SnapshotTests.PreAct_block#PreAct.PreActBlock.Conv1", source.SourceText.ToString());
    }
}
