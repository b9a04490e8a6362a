using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>One test per ConvTranspose2d diagnostic (FN0033, FN0034), and the layer's place in a chain.</summary>
public class ConvTransposeDiagnosticTests
{
    private static string Model(string conv, string layers = "Layer.ConvTranspose2d", string extra = "", int size = 8) => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        [Model(4, {{size}}, {{size}})]
        public sealed partial class Net
        {
            [Fuse({{layers}})] {{conv}} {{extra}}
            public partial void Up(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    private static Diagnostic Single(string source, string id)
    {
        var run = GeneratorHarness.RunGenerator(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1,
            $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.Equal(DiagnosticSeverity.Error, matching[0].Severity);
        Assert.NotEqual(Location.None, matching[0].Location);
        Assert.Empty(run.CompileErrors.Where(e => e.Id != id)); // one mistake, one error (no CS8795)
        return matching[0];
    }

    [Fact]
    public void A_transposed_conv_chain_generates_clean_code()
    {
        var run = GeneratorHarness.RunGenerator(Model("[ConvTranspose2d(8, KernelSize = 2, Stride = 2, Name = \"up\")] [GroupNorm(2, Name = \"gn\")]",
            "Layer.ConvTranspose2d, Layer.GroupNorm, Layer.SiLU"));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("output (batch, 8, 16, 16)", run.Sources.Single(s => s.HintName == "Tests.Net.Up.g.cs").SourceText.ToString());
    }

    [Theory]
    [InlineData(2, 2, 1, "output_padding = 2", "smaller than either stride (2) or dilation (1)")]
    [InlineData(1, 1, 1, "output_padding = 1", "smaller than either stride (1) or dilation (1)")]
    public void FN0033_output_padding_not_below_stride_or_dilation(int outputPadding, int stride, int dilation, string a, string b)
    {
        var d = Single(Model($"[ConvTranspose2d(8, KernelSize = 3, Stride = {stride}, Dilation = {dilation}, OutputPadding = {outputPadding}, Name = \"up\")]"), "FN0033");
        Assert.Contains("Chain 'Up': ConvTranspose2d 'up' has " + a, d.GetMessage());
        Assert.Contains(b, d.GetMessage());
    }

    [Fact]
    public void FN0033_output_padding_below_dilation_is_legal()
    {
        var run = GeneratorHarness.RunGenerator(Model("[ConvTranspose2d(8, KernelSize = 3, Stride = 1, Dilation = 2, OutputPadding = 1, Name = \"up\")]"));
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void FN0034_empty_output()
    {
        var d = Single(Model("[ConvTranspose2d(8, KernelSize = 2, Padding = 1, Name = \"up\")]", size: 1), "FN0034");
        Assert.Contains("Chain 'Up': ConvTranspose2d 'up' would give an output of 0×0 from its 1×1 input", d.GetMessage());
    }

    [Fact]
    public void ConvTranspose2d_without_its_attribute_is_FN0006()
    {
        var run = GeneratorHarness.RunGenerator(Model("[Conv2d(8, KernelSize = 3, Name = \"up\")]"));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "FN0006");
    }
}
