using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// FusedNorm accepts exactly what PyTorch accepts at the boundary of every size rule: a conv window against its padded
/// input (with dilation), groups that divide, a pooling window against its padded input, pooling padding against half
/// the kernel, AvgPool3d's window against the unpadded input, reflect and circular padding against the input size. Goldens/pytorch_size_rules.tsv records what libtorch did
/// with each layer (tools/GoldenGen 'sizerules'); the same layer, compiled here, must give an error exactly where
/// PyTorch raised one.
/// </summary>
public class PyTorchSizeRuleTests
{
    public sealed record Rule(string Layer, int Rank, int Size, int Kernel, int Stride, int Padding, int Dilation, int Groups, int Channels, bool Accepted, string Message,
        string PaddingMode)
    {
        public override string ToString() =>
            $"{Layer} size {Size} k{Kernel} s{Stride} p{Padding} d{Dilation} g{Groups} {PaddingMode}: PyTorch {(Accepted ? "accepts" : "refuses: " + Message)}";
    }

    private static readonly Lazy<List<Rule>> Rules = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Goldens", "pytorch_size_rules.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("layer\t"))
            .Select(l => l.Split('\t'))
            .Select(f => new Rule(f[0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]), int.Parse(f[4]), int.Parse(f[5]), int.Parse(f[6]),
                int.Parse(f[7]), int.Parse(f[8]), f[9] == "1", f[10], f[11]))
            .ToList());

    public static TheoryData<int> Indices
    {
        get
        {
            var data = new TheoryData<int>();
            for (int i = 0; i < Rules.Value.Count; i++) data.Add(i);
            return data;
        }
    }

    [Fact]
    public void The_golden_covers_every_rule_on_both_sides()
    {
        // Each layer kind has cases PyTorch accepts and cases it refuses, so neither verdict can pass by default.
        foreach (var kind in Rules.Value.GroupBy(r => r.Layer))
        {
            Assert.Contains(kind, r => r.Accepted);
            Assert.Contains(kind, r => !r.Accepted);
        }
        Assert.Equal(9, Rules.Value.Select(r => r.Layer).Distinct().Count()); // Conv, MaxPool, AvgPool × 1d, 2d, 3d
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void FusedNorm_refuses_exactly_what_PyTorch_refuses(int index)
    {
        Rule rule = Rules.Value[index];
        string sizes = string.Join(", ", Enumerable.Repeat(rule.Size, rule.Rank));
        string conv = $"Conv{rule.Rank}d";
        string chain = rule.Layer.StartsWith("Conv")
            ? $"[Fuse(Layer.{conv})] [{conv}(4, KernelSize = {rule.Kernel}, Stride = {rule.Stride}, Padding = {rule.Padding}, Dilation = {rule.Dilation}, Groups = {rule.Groups}, " +
              $"PaddingMode = PaddingMode.{char.ToUpperInvariant(rule.PaddingMode[0])}{rule.PaddingMode.Substring(1)}, Name = \"c\")]"
            : $"[Fuse(Layer.{conv}, Layer.{rule.Layer})] [{conv}(4, KernelSize = 1, Name = \"c\")] [{rule.Layer}(KernelSize = {rule.Kernel}, Stride = {rule.Stride}, Padding = {rule.Padding})]";
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Rules;
            [Model({{rule.Channels}}, {{sizes}})]
            public sealed partial class Net
            {
                {{chain}}
                public partial void S(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        var run = GeneratorHarness.RunGenerator(source);
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (rule.Accepted)
            Assert.True(errors.Count == 0, $"{rule}, but FusedNorm reports: {string.Join("; ", errors.Select(e => e.Id + " " + e.GetMessage()))}");
        else
            Assert.True(errors.Count > 0, $"{rule}, but FusedNorm accepts it");
        Assert.Empty(run.CompileErrors);
    }
}
