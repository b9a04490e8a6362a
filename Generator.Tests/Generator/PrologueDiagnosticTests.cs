using FusedNorm.Tests.Infrastructure;
using Xunit;
using static FusedNorm.Tests.Generator.DiagnosticTests;

namespace FusedNorm.Tests.Generator;

/// <summary>The prologue layers' diagnostics (Upsample, the padding layers, padding_mode), in DiagnosticTests' style.</summary>
public class PrologueDiagnosticTests
{
    [Theory]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.Upsample", "Upsample ends the list")]
    [InlineData("Layer.Upsample", "Upsample ends the list")]
    [InlineData("Layer.Conv2d, Layer.ReflectionPad2d", "ReflectionPad2d ends the list")]
    [InlineData("Layer.ReflectionPad2d, Layer.Linear", "comes before Linear")]
    [InlineData("Layer.Upsample, Layer.Conv1d", "comes before Conv1d")]
    [InlineData("Layer.Conv2d, Layer.Upsample, Layer.BatchNorm2d", "comes before BatchNorm2d")]
    [InlineData("Layer.ReflectionPad2d, Layer.Upsample, Layer.Conv2d", "the order is Upsample, then one padding layer")]
    [InlineData("Layer.ReflectionPad2d, Layer.ZeroPad2d, Layer.Conv2d", "each at most once")]
    public void FN0022_prologue_layer_out_of_place(string layers, string expected)
    {
        var d = Single(Model($"[Fuse({layers})] [Conv2d(4, KernelSize = 3, Name = \"c\")] [Conv1d(4, KernelSize = 3, Name = \"c1\")] [Linear(4, Name = \"l\")] " +
            $"[BatchNorm(Name = \"bn\")] [Upsample(ScaleFactor = 2)] [ReflectionPad2d(1)] [ZeroPad2d(1)] public partial void S{Signature}"), "FN0022");
        AssertMessage(d, "'S'", expected);
    }

    [Fact]
    public void FN0022_prologue_before_each_conv_of_a_split_list_is_fine()
    {
        // TransformerNet's residual block as one list: each ReflectionPad2d starts the kernel of the Conv2d after it.
        var run = GeneratorHarness.RunGenerator(Model(
            "[Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU, Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d)] " +
            "[ReflectionPad2d(1)] [ReflectionPad2d(1)] [Conv2d(3, KernelSize = 3, Name = \"c1\")] [Conv2d(3, KernelSize = 3, Name = \"c2\")] " +
            $"public partial void S{Signature}"));
        Assert.DoesNotContain(run.GeneratorDiagnostics, x => x.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        Assert.Empty(run.CompileErrors);
    }

    [Theory]
    [InlineData("Layer.MaxPool2d, Layer.ReflectionPad2d, Layer.Conv2d", "MaxPool2d comes before ReflectionPad2d")]
    [InlineData("Layer.AvgPool2d, Layer.Upsample, Layer.Conv2d", "AvgPool2d comes before Upsample")]
    public void FN0022_input_pool_and_prologue_layer_together(string layers, string expected)
    {
        // Both make the conv's input copy (main's input pool, this branch's prologue); they are not composed, so refused.
        var d = Single(Model($"[Fuse({layers})] [MaxPool2d(KernelSize = 2)] [AvgPool2d(KernelSize = 2)] [Upsample(ScaleFactor = 2)] [ReflectionPad2d(1)] " +
            $"[Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0022");
        AssertMessage(d, "'S'", expected, "not supported together");
    }

    [Fact]
    public void FN0012_input_pool_with_a_conv_padding_mode()
    {
        var d = Single(Model("[Fuse(Layer.MaxPool2d, Layer.Conv2d)] [MaxPool2d(KernelSize = 2)] " +
            $"[Conv2d(4, KernelSize = 3, Padding = 1, PaddingMode = PaddingMode.Reflect, Name = \"c\")] public partial void S{Signature}"), "FN0012");
        AssertMessage(d, "'S'", "PaddingMode = Reflect", "input pool");
    }

    [Theory]
    [InlineData("[ReflectionPad2d(16)]", "", "ReflectionPad2d (16, 16, 16, 16) pads an input of 16×16")]
    [InlineData("[ReflectionPad2d(0, 0, 0, 8)]", "[Upsample(ScaleFactor = 2)] ", "(the input upsampled ×2)")] // 32×32 after the upsample: 8 is fine …
    public void FN0023_reflection_pad_too_large(string pad, string upsample, string expected)
    {
        string layers = upsample.Length > 0 ? "Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d" : "Layer.ReflectionPad2d, Layer.Conv2d";
        string source = Model($"[Fuse({layers})] {upsample}{pad} [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}");
        if (upsample.Length > 0)
        {
            // … 8 < 32 passes; 32 does not.
            Assert.DoesNotContain(GeneratorHarness.RunGenerator(source).GeneratorDiagnostics, x => x.Id == "FN0023");
            source = source.Replace("[ReflectionPad2d(0, 0, 0, 8)]", "[ReflectionPad2d(0, 0, 0, 32)]");
        }
        var d = Single(source, "FN0023");
        AssertMessage(d, "'S'", expected, "less than the input size", "PyTorch raises");
    }

    [Theory]
    [InlineData("Reflect", 16, "less than")]
    [InlineData("Circular", 17, "at most")]
    public void FN0023_conv_padding_mode_too_large(string mode, int padding, string rule)
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Padding = {padding}, PaddingMode = PaddingMode.{mode}, Name = \"c\")] public partial void S{Signature}"), "FN0023");
        AssertMessage(d, "'S'", $"padding_mode '{mode.ToLowerInvariant()}'", $"Padding = {padding}", "16×16", rule);
    }

    [Theory]
    [InlineData("[Upsample(ScaleFactor = 0)]", "ScaleFactor must be a whole number of at least 1")]
    [InlineData("[Upsample(ScaleFactor = 2, AlignCorners = true)]", "AlignCorners is set with Mode = Nearest")]
    [InlineData("[Upsample(ScaleFactor = 2)] [ReflectionPad2d(1, 2)]", "gives 2 padding values")]
    [InlineData("[Upsample(ScaleFactor = 2)] [ReflectionPad2d(-1)]", "must not be negative")]
    public void FN0012_invalid_prologue_parameter(string attributes, string expected)
    {
        var d = Single(Model($"[Fuse(Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d)] {(attributes.Contains("ReflectionPad2d") ? "" : "[ReflectionPad2d(1)] ")}{attributes} " +
            $"[Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0012");
        AssertMessage(d, "'S'", expected);
    }

    [Fact]
    public void FN0006_upsample_without_its_attribute()
    {
        var d = Single(Model($"[Fuse(Layer.Upsample, Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0006");
        AssertMessage(d, "Upsample", "[Upsample(...)]");
    }
}
