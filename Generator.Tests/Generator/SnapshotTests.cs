using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The generated source of every chain kind, compared with Snapshots/*.verified.cs. Review a changed snapshot
/// like code: read the diff, then accept it with UPDATE_SNAPSHOTS=1.
/// </summary>
public class SnapshotTests
{
    [Theory]
    [MemberData(nameof(ChainCases.Names), MemberType = typeof(ChainCases))]
    public void Chain(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        var run = GeneratorHarness.RunGenerator(chain.Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Chain.g.cs"));
        Snapshot.Verify($"SnapshotTests.Chain_{name}", source.SourceText.ToString());
    }

    [Fact]
    public void LeNetBn_whole_model()
    {
        var run = GeneratorHarness.RunGenerator(SampleModels.LeNetBn);
        Assert.Empty(run.CompileErrors);
        foreach (var source in run.Sources.OrderBy(s => s.HintName))
            Snapshot.Verify($"SnapshotTests.LeNetBn#{source.HintName.Replace(".g.cs", "")}", source.SourceText.ToString());
    }
}
