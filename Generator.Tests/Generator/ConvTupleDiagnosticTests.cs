using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Per-dim conv tuples (KernelSizes, Strides, Paddings, Dilations): one test per diagnostic (FN0046–FN0049), PyTorch's size
/// rule applied per dim at its boundary (FN0102), and a cubic tuple generating exactly what the int form generates.
/// </summary>
public class ConvTupleDiagnosticTests
{
    private static string Model(string conv, string layers = "Layer.Conv2d, Layer.ReLU", string shape = "4, 8, 8") => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        [Model({{shape}})]
        public sealed partial class Net
        {
            [Fuse({{layers}})] {{conv}}
            public partial void Branch(ReadOnlySpan<float> x, Span<float> y, int batch);
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
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Id != id && d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors.Where(e => e.Id != id)); // one mistake, one error (no CS8795)
        return matching[0];
    }

    [Fact]
    public void FN0046_int_and_tuple_both_set()
    {
        var d = Single(Model("[Conv2d(8, KernelSize = 7, KernelSizes = new[] { 1, 7 }, Name = \"conv\")]"), "FN0046");
        Assert.Contains("Chain 'Branch': Conv2d 'conv' sets both KernelSize and KernelSizes: keep one, e.g. KernelSizes = new[] { 1, 7 } (per dim) or KernelSize = 7 (every dim)", d.GetMessage());
    }

    [Fact]
    public void FN0046_padding_as_int_and_tuple()
    {
        var d = Single(Model("[Conv2d(8, KernelSize = 3, Padding = 1, Paddings = new[] { 1, 0 }, Name = \"conv\")]"), "FN0046");
        Assert.Contains("sets both Padding and Paddings", d.GetMessage());
    }

    [Theory]
    [InlineData("Conv2d", "4, 8, 8", "KernelSizes = new[] { 1, 7, 7 }", "KernelSizes = { 1, 7, 7 } (3 entries), but it takes one entry per spatial dim (H, W): write KernelSizes = new[] { 7, 7 }")]
    [InlineData("Conv3d", "4, 3, 8, 8", "KernelSizes = new[] { 3, 3 }", "KernelSizes = { 3, 3 } (2 entries), but it takes one entry per spatial dim (D, H, W): write KernelSizes = new[] { 3, 3, 3 }")]
    [InlineData("Conv1d", "4, 8", "KernelSize = 3, Strides = new[] { 1, 2 }", "Strides = { 1, 2 } (2 entries), but it takes one entry per spatial dim (L): write Strides = new[] { 2 }")]
    public void FN0047_tuple_length_is_not_the_rank(string layer, string shape, string arguments, string message)
    {
        var d = Single(Model($"[{layer}(8, {arguments}, Name = \"conv\")]", $"Layer.{layer}, Layer.ReLU", shape), "FN0047");
        Assert.Contains($"Chain 'Branch': {layer} 'conv' has {message}", d.GetMessage());
    }

    [Theory]
    [InlineData("KernelSizes = new[] { 0, 3 }", "KernelSizes = { 0, 3 }, but every entry of kernel_size must be positive")]
    [InlineData("KernelSize = 3, Strides = new[] { 0, 2 }", "Strides = { 0, 2 }, but every entry of stride must be positive")]
    [InlineData("KernelSize = 3, Paddings = new[] { 1, -1 }", "Paddings = { 1, -1 }, but every entry of padding must be zero or more")]
    [InlineData("KernelSize = 3, Dilations = new[] { -2, 1 }", "Dilations = { -2, 1 }, but every entry of dilation must be positive")]
    public void FN0048_tuple_entry_out_of_range(string arguments, string message)
    {
        var d = Single(Model($"[Conv2d(8, {arguments}, Name = \"conv\")]"), "FN0048");
        Assert.Contains("Chain 'Branch': Conv2d 'conv' has " + message, d.GetMessage());
    }

    [Fact]
    public void FN0049_tuples_on_ConvTranspose2d()
    {
        var d = Single(Model("[ConvTranspose2d(8, KernelSizes = new[] { 2, 4 }, Stride = 2, Name = \"up\")]", "Layer.ConvTranspose2d, Layer.ReLU"), "FN0049");
        Assert.Contains("Chain 'Branch': ConvTranspose2d 'up' sets KernelSizes, but per-dim tuples are supported on Conv1d, Conv2d and Conv3d only: give ConvTranspose2d a square kernel with KernelSize = 4", d.GetMessage());
    }

    /// <summary>
    /// PyTorch's rule per dim: dilation·(k − 1) + 1 ≤ input + 2·padding on each dim on its own (libtorch refuses exactly
    /// the other cases: "Kernel size can't be greater than actual input size"). A (1, 7) kernel fits an 8×6 input with
    /// padding (0, 1), not with (0, 0); a (7, 1) kernel with dilation (2, 1) needs 13 rows.
    /// </summary>
    [Theory]
    [InlineData("KernelSizes = new[] { 1, 7 }, Paddings = new[] { 0, 1 }", "4, 8, 6", true)]
    [InlineData("KernelSizes = new[] { 1, 7 }", "4, 8, 6", false)]
    [InlineData("KernelSizes = new[] { 7, 1 }", "4, 7, 1", true)]
    [InlineData("KernelSizes = new[] { 7, 1 }", "4, 6, 30", false)]
    [InlineData("KernelSizes = new[] { 7, 1 }, Dilations = new[] { 2, 1 }", "4, 13, 3", true)]
    [InlineData("KernelSizes = new[] { 7, 1 }, Dilations = new[] { 2, 1 }, Paddings = new[] { 0, 5 }", "4, 12, 3", false)]
    public void The_size_rule_holds_per_dim(string arguments, string shape, bool legal)
    {
        var run = GeneratorHarness.RunGenerator(Model($"[Conv2d(8, {arguments}, Name = \"conv\")]", shape: shape));
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (legal)
        {
            Assert.Empty(errors);
            Assert.Empty(run.CompileErrors);
        }
        else
        {
            Diagnostic d = Assert.Single(errors);
            Assert.Equal("FN0102", d.Id);
        }
    }

    [Fact]
    public void FN0102_names_the_tuple_padding()
    {
        var run = GeneratorHarness.RunGenerator(Model("[Conv2d(8, KernelSizes = new[] { 1, 7 }, Paddings = new[] { 0, 0 }, Name = \"conv\")]", shape: "4, 8, 6"));
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "FN0102");
        Assert.Contains("1×7", d.GetMessage());
        Assert.Contains("8×6", d.GetMessage());
        Assert.Contains("padding (0, 0)", d.GetMessage());
    }

    /// <summary>A tuple of equal entries is the int form: the same spec, so the same generated file, byte for byte.</summary>
    [Fact]
    public void A_cubic_tuple_generates_what_the_int_form_generates()
    {
        string Generated(string conv) => GeneratorHarness.RunGenerator(Model(conv, "Layer.Conv2d, Layer.ReLU", "4, 9, 20"))
            .Sources.Single(s => s.HintName == "Tests.Net.Branch.g.cs").SourceText.ToString();
        string ints = Generated("[Conv2d(8, KernelSize = 3, Stride = 2, Padding = 1, Name = \"conv\")]");
        string tuples = Generated("[Conv2d(8, KernelSizes = new[] { 3, 3 }, Strides = new[] { 2, 2 }, Paddings = new[] { 1, 1 }, Dilations = new[] { 1, 1 }, Name = \"conv\")]");
        Assert.Equal(ints, tuples);
    }

    [Fact]
    public void A_non_square_kernel_is_named_per_dim()
    {
        var run = GeneratorHarness.RunGenerator(Model("[Conv2d(8, KernelSizes = new[] { 1, 7 }, Strides = new[] { 2, 1 }, Paddings = new[] { 0, 3 }, Dilations = new[] { 1, 2 }, Name = \"conv\")]",
            shape: "4, 9, 30"));
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        string source = run.Sources.Single(s => s.HintName == "Tests.Net.Branch.g.cs").SourceText.ToString();
        Assert.Contains("Conv1x7S2x1D1x2_C4K8_Relu", source);
        Assert.Contains("Conv2d(4, 8, kernel_size=(1, 7), stride=(2, 1), padding=(0, 3), dilation=(1, 2))", source);
        Assert.Contains("1×7 window", source);
    }

    /// <summary>In a block, a tuple's entries may read the block's parameters; each use computes them at its own values.</summary>
    [Fact]
    public void A_block_computes_tuple_entries_per_use()
    {
        string source = """
            using System;
            using FusedNorm;
            namespace Tests;
            [Model(4, 9, 20)]
            public sealed partial class Net
            {
                [Use<Factorized>("b3")] [Use<Factorized>("b7", 7)] partial void Branches();
            }
            [Block]
            public sealed partial class Factorized
            {
                const int K = 3;
                [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(4, KernelSizes = new[] { 1, K }, Paddings = new[] { 0, K / 2 }, Name = "conv")]
                partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        string all = string.Join("\n", run.Sources.Select(s => s.SourceText.ToString()));
        Assert.Contains("Conv2d(4, 4, kernel_size=(1, 3), padding=(0, 1))", all);
        Assert.Contains("Conv2d(4, 4, kernel_size=(1, 7), padding=(0, 3))", all);
    }
}
