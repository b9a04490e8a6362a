using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>One test per diagnostic of graphs and residual adds (FN0016–FN0021, FN0110, and FN0005/FN0012 for the add).</summary>
public class GraphDiagnosticTests
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
    private const string SkipSignature = "(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);";
    private const string Conv = "[Conv2d(8, KernelSize = 3, Padding = 1, Name = \"{0}\")]";

    private static string Chain(string name, string fuse, string signature = Signature, string conv = "") =>
        $"[Fuse({fuse})] {(conv.Length > 0 ? conv : string.Format(Conv, name.ToLowerInvariant()))} public partial void {name}{signature}\n";

    private static Diagnostic Single(string source, string id)
    {
        var run = GeneratorHarness.RunGenerator(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1,
            $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.NotEqual(Location.None, matching[0].Location);
        return matching[0];
    }

    private static void AssertMessage(Diagnostic d, params string[] fragments)
    {
        foreach (string fragment in fragments) Assert.Contains(fragment, d.GetMessage());
    }

    [Fact]
    public void A_residual_graph_generates_clean_code()
    {
        var run = GeneratorHarness.RunGenerator(Model(
            Chain("A", "Layer.Conv2d, Layer.ReLU") +
            Chain("B", "Layer.Conv2d, Layer.Add, Layer.ReLU, Skip = Graph.Input", SkipSignature) +
            Chain("C", "Layer.Conv2d, Layer.Add, Input = nameof(A), Skip = nameof(B)", SkipSignature)));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        string model = run.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs")).SourceText.ToString();
        Assert.Contains("Peak: 4096 floats per sample", model);
    }

    [Theory]
    [InlineData("Input = \"Nope\"", "Input = \"Nope\"")]
    [InlineData("Layer.Add, Skip = \"Nope\"", "Skip = \"Nope\"")]
    public void FN0016_unknown_source(string extra, string expected)
    {
        string signature = extra.Contains("Add") ? SkipSignature : Signature;
        var d = Single(Model(Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, " + extra, signature)), "FN0016");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        AssertMessage(d, "Chain 'B'", expected, "names no [Fuse] method of 'Net'", "Graph.Input");
    }

    [Fact]
    public void FN0017_source_declared_later()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d, Input = nameof(B)") + Chain("B", "Layer.Conv2d")), "FN0017");
        AssertMessage(d, "Chain 'A'", "Input = \"B\"", "is declared after it");
    }

    [Fact]
    public void FN0017_a_chain_cannot_add_its_own_output()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, Layer.Add, Skip = nameof(B)", SkipSignature)), "FN0017");
        AssertMessage(d, "Skip = \"B\"", "is the chain itself");
    }

    [Fact]
    public void FN0018_add_without_skip()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d, Layer.Add, Layer.ReLU", SkipSignature)), "FN0018");
        AssertMessage(d, "lists Layer.Add but sets no Skip");
    }

    [Fact]
    public void FN0018_skip_without_add()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d, Layer.ReLU, Skip = Graph.Input")), "FN0018");
        AssertMessage(d, "sets Skip = \"@input\" but lists no Layer.Add", "Conv2d, BatchNorm2d, Add, ReLU");
    }

    [Fact]
    public void FN0019_unread_output_is_a_warning()
    {
        var run = GeneratorHarness.RunGenerator(Model(
            Chain("A", "Layer.Conv2d") + Chain("B", "Layer.Conv2d, Input = Graph.Input")));
        var d = Assert.Single(run.GeneratorDiagnostics, x => x.Id == "FN0019");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        AssertMessage(d, "Chain 'A'", "no later chain takes its output");
        Assert.Empty(run.CompileErrors);
    }

    [Theory]
    [InlineData("public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch) { }", "Forward", "the model's Forward")]
    [InlineData("public const int InputSize = 3;", "InputSize", "the model's InputSize")]
    [InlineData("public void LoadWeights(string path) { }", "LoadWeights", "the model's LoadWeights")]
    [InlineData("private float[]? _aWeights;", "_aWeights", "a weight field of chain 'A'")]
    [InlineData("private void LoadA(FusedNorm.SafeTensorsFile f) { }", "LoadA", "the load step of chain 'A'")]
    [InlineData("public void A(System.Numerics.Tensors.ReadOnlyTensorSpan<float> x, System.Numerics.Tensors.TensorSpan<float> y) { }", "A", "the tensor overload of chain 'A'")]
    [InlineData("public static System.Numerics.Tensors.Tensor<float> CreateInput(int batch) => null!;", "CreateInput", "the model's CreateInput")]
    [InlineData("public static int[] InputLengths => new int[0];", "InputLengths", "the model's InputLengths")]
    public void FN0020_member_named_like_a_generated_one(string member, string name, string what)
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d") + member), "FN0020");
        AssertMessage(d, $"'Net' declares '{name}'", what, "rename yours");
    }

    [Fact]
    public void FN0020_an_overload_of_a_generated_method_is_fine()
    {
        var run = GeneratorHarness.RunGenerator(Model(Chain("A", "Layer.Conv2d") +
            "public float[] Forward(float[] x) { var y = new float[OutputSize]; Forward(x, y, 1); return y; }"));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "FN0020");
        Assert.Empty(run.CompileErrors);
    }

    [Theory]
    [InlineData(Signature, "lists Layer.Add but has no parameter for the tensor it adds")]
    [InlineData("(ReadOnlySpan<float> x, float[] skip, Span<float> y, int batch);", "its second parameter is the skip tensor, a ReadOnlySpan<float>")]
    [InlineData("(ReadOnlySpan<float> x, Span<float> y, int batch, ReadOnlySpan<float> skip);", "its second parameter is the skip tensor")]
    [InlineData("(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, long batch);", "has a fourth parameter that is not int")]
    public void FN0021_chain_with_add_needs_a_skip_parameter(string signature, string expected)
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d, Layer.Add, Skip = Graph.Input", signature)), "FN0021");
        AssertMessage(d, expected, "partial void A(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch)");
    }

    [Fact]
    public void FN0110_shapes_differ_at_an_add()
    {
        var d = Single(Model(Chain("A", "Layer.Conv2d, Layer.Add, Skip = Graph.Input", SkipSignature,
            "[Conv2d(8, KernelSize = 3, Stride = 2, Padding = 1, Name = \"a\")]")), "FN0110");
        AssertMessage(d, "the model input, of shape (8, 16, 16)", "the chain's output, of shape (8, 8, 8)", "1×1 conv");
    }

    [Theory]
    [InlineData("Layer.Conv2d, Layer.Add, Layer.MaxPool2d", "MaxPool2d follows Add")]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.Add", "Add follows ReLU")]
    [InlineData("Layer.Conv2d, Layer.Add, Layer.Conv2d, Layer.Add", "at most one Add")]
    public void FN0005_add_position(string layers, string expected)
    {
        var d = Single(Model($"[Fuse({layers}, Skip = Graph.Input)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c\")] [Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c2\")] [MaxPool2d(KernelSize = 2)] public partial void S{SkipSignature}"), "FN0005");
        AssertMessage(d, expected);
    }

    [Fact]
    public void FN0005_add_after_linear()
    {
        var d = Single(Model($"[Fuse(Layer.Linear, Layer.Add, Skip = Graph.Input)] [Linear(8, Name = \"fc\")] public partial void S{SkipSignature}"), "FN0005");
        AssertMessage(d, "Add follows a Linear layer");
    }

    [Fact]
    public void FN0012_training_forward_with_add()
    {
        var d = Single(Model($"[Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, TrainingForward = true, Skip = Graph.Input)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{SkipSignature}"), "FN0012");
        AssertMessage(d, "TrainingForward is not supported yet on a chain with Layer.Add");
    }

    [Fact]
    public void A_split_chain_with_add_takes_the_skip_in_its_own_method()
    {
        // A whole basic block in one [Fuse] list: conv-bn-relu | conv-bn-add-relu, the add in the second kernel.
        var run = GeneratorHarness.RunGenerator(Model(
            "[Fuse(Layer.Conv2d, Layer.ReLU, Layer.Conv2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c1\")] [Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c2\")] public partial void Block" + SkipSignature));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("FN0202", d.Id));
        Assert.Empty(run.CompileErrors);
    }
}
