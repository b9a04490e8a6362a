using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>One test per diagnostic of channel concatenation (FN0030–FN0032, and FN0016/FN0017 for a Concat source).</summary>
public class ConcatDiagnosticTests
{
    private static string Model(string members) => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        [Model(8, 16, 16)]
        public sealed partial class Net
        {
        {{members}}
        }
        """;

    private const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";

    private static string Chain(string name, string fuse, string conv = "") =>
        $"[Fuse({fuse})] {(conv.Length > 0 ? conv : $"[Conv2d(8, KernelSize = 3, Padding = 1, Name = \"{name.ToLowerInvariant()}\")]")} public partial void {name}{Signature}\n";

    private static Diagnostic Single(string source, string id)
    {
        var run = GeneratorHarness.RunGenerator(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1,
            $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.NotEqual(Location.None, matching[0].Location);
        Assert.Equal(DiagnosticSeverity.Error, matching[0].Severity);
        // One mistake, one error: the generator still writes the chain bodies, so C# reports nothing else.
        Assert.Empty(run.CompileErrors.Where(e => e.Id != id));
        Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        return matching[0];
    }

    [Fact]
    public void A_concat_graph_generates_clean_code()
    {
        var run = GeneratorHarness.RunGenerator(Model(
            Chain("A", "Layer.Conv2d, Layer.ReLU") +
            Chain("B", "Layer.Conv2d, Layer.ReLU") +
            Chain("C", "Layer.Conv2d, Concat = new[] { nameof(A), Graph.Input, nameof(B) }")));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        string model = run.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs")).SourceText.ToString();
        Assert.Contains("concat 0 (C's input) [0, 6144)", model); // (8 + 8 + 8) × 16 × 16
        Assert.Contains("A [0, 2048), x [2048, 4096) copied, B [4096, 6144)", model);
        string chain = run.Sources.Single(s => s.HintName.EndsWith(".C.g.cs")).SourceText.ToString();
        Assert.Contains("Input (batch, 24, 16, 16)", chain);
    }

    [Fact]
    public void FN0030_concat_with_input()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, Input = nameof(A), Concat = new[] { nameof(A), Graph.Input }")), "FN0030");
        Assert.Contains("Chain 'B' sets both Input = \"A\" and Concat", d.GetMessage());
        Assert.Contains("remove Input", d.GetMessage());
    }

    [Theory]
    [InlineData("Concat = new[] { nameof(A) }", "lists 1 source")]
    [InlineData("Concat = new string[0]", "lists 0 sources")]
    [InlineData("Concat = new[] { nameof(A), null }", "lists a null or empty name")]
    public void FN0031_concat_needs_two_named_sources(string concat, string expected)
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, " + concat)), "FN0031");
        Assert.Contains("Chain 'B': Concat " + expected, d.GetMessage());
        Assert.Contains("torch.cat's order", d.GetMessage());
    }

    [Fact]
    public void FN0032_concat_sources_differ_in_their_plane()
    {
        var d = Single(Model(
            Chain("A", "Layer.Conv2d", "[Conv2d(8, KernelSize = 3, Stride = 2, Padding = 1, Name = \"a\")]") +
            Chain("B", "Layer.Conv2d, Concat = new[] { Graph.Input, nameof(A) }")), "FN0032");
        Assert.Contains("Chain 'B': Concat joins the model input, of shape (8, 16, 16), and the output of chain 'A', of shape (8, 8, 8)", d.GetMessage());
        Assert.Contains("every dim but the channels", d.GetMessage());
    }

    [Fact]
    public void FN0032_concat_sources_differ_in_rank()
    {
        var d = Single(Model(
            Chain("A", "Layer.Conv2d, Layer.AdaptiveAvgPool2d, Layer.Flatten") +
            Chain("B", "Layer.Conv2d, Concat = new[] { Graph.Input, nameof(A) }")), "FN0032");
        Assert.Contains("of shape (8)", d.GetMessage());
    }

    [Theory]
    [InlineData("Concat = new[] { nameof(A), \"Nope\" }", "FN0016", "Concat = \"Nope\" names no [Fuse] method of 'Net'")]
    [InlineData("Concat = new[] { nameof(A), nameof(B) }", "FN0017", "Concat = \"B\" is the chain itself")]
    public void FN0016_FN0017_concat_sources_are_earlier_chains(string concat, string id, string expected)
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, " + concat)), id);
        Assert.Contains(expected, d.GetMessage());
    }
}
