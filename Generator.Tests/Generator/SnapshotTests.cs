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
        // Check every file before failing, so one run writes every .received.cs to review.
        var failures = new System.Collections.Generic.List<string>();
        foreach (var source in run.Sources.OrderBy(s => s.HintName))
        {
            try { Snapshot.Verify($"SnapshotTests.LeNetBn#{source.HintName.Replace(".g.cs", "")}", source.SourceText.ToString()); }
            catch (Xunit.Sdk.XunitException e) { failures.Add(e.Message); }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Equal(6, run.Sources.Count);
    }

    /// <summary>A [Fuse] list that runs as three kernels: the user's method runs the parts through rented buffers.</summary>
    [Fact]
    public void Split_chain_model_file()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.SplitChainTests.Source);
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName == "Split.Net.Model.g.cs");
        Snapshot.Verify("SnapshotTests.Split#Split.Net.Model", source.SourceText.ToString());
    }

    /// <summary>
    /// A residual graph: the whole-model Forward over its arena (the memory plan comment), a chain that adds the
    /// projection shortcut on the register tile, and an InstanceNorm chain that adds in the normalize step.
    /// </summary>
    [Theory]
    [InlineData(nameof(Numerics.ResidualTests.ProjectionBlock), "Residual.Projection.Model")]
    [InlineData(nameof(Numerics.ResidualTests.ProjectionBlock), "Residual.Projection.Conv2")]
    [InlineData(nameof(Numerics.ResidualTests.StatisticsBlocks), "Residual.Statistics.B")]
    public void Residual_graph(string model, string file)
    {
        string source = model == nameof(Numerics.ResidualTests.ProjectionBlock) ? Numerics.ResidualTests.ProjectionBlock : Numerics.ResidualTests.StatisticsBlocks;
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.CompileErrors);
        var generated = Assert.Single(run.Sources, s => s.HintName == file + ".g.cs");
        Snapshot.Verify($"SnapshotTests.Residual#{file}", generated.SourceText.ToString());
    }

    /// <summary>
    /// Channel concatenations: the memory plan with each concat as one tensor, the chains that write their slices run
    /// per sample, the copies of the model input and of a slice of another concat, and batch statistics (copied).
    /// </summary>
    [Theory]
    [InlineData(nameof(Numerics.ConcatTests.Dense), "Concat.Dense.Model")]
    [InlineData(nameof(Numerics.ConcatTests.BatchStats), "Concat.BatchStats.Model")]
    public void Concat_graph(string model, string file)
    {
        string source = model == nameof(Numerics.ConcatTests.Dense) ? Numerics.ConcatTests.Dense : Numerics.ConcatTests.BatchStats;
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.CompileErrors);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        var generated = Assert.Single(run.Sources, s => s.HintName == file + ".g.cs");
        Snapshot.Verify($"SnapshotTests.Concat#{file}", generated.SourceText.ToString());
    }

    /// <summary>ConvTranspose2d: the weight turned into the equivalent conv's at load, the zero-upsampled input copy, the fusion plan.</summary>
    [Theory]
    [InlineData("k3s2_p1_op1_gn_silu")]
    [InlineData("k2s2_bn_relu")]
    public void ConvTranspose2d_chain(string name)
    {
        var run = GeneratorHarness.RunGenerator(ConvTransposeCases.All.Single(c => c.Name == name).Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName == "Convt.Net.Up.g.cs");
        Snapshot.Verify($"SnapshotTests.ConvTranspose2d_{name}", source.SourceText.ToString());
    }
}
