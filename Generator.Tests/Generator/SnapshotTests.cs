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

    /// <summary>A depthwise conv with a large window: the channel-lane kernel (8 channels per Vector256) beside the per-channel kernels.</summary>
    [Fact]
    public void Depthwise_channel_lanes_chain()
    {
        ChainCase chain = Numerics.ReferenceTests.ChannelLaneCases.Single(c => c.Name == "channel_lanes_dw5x5_s2_silu_odd");
        var run = GeneratorHarness.RunGenerator(chain.Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Chain.g.cs"));
        Snapshot.Verify("SnapshotTests.Chain_channel_lanes_dw5x5_s2_silu_odd", source.SourceText.ToString());
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
    /// MobileNetV2 (Sample/MobileNetV2.cs): the whole-model Forward over 52 chains (its arena plan), a stride-2 depthwise conv
    /// (the row kernel over the column-phased copy, 1 channel per block), a linear bottleneck with its residual add on a 6×6
    /// plane (no activation after the add; 8 channels per Vector256 in the pixel kernel), the head's ReLU6 and
    /// AdaptiveAvgPool2d on a 3×3 plane, the Dropout + Linear classifier, and features.2 as one inverted-residual kernel
    /// (its 48² × 96-channel expansion is over InvertedResidualPlanner.MinHiddenBytes).
    /// </summary>
    [Fact]
    public void MobileNetV2_selected_files()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.MobileNetV2Tests.Source);
        Assert.Empty(run.CompileErrors);
        var failures = new System.Collections.Generic.List<string>();
        foreach (string file in new[] { "Model", "Features_2_Depthwise", "Features_2_InvertedResidual", "Features_7_Depthwise", "Features_8_ProjectAdd", "Features_15_Depthwise", "Head", "Classifier" })
        {
            var source = Assert.Single(run.Sources, s => s.HintName == $"FusedNorm.Sample.MobileNetV2.{file}.g.cs");
            try { Snapshot.Verify($"SnapshotTests.MobileNetV2#{file}", source.SourceText.ToString()); }
            catch (Xunit.Sdk.XunitException e) { failures.Add(e.Message); }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));

        // The kernel paths at 96×96: every chain on a plane at least a Vector256 wide (the stem, blocks 1-6: 48², 24², 12²,
        // depthwise included) has column vectors; below that (blocks 7-17 and the head: 6² and 3²) FN0201 says so, and
        // every conv there but the depthwise ones computes 8 channels per Vector256.
        var scalar = run.GeneratorDiagnostics.Where(d => d.Id == "FN0201").ToDictionary(d => d.GetMessage().Split('\'')[1], d => d.GetMessage());
        var residual = new[] { 8, 9, 10, 12, 13, 15, 16 }; // stride 1 and in == out: the projection adds the block's input
        var narrow = Enumerable.Range(7, 11).SelectMany(b => (b == 7 ? new[] { "Depthwise" } : new[] { "Expand", "Depthwise" })
                .Append(residual.Contains(b) ? "ProjectAdd" : "Project").Select(chain => $"Features_{b}_{chain}"))
            .Append("Head").ToList();
        Assert.Equal(narrow.OrderBy(n => n, System.StringComparer.Ordinal), scalar.Keys.OrderBy(n => n, System.StringComparer.Ordinal));
        foreach (var (chain, message) in scalar)
            Assert.Equal(!chain.EndsWith("Depthwise", System.StringComparison.Ordinal), message.Contains("a block of 8 channels as one Vector256"));
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
