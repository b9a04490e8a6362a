using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// The layers of a classifier head: AdaptiveAvgPool2d(1), Flatten, Dropout, Identity and Softmax. Their misuse is FN0005
/// (the place in the list) or FN0012 (a parameter), and the no-op layers change nothing in what is generated.
/// </summary>
public class HeadLayerTests
{
    private static string Model(string members, string model = "[Model(3, 16, 16)]") => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        {{model}}
        public sealed partial class Net
        {
        {{members}}
        }
        """;

    private const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";
    private const string SkipSignature = "(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);";

    private static Diagnostic Single(string source, string id)
    {
        var run = GeneratorHarness.RunGenerator(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1,
            $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.NotEqual(Location.None, matching[0].Location);
        return matching[0];
    }

    [Theory]
    [InlineData("Layer.Conv1d, Layer.AdaptiveAvgPool2d", "use the 1d pooling layer")]
    [InlineData("Layer.Linear, Layer.AdaptiveAvgPool2d", "pooling needs a convolution's output")]
    [InlineData("Layer.Conv2d, Layer.AdaptiveAvgPool2d, Layer.ReLU", "ReLU follows AdaptiveAvgPool2d")]
    [InlineData("Layer.Conv2d, Layer.Flatten, Layer.ReLU", "Flatten is followed by ReLU")]
    [InlineData("Layer.Flatten, Layer.Conv2d", "Flatten is followed by Conv2d")]
    [InlineData("Layer.Dropout, Layer.Identity", "only layers that compute nothing")]
    [InlineData("Layer.Conv2d, Layer.Softmax", "Softmax (dim=1) is supported at the end of a Linear chain")]
    [InlineData("Layer.Linear, Layer.ReLU, Layer.Softmax", "Softmax follows ReLU")]
    public void FN0005_head_layer_out_of_place(string layers, string expected)
    {
        var d = Single(Model($"[Fuse({layers})] [Conv1d(4, KernelSize = 3, Name = \"c1\")] [Conv2d(4, KernelSize = 3, Name = \"c\")] [Linear(4, Name = \"fc\")] public partial void S{Signature}"), "FN0005");
        Assert.Contains(expected, d.GetMessage());
    }

    [Fact]
    public void FN0005_global_pool_after_an_add_in_the_normalize_step()
    {
        // An InstanceNorm adds in its normalize step, which does not pool: the add and the pool must be split.
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Layer.ReLU, Layer.AdaptiveAvgPool2d, Skip = Graph.Input)] [Conv2d(3, KernelSize = 3, Padding = 1, Name = \"c\")] public partial void S{SkipSignature}"), "FN0005");
        Assert.Contains("AdaptiveAvgPool2d follows Add after InstanceNorm2d", d.GetMessage());
    }

    [Fact]
    public void FN0012_adaptive_pool_output_size_other_than_1()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.AdaptiveAvgPool2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [AdaptiveAvgPool2d(2)] public partial void S{Signature}"), "FN0012");
        Assert.Contains("output_size 2 is not supported", d.GetMessage());
    }

    [Fact]
    public void FN0110_skip_of_a_pooling_add_has_the_conv_output_shape()
    {
        // The add comes before the pool, so the skip must be (4, 16, 16), not the pooled (4, 1, 1).
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Layer.AdaptiveAvgPool2d, Skip = Graph.Input)] [Conv2d(4, KernelSize = 3, Padding = 1, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{SkipSignature}"), "FN0110");
        Assert.Contains("4, 16, 16", d.GetMessage());
    }

    [Fact]
    public void Dropout_Identity_and_a_Flatten_before_Linear_generate_exactly_what_their_absence_does()
    {
        string plain = Model($"""
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.AdaptiveAvgPool2d)] [Conv2d(8, KernelSize = 3, Name = "c")] [BatchNorm(Name = "bn")] public partial void A{Signature}
            [Fuse(Layer.Linear, Layer.ReLU)] [Linear(5, Name = "fc")] public partial void B{Signature}
            """);
        string noOps = Model($"""
            [Fuse(Layer.Conv2d, Layer.Identity, Layer.BatchNorm2d, Layer.ReLU, Layer.Dropout, Layer.AdaptiveAvgPool2d)] [Conv2d(8, KernelSize = 3, Name = "c")] [BatchNorm(Name = "bn")] public partial void A{Signature}
            [Fuse(Layer.Dropout, Layer.Flatten, Layer.Linear, Layer.ReLU, Layer.Identity)] [Linear(5, Name = "fc")] public partial void B{Signature}
            """);
        var a = GeneratorHarness.RunGenerator(plain);
        var b = GeneratorHarness.RunGenerator(noOps);
        Assert.Empty(a.CompileErrors);
        Assert.Empty(b.CompileErrors);
        Assert.Equal(a.Sources.Select(s => s.HintName), b.Sources.Select(s => s.HintName));
        foreach (var (x, y) in a.Sources.Zip(b.Sources)) Assert.Equal(x.SourceText.ToString(), y.SourceText.ToString());
    }

    [Fact]
    public void A_Flatten_that_ends_a_conv_list_makes_the_output_flat()
    {
        var run = GeneratorHarness.RunGenerator(Model($"""
            [Fuse(Layer.Conv2d, Layer.ReLU, Layer.AdaptiveAvgPool2d, Layer.Flatten)] [Conv2d(8, KernelSize = 3, Name = "c")] public partial void A{Signature}
            [Fuse(Layer.Linear)] [Linear(5, InFeatures = 8, Name = "fc")] public partial void B{Signature}
            """));
        Assert.Empty(run.CompileErrors);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        string a = run.Sources.Single(s => s.HintName.EndsWith(".A.g.cs")).SourceText.ToString();
        Assert.Contains("output (batch, 8), NCHW float32", a);
    }
}
