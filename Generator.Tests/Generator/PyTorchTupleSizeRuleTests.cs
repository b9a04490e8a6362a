using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// With PyTorch's per-dim tuples, FusedNorm accepts exactly what PyTorch accepts: a (1, k) or (k, 1) window against each dim
/// on its own (with padding on one dim), dilation on one dim, reflect padding per dim, Conv3d (1, 3, 3) and (3, 1, 1).
/// Goldens/pytorch_tuple_size_rules.tsv records what libtorch did with each conv (tools/GoldenGen 'tuplesizerules'); the
/// same conv, compiled here, must give an error exactly where PyTorch raised one.
/// </summary>
public class PyTorchTupleSizeRuleTests
{
    public sealed record Rule(int Rank, string Size, string Kernel, string Stride, string Padding, string Dilation, string Mode, bool Accepted, string Message)
    {
        public override string ToString() =>
            $"Conv{Rank}d on {Size}: kernel ({Kernel}), stride ({Stride}), padding ({Padding}), dilation ({Dilation}), {Mode}: PyTorch {(Accepted ? "accepts" : "refuses: " + Message)}";
    }

    private static readonly Lazy<List<Rule>> Rules = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Goldens", "pytorch_tuple_size_rules.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("rank\t"))
            .Select(l => l.Split('\t'))
            .Select(f => new Rule(int.Parse(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7] == "1", f[8]))
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
    public void The_golden_has_cases_on_both_sides_for_each_rank()
    {
        foreach (var rank in Rules.Value.GroupBy(r => r.Rank))
        {
            Assert.Contains(rank, r => r.Accepted);
            Assert.Contains(rank, r => !r.Accepted);
        }
        Assert.Contains(Rules.Value, r => r.Mode == "reflect" && r.Accepted);
        Assert.Contains(Rules.Value, r => r.Mode == "reflect" && !r.Accepted);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void FusedNorm_refuses_exactly_what_PyTorch_refuses(int index)
    {
        Rule rule = Rules.Value[index];
        string Tuple(string values) => $"new[] {{ {values.Replace(",", ", ")} }}";
        string conv = $"Conv{rule.Rank}d";
        string mode = rule.Mode == "reflect" ? ", PaddingMode = PaddingMode.Reflect" : "";
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Rules;
            [Model(4, {{rule.Size.Replace(",", ", ")}})]
            public sealed partial class Net
            {
                [Fuse(Layer.{{conv}})] [{{conv}}(4, KernelSizes = {{Tuple(rule.Kernel)}}, Strides = {{Tuple(rule.Stride)}}, Paddings = {{Tuple(rule.Padding)}}, Dilations = {{Tuple(rule.Dilation)}}{{mode}}, Name = "c")]
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
