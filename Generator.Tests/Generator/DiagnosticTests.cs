using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>One test per diagnostic: the misuse, the ID, and that the message says what to change.</summary>
public class DiagnosticTests
{
    internal static string Model(string members, string classModifiers = "public sealed partial", string model = "[Model(3, 16, 16)]") => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        {{model}}
        {{classModifiers}} class Net
        {
        {{members}}
        }
        """;

    internal const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";

    /// <param name="missingBodies">The mistake leaves the generator no partial half to write (a class that is not partial,
    /// a [Fuse] method outside a [Model]), so C# also reports the partial methods without a body.</param>
    internal static Diagnostic Single(string source, string id, bool missingBodies = false)
    {
        var run = GeneratorHarness.RunGenerator(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1,
            $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.NotEqual(Location.None, matching[0].Location);
        // One mistake, one error: the generator still writes a (throwing) body for every partial chain method it was given.
        if (!missingBodies) Assert.DoesNotContain(run.CompileErrors, e => e.Id == "CS8795");
        return matching[0];
    }

    internal static void AssertMessage(Diagnostic d, params string[] fragments)
    {
        string message = d.GetMessage();
        foreach (string fragment in fragments) Assert.Contains(fragment, message);
    }

    [Fact]
    public void FN0001_class_not_partial()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}", "public sealed"), "FN0001", missingBodies: true);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        AssertMessage(d, "'Net'", "partial");
    }

    [Fact]
    public void FN0002_method_not_partial()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public void S(ReadOnlySpan<float> x, Span<float> y, int batch) {{ }}"), "FN0002");
        AssertMessage(d, "'S'", "partial void S(");
    }

    [Fact]
    public void FN0003_wrong_signature()
    {
        var d = Single(Model("[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S(float[] x, Span<float> y, int batch);"), "FN0003");
        AssertMessage(d, "ReadOnlySpan<float>");
    }

    [Fact]
    public void FN0004_unknown_layer()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, (Layer)99)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0004");
        AssertMessage(d, "99");
    }

    [Theory]
    [InlineData("Layer.MaxPool1d, Layer.Conv2d", "first layer must be Conv1d, Conv2d, Conv3d or Linear")]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.BatchNorm2d", "BatchNorm2d follows ReLU")]
    [InlineData("Layer.Conv2d, Layer.BatchNorm1d", "use BatchNorm2d")]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.Tanh", "Tanh follows ReLU")]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.Conv2d, Layer.MaxPool2d, Layer.ReLU", "ReLU follows MaxPool2d")]
    public void FN0005_illegal_layer_order(string layers, string expected)
    {
        var d = Single(Model($"[Fuse({layers})] [Conv2d(4, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}"), "FN0005");
        AssertMessage(d, expected);
    }

    [Fact]
    public void FN0005_pool_after_linear()
    {
        var d = Single(Model($"[Fuse(Layer.Linear, Layer.MaxPool2d)] [Linear(4, Name = \"fc\")] [MaxPool2d(KernelSize = 2)] public partial void S{Signature}"), "FN0005");
        AssertMessage(d, "MaxPool2d follows a Linear");
    }

    [Fact]
    public void FN0006_missing_layer_attribute()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.MaxPool2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0006");
        AssertMessage(d, "[MaxPool2d(...)]");
    }

    [Fact]
    public void FN0007_unused_layer_attribute()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}"), "FN0007");
        AssertMessage(d, "[BatchNorm]");
    }

    [Fact]
    public void FN0008_missing_name()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3)] public partial void S{Signature}"), "FN0008");
        AssertMessage(d, "Name = \"conv1\"", "state_dict");
    }

    [Fact]
    public void FN0009_duplicate_name()
    {
        var d = Single(Model($"""
            [Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = "c")] public partial void A{Signature}
            [Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = "c")] public partial void B{Signature}
            """), "FN0009");
        AssertMessage(d, "'c'");
    }

    [Fact]
    public void FN0010_chain_without_model()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}", model: ""), "FN0010", missingBodies: true);
        AssertMessage(d, "[Model(3, 32, 32)]");
    }

    [Fact]
    public void FN0011_model_without_chains()
    {
        var d = Single(Model("public int Unrelated;"), "FN0011");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void FN0012_unsupported_parameter()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.BatchNorm2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\", Momentum = 2)] public partial void S{Signature}"), "FN0012");
        AssertMessage(d, "Momentum must be between 0 and 1", "CumulativeAverage");
    }

    [Fact]
    public void FN0012_invalid_gelu_approximation()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GELU)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [GELU(Approximate = \"fast\")] public partial void S{Signature}"), "FN0012");
        AssertMessage(d, "\"none\" or \"tanh\"");
    }

    [Fact]
    public void FN0013_generic_model()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}").Replace("class Net", "class Net<T>"), "FN0013");
        AssertMessage(d, "generic");
    }

    [Fact]
    public void FN0101_channel_mismatch_conv()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, InChannels = 5, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0101");
        AssertMessage(d, "InChannels = 5", "receives 3", "set InChannels = 3");
    }

    [Fact]
    public void FN0101_channel_mismatch_between_chains()
    {
        var d = Single(Model($"""
            [Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = "c1")] public partial void A{Signature}
            [Fuse(Layer.Conv2d)] [Conv2d(8, InChannels = 6, KernelSize = 3, Name = "c2")] public partial void B{Signature}
            """), "FN0101");
        AssertMessage(d, "chain 'A'", "receives 4");
    }

    [Fact]
    public void FN0101_linear_in_features()
    {
        var d = Single(Model($"[Fuse(Layer.Linear)] [Linear(10, InFeatures = 700, Name = \"fc\")] public partial void S{Signature}"), "FN0101");
        AssertMessage(d, "768 (flattened from 3, 16, 16)");
    }

    [Fact]
    public void FN0102_kernel_larger_than_padded_input()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 9, Dilation = 2, Padding = 0, Name = \"c\")] public partial void S{Signature}"), "FN0102");
        AssertMessage(d, "17×17", "16×16");
    }

    [Fact]
    public void FN0102_pool_larger_than_conv_output()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.MaxPool2d)] [Conv2d(4, KernelSize = 13, Name = \"c\")] [MaxPool2d(KernelSize = 5)] public partial void S{Signature}"), "FN0102");
        AssertMessage(d, "MaxPool2d", "4×4");
    }

    [Fact]
    public void FN0103_norm_features_mismatch()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.BatchNorm2d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [BatchNorm(NumFeatures = 6, Name = \"bn\")] public partial void S{Signature}"), "FN0103");
        AssertMessage(d, "num_features = 6", "receives 4", "NumFeatures = 4");
    }

    [Theory]
    [InlineData("KernelSize = 0", "kernel_size")]
    [InlineData("KernelSize = 3, Stride = 0", "stride")]
    [InlineData("KernelSize = 3, Dilation = -1", "dilation")]
    [InlineData("KernelSize = 3, Padding = -2", "padding")]
    public void FN0104_non_positive_size(string arguments, string parameter)
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, {arguments}, Name = \"c\")] public partial void S{Signature}"), "FN0104");
        AssertMessage(d, parameter);
    }

    [Fact]
    public void FN0104_zero_out_channels()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(0, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0104");
        AssertMessage(d, "out_channels", "positive");
    }

    [Fact]
    public void FN0105_conv_after_linear()
    {
        var d = Single(Model($"""
            [Fuse(Layer.Linear)] [Linear(10, Name = "fc")] public partial void A{Signature}
            [Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 1, Name = "c")] public partial void B{Signature}
            """), "FN0105");
        AssertMessage(d, "(C, H, W)", "(10)");
    }

    [Fact]
    public void FN0106_bad_model_input_shape()
    {
        var d = Single(Model($"[Fuse(Layer.Linear)] [Linear(10, Name = \"fc\")] public partial void S{Signature}", model: "[Model(3, 0, 4)]"), "FN0106");
        AssertMessage(d, "positive");
    }

    [Fact]
    public void FN0109_conv_output_too_large()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(2000000, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0109");
        AssertMessage(d, "the output of Conv2d 'c'", "392,000,000", "268,435,456");
    }

    [Fact]
    public void FN0109_linear_weight_too_large_does_not_overflow()
    {
        // in × out = 768 × 2^31−1 overflows int: the check is done in floating point.
        var d = Single(Model($"[Fuse(Layer.Linear)] [Linear(int.MaxValue, Name = \"fc\")] public partial void S{Signature}"), "FN0109");
        Assert.Equal("Chain 'S': the weight of Linear 'fc' would hold 1,649,267,440,896 floats, more than the 268,435,456 FusedNorm supports per sample and per weight tensor; use smaller sizes", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void FN0102_huge_dilation_does_not_overflow_the_window()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Dilation = int.MaxValue, Name = \"c\")] public partial void S{Signature}"), "FN0102");
        AssertMessage(d, "4294967295");
    }

    [Fact]
    public void FN0015_training_forward_on_a_split_chain()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Conv2d, TrainingForward = true)] [Conv2d(4, KernelSize = 3, Name = \"c1\")] [BatchNorm(Name = \"bn\")] [Conv2d(4, KernelSize = 3, Name = \"c2\")] public partial void S{Signature}"), "FN0015");
        AssertMessage(d, "2 kernels", "one [Fuse] method per convolution or Linear layer");
    }

    [Fact]
    public void FN0007_a_second_attribute_of_one_kind_for_one_layer()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Name = \"c1\")] [Conv2d(8, KernelSize = 3, Name = \"c2\")] public partial void S{Signature}"), "FN0007");
        AssertMessage(d, "[Conv2d]", "no further Conv2d layer");
    }

    [Fact]
    public void FN0006_optional_attribute_for_some_layers_of_a_split_chain_but_not_all()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GELU, Layer.Conv2d, Layer.GELU)] [Conv2d(4, KernelSize = 3, Name = \"c1\")] [GELU(Approximate = \"tanh\")] [Conv2d(4, KernelSize = 3, Name = \"c2\")] public partial void S{Signature}"), "FN0006");
        AssertMessage(d, "2 GELU layers", "[GELU(...)]");
    }

    [Fact]
    public void FN0202_split_chain_is_info_and_still_generates()
    {
        var run = GeneratorHarness.RunGenerator(Model($"[Fuse(Layer.Conv2d, Layer.ReLU, Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = \"c1\")] [Conv2d(8, KernelSize = 3, Name = \"c2\")] public partial void S{Signature}"));
        var d = Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0202");
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        AssertMessage(d, "runs as 2 kernels (Conv2d, ReLU | Conv2d)", "1 intermediate tensor(s) go through memory");
        Assert.Empty(run.CompileErrors);
    }

    [Theory]
    [InlineData("[Fuse(Layer.Conv2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d)] [Conv2d(64, KernelSize = 1, Name = \"c\")]", "the lane kernel runs it: 16 output channels per Vector512 × tiles of 5 positions", true)]
    [InlineData("[Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(32, KernelSize = 3, Padding = 1, Groups = 32, Name = \"c\")]", "the depthwise lane kernel runs it: 16 channels per Vector512", true)]
    [InlineData("[Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(24, KernelSize = 1, Name = \"c\")]", "each output position computes a block of 8 channels as one Vector256", false)]
    public void FN0201_on_narrow_rows_names_the_kernel_that_runs_the_chain_with_AVX512(string chain, string expected, bool avx512Kernel)
    {
        // A 3×3 plane of 32 channels: no Vector256 row. 64 outputs into a global average take the lane kernel, a depthwise
        // conv the depthwise lane kernel; 24 outputs (not a multiple of 16) have no AVX-512 kernel, and the message adds none.
        var run = GeneratorHarness.RunGenerator(Model($"{chain} public partial void S{Signature}", model: "[Model(32, 3, 3)]"));
        var d = Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0201");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains(expected, d.GetMessage());
        Assert.Equal(avx512Kernel, d.GetMessage().Contains("where AVX-512 is available"));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void FN0201_is_not_reported_for_a_depthwise_conv_the_channel_lane_kernel_runs()
    {
        // A 9×9 depthwise conv onto rows of 7 columns: no Vector256 row, but the channel-lane kernel (8 channels per
        // Vector256) runs it wherever Vector256 is accelerated, so nothing falls back to scalar code that others do not.
        var run = GeneratorHarness.RunGenerator(Model($"[Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(16, KernelSize = 9, Padding = 4, Groups = 16, Name = \"c\")] public partial void S{Signature}", model: "[Model(16, 9, 7)]"));
        Assert.DoesNotContain(run.GeneratorDiagnostics, x => x.Id == "FN0201");
        Assert.Contains(run.Sources, s => s.SourceText.ToString().Contains("_ChannelLanes_V256("));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void FN0201_scalar_fallback_is_a_warning_and_still_generates()
    {
        var run = GeneratorHarness.RunGenerator(Model($"[Fuse(Layer.Linear)] [Linear(5, Name = \"fc\")] public partial void S{Signature}"));
        var d = Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0201");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("fewer than one Vector256", d.GetMessage());
        Assert.NotEmpty(run.Sources);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void FN0127_avgpool3d_window_beyond_the_unpadded_input()
    {
        // Within the padded input (4 + 2·2 ≥ 5), which MaxPool3d and AvgPool2d accept; avg_pool3d does not (libtorch 2.10).
        var d = Single(Model($"[Fuse(Layer.Conv3d, Layer.AvgPool3d)] [Conv3d(4, KernelSize = 1, Name = \"c\")] [AvgPool3d(KernelSize = 5, Padding = 2)] public partial void S{Signature}",
            model: "[Model(2, 4, 4, 4)]"), "FN0127");
        AssertMessage(d, "AvgPool3d window 5×5×5", "unpadded input (4×4×4)", "kernel_size 4 or less");
    }

    [Fact]
    public void FN0014_training_forward_without_batch_statistics()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GroupNorm, TrainingForward = true)] [Conv2d(4, KernelSize = 3, Name = \"c\")] [GroupNorm(2, Name = \"gn\")] public partial void S{Signature}"), "FN0014");
        AssertMessage(d, "GroupNorm", "remove TrainingForward");
    }

    [Fact]
    public void FN0005_instance_norm_after_linear()
    {
        var d = Single(Model($"[Fuse(Layer.Linear, Layer.InstanceNorm1d)] [Linear(8, Name = \"fc\")] public partial void S{Signature}"), "FN0005");
        AssertMessage(d, "InstanceNorm1d follows Linear");
    }

    [Fact]
    public void FN0005_norm_rank_must_match_the_convolution()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.InstanceNorm3d)] [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0005");
        AssertMessage(d, "use InstanceNorm2d");
    }

    [Fact]
    public void FN0107_num_groups_does_not_divide_channels()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GroupNorm)] [Conv2d(6, KernelSize = 3, Name = \"c\")] [GroupNorm(4, Name = \"gn\")] public partial void S{Signature}"), "FN0107");
        AssertMessage(d, "num_groups = 4", "6 channels");
    }

    [Fact]
    public void FN0107_conv_groups_do_not_divide_channels()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d)] [Conv2d(4, KernelSize = 3, Groups = 2, Name = \"c\")] public partial void S{Signature}"), "FN0107");
        AssertMessage(d, "groups = 2", "in_channels (3)");
    }

    [Fact]
    public void FN0108_layer_norm_shape_does_not_match_trailing_dims()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.LayerNorm)] [Conv2d(4, KernelSize = 3, Padding = 1, Name = \"c\")] [LayerNorm(16, 15, Name = \"ln\")] public partial void S{Signature}"), "FN0108");
        AssertMessage(d, "[16, 15]", "(4, 16, 16)");
    }

    [Fact]
    public void FN0103_group_norm_num_channels_mismatch()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GroupNorm)] [Conv2d(8, KernelSize = 3, Name = \"c\")] [GroupNorm(2, NumChannels = 6, Name = \"gn\")] public partial void S{Signature}"), "FN0103");
        AssertMessage(d, "num_channels = 6", "receives 8", "NumChannels = 8");
    }

    [Fact]
    public void FN0006_group_norm_needs_its_attribute()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.GroupNorm)] [Conv2d(8, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0006");
        AssertMessage(d, "[GroupNorm(...)]");
    }

    [Fact]
    public void Generator_does_not_throw_on_broken_source()
    {
        // Half-typed attributes and missing types must produce diagnostics, never an exception into the compiler.
        var run = GeneratorHarness.RunGenerator("""
            using FusedNorm;
            [Model(3, 8,
            public partial class Broken
            {
                [Fuse(Layer.Conv2d, Layer.)] [Conv2d(KernelSize = )] public partial void S(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """);
        Assert.Null(run.Result.Exception);
    }
}
