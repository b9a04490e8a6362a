using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using static FusedNorm.Tests.Generator.DiagnosticTests;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// One test per diagnostic of a norm or activation listed before the convolution (FN0050–FN0052), and FN0103 for a
/// pre-activation BatchNorm whose NumFeatures is not the conv's input channels.
/// </summary>
public class PreActDiagnosticTests
{
    [Theory]
    [InlineData("Layer.ReLU, Layer.BatchNorm2d, Layer.Conv2d", "[BatchNorm(Name = \"bn\")]", "at most one BatchNorm, then at most one activation")]
    [InlineData("Layer.BatchNorm2d, Layer.ReLU, Layer.SiLU, Layer.Conv2d", "[BatchNorm(Name = \"bn\")]", "at most one BatchNorm, then at most one activation")]
    [InlineData("Layer.BatchNorm1d, Layer.ReLU, Layer.Conv2d", "[BatchNorm(Name = \"bn\")]", "use BatchNorm2d")]
    [InlineData("Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d, Layer.Conv2d", "[BatchNorm(Name = \"bn\")] [MaxPool2d(KernelSize = 2)]", "not composed")]
    [InlineData("Layer.Softmax, Layer.Conv2d", "", "Softmax")]
    public void FN0050_pre_activation_out_of_place(string layers, string attributes, string expected)
    {
        var d = Single(Model($"[Fuse({layers})] {attributes} [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0050");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        AssertMessage(d, "'S'", expected);
    }

    [Fact]
    public void FN0050_pre_activation_before_a_linear()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm1d, Layer.ReLU, Layer.Linear)] [BatchNorm(Name = \"bn\")] [Linear(4, Name = \"fc\")] public partial void S{Signature}", model: "[Model(16)]"), "FN0050");
        AssertMessage(d, "comes before Linear", "end the chain that produces this input with BatchNorm1d, ReLU");
    }

    [Fact]
    public void FN0050_pre_activation_with_a_training_forward()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm2d, Layer.Conv2d, Layer.BatchNorm2d, TrainingForward = true)] [BatchNorm(Name = \"bn0\")] [Conv2d(4, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}"), "FN0050");
        AssertMessage(d, "TrainingForward");
    }

    [Theory]
    [InlineData("Layer.GroupNorm, Layer.SiLU, Layer.Conv2d", "[GroupNorm(3, Name = \"gn\")]", "GroupNorm comes before Conv2d", "per sample and group")]
    [InlineData("Layer.InstanceNorm2d, Layer.Conv2d", "", "InstanceNorm2d comes before Conv2d", "per sample and channel")]
    [InlineData("Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d", "[BatchNorm(TrackRunningStats = false, Name = \"bn\")]", "BatchNorm2d comes before Conv2d", "TrackRunningStats = false")]
    public void FN0051_statistics_norm_before_a_conv(string layers, string attributes, string before, string why)
    {
        var d = Single(Model($"[Fuse({layers})] {attributes} [Conv2d(4, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0051");
        AssertMessage(d, "'S'", before, why, "end the chain that produces this input with");
    }

    [Theory]
    [InlineData("Layer.BatchNorm2d, Layer.GroupNorm", "[BatchNorm(Name = \"bn\")] [GroupNorm(2, Name = \"gn\")]", "at most one norm, then at most one activation")]
    [InlineData("Layer.ReLU, Layer.BatchNorm2d", "[BatchNorm(Name = \"bn\")]", "at most one norm, then at most one activation")]
    [InlineData("Layer.Softmax", "", "end the Linear chain with Layer.Softmax")]
    public void FN0052_standalone_chain_not_supported(string layers, string attributes, string expected)
    {
        var d = Single(Model($"[Fuse({layers})] {attributes} public partial void S{Signature}"), "FN0052");
        AssertMessage(d, "'S'", "lists no convolution or Linear layer", expected);
    }

    [Fact]
    public void FN0052_standalone_chain_with_a_training_forward()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm2d, TrainingForward = true)] [BatchNorm(Name = \"bn\")] public partial void S{Signature}"), "FN0052");
        AssertMessage(d, "TrainingForward");
    }

    /// <summary>A standalone BatchNorm2d on a (C, L) input, and a standalone norm after a Linear ((features) input): FN0105.</summary>
    [Fact]
    public void FN0105_standalone_norm_of_the_wrong_rank()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm2d)] [BatchNorm(Name = \"bn\")] public partial void S{Signature}", model: "[Model(3, 16)]"), "FN0105");
        AssertMessage(d, "BatchNorm2d (standalone)", "(C, H, W)", "(3, 16)");
        var flat = Single(Model($"[Fuse(Layer.ReLU)] public partial void S{Signature}", model: "[Model(16)]"), "FN0105");
        AssertMessage(flat, "after a Linear, end the Linear chain with it instead");
    }

    [Fact]
    public void FN0103_pre_activation_batchnorm_num_features()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d)] [BatchNorm(NumFeatures = 4, Name = \"bn\")] [Conv2d(8, KernelSize = 3, Name = \"c\")] public partial void S{Signature}"), "FN0103");
        AssertMessage(d, "BatchNorm2d 'bn'", "NumFeatures = 3", "before Conv2d 'c'");
    }

    /// <summary>The pre-activation's BatchNorm joins the model's state_dict names: a duplicate is FN0009.</summary>
    [Fact]
    public void FN0009_pre_activation_batchnorm_name_is_checked_for_duplicates()
    {
        var d = Single(Model($"[Fuse(Layer.BatchNorm2d, Layer.Conv2d, Layer.BatchNorm2d)] [BatchNorm(Name = \"bn\")] [Conv2d(8, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}"), "FN0009");
        AssertMessage(d, "bn");
    }
}
