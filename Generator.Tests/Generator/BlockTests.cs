using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm.Generator.Parse;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Names = FusedNorm.Generator.FusedNormGenerator.TrackingNames;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Blocks declared once and used at several shapes ([Block] + [Use&lt;TBlock&gt;]): how a use expands (names, state_dict
/// keys, the graph inside the block, parameters computed per use), its snapshot, the block diagnostics FN0040–FN0045, shape
/// errors that name the use, and incremental caching with the block in another file. The numbers of an expanded model are
/// checked against the scalar reference in ResidualTests (ProjectionBlocks) and against libtorch in ResNet18Tests.
/// </summary>
public class BlockTests
{
    private const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";

    /// <summary>A model on (8, 16, 16) whose members are <paramref name="members"/>, and a block class with <paramref name="block"/>.</summary>
    private static string Source(string members, string block) => $$"""
        using System;
        using FusedNorm;
        namespace Tests;
        [Model(8, 16, 16)]
        public sealed partial class Net
        {
        {{members}}
        }
        [Block]
        public sealed partial class Res
        {
        {{block}}
        }
        """;

    /// <summary>A basic block: Planes, Stride and a Downsample flag; conv1 (3×3, stride), optional 1×1 shortcut, conv2 + add.</summary>
    private const string Basic = """
            const int Planes = 8, Stride = 1;
            const bool Downsample = false;
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
            [Conv2d(Planes, KernelSize = 3, Stride = Stride, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
            partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = Graph.Input, When = nameof(Downsample))]
            [Conv2d(Planes, KernelSize = 1, Stride = Stride, Bias = false, Name = "downsample.0")] [BatchNorm(Name = "downsample.1")]
            partial void Shortcut(ReadOnlySpan<float> x, Span<float> y, int batch);
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(Conv1), Skip = nameof(Shortcut))]
            [Conv2d(Planes, KernelSize = 3, Padding = 1, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
            partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
        """;

    private static Diagnostic Single(GeneratorHarness.Run run, string id)
    {
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Assert.NotEqual(Location.None, matching[0].Location);
        // One mistake, one error: the model's stub keeps C# from adding its own errors.
        Assert.DoesNotContain(run.CompileErrors, d => d.Id.StartsWith("CS", StringComparison.Ordinal));
        return matching[0];
    }

    private static string Text(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

    private static string ModelFile(GeneratorHarness.Run run) => run.Sources.Single(s => s.HintName.EndsWith(".Model.g.cs", StringComparison.Ordinal)).SourceText.ToString();

    [Theory]
    [InlineData("layer2.0", "Layer2_0")]
    [InlineData("layer1", "Layer1")]
    [InlineData("features.3.block", "Features_3_block")]
    [InlineData("0.conv", "_0_conv")]
    [InlineData("encoder-1.x", "Encoder_1_x")]
    public void A_prefix_becomes_the_start_of_the_generated_method_names(string prefix, string expected) =>
        Assert.Equal(expected, BlockExpander.MethodPrefix(prefix));

    /// <summary>Parse alone: the spec a use expands to, chain by chain, and that it is plain data equal across compilations.</summary>
    [Fact]
    public void Parse_expands_each_use_into_chain_specs_with_resolved_sources()
    {
        FusedNorm.Generator.Spec.ModelSpec Parse()
        {
            var compilation = GeneratorHarness.CreateCompilation(Numerics.ResidualTests.ProjectionBlocks);
            var type = compilation.GetTypeByMetadataName("Residual.ProjectionBlocks")!;
            var syntax = (Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax)type.DeclaringSyntaxReferences[0].GetSyntax();
            var result = ModelParser.Parse(type, syntax, compilation, default);
            Assert.Empty(result.Diagnostics);
            return result.Value!;
        }
        var spec = Parse();
        var rows = spec.Chains.Select(c => $"{c.MethodName} {c.MethodModifiers} in={c.Input ?? "-"} skip={c.Skip ?? "-"} conv={c.Conv!.Name} k={c.Conv.KernelSize} s={c.Conv.Stride} p={c.Conv.Padding} out={c.Conv.OutChannels} norm={c.Norm!.Name} block={c.Block ?? "-"}").ToArray();
        Assert.Equal(new[]
        {
            "Stem public in=- skip=- conv=stem k=3 s=1 p=1 out=16 norm=bn0 block=-",
            "Layer_Conv1 public in=Stem skip=- conv=layer.conv1 k=3 s=2 p=1 out=32 norm=layer.bn1 block=layer: Basic.Conv1",
            "Layer_Shortcut public in=Stem skip=- conv=layer.downsample.0 k=1 s=2 p=0 out=32 norm=layer.downsample.1 block=layer: Basic.Shortcut",
            "Layer_Conv2 public in=Layer_Conv1 skip=Layer_Shortcut conv=layer.conv2 k=3 s=1 p=1 out=32 norm=layer.bn2 block=layer: Basic.Conv2",
            "Next_Conv1 public in=Layer_Conv2 skip=- conv=next.conv1 k=3 s=1 p=1 out=32 norm=next.bn1 block=next: Basic.Conv1",
            "Next_Conv2 public in=Next_Conv1 skip=Layer_Conv2 conv=next.conv2 k=3 s=1 p=1 out=32 norm=next.bn2 block=next: Basic.Conv2",
        }, rows);
        // The chains of a use point at the use, where Plan's shape errors about them belong.
        Assert.All(spec.Chains.Skip(1), c => Assert.Equal(spec.Chains[1].Location!.FilePath, c.Location!.FilePath));
        Assert.NotEqual(spec.Chains[1].Location, spec.Chains[4].Location);
        // A new compilation of the same text gives an equal spec: the cached model is plain data.
        Assert.Equal(spec, Parse());
    }

    [Fact]
    public void Uses_expand_into_chains_named_by_prefix_with_the_graph_of_the_block()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.ResidualTests.ProjectionBlocks);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var files = run.Sources.Select(s => s.HintName).ToList();
        foreach (string chain in new[] { "Stem", "Layer_Conv1", "Layer_Shortcut", "Layer_Conv2", "Next_Conv1", "Next_Conv2" })
            Assert.Contains($"Residual.ProjectionBlocks.{chain}.g.cs", files);
        Assert.DoesNotContain("Residual.ProjectionBlocks.Next_Shortcut.g.cs", files); // "next" sets no Downsample

        string model = ModelFile(run);
        // PyTorch's keys: the prefix, then the block's own names.
        foreach (string key in new[] { "layer.conv1.weight", "layer.downsample.0.weight", "layer.downsample.1.running_var", "next.bn2.bias" })
            Assert.Contains($"\"{key}\"", model);
        Assert.DoesNotContain("next.downsample", model);
        // The graph: Graph.Input in the block is the use's input; an absent Shortcut passes its input (the block's) on.
        Assert.Equal(2, model.Split("// Stem → (batch, 32, 16, 16)").Length - 1);     // Layer_Conv1 and Layer_Shortcut read the stem
        Assert.Contains("// Layer_Conv1 + skip Layer_Shortcut → (batch, 32, 16, 16)", model);
        Assert.Contains("// Next_Conv1 + skip Layer_Conv2 → (batch, 32, 16, 16)", model); // identity = the block's input
    }

    [Fact]
    public void Each_use_gets_kernels_for_its_own_parameters_and_shapes()
    {
        // The same block at kernel 3 (the default) and kernel 5 (computed padding Kernel / 2 = 2): both keep 16×16.
        string block = """
                const int Kernel = 3;
                [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(8, KernelSize = Kernel, Padding = Kernel / 2, Name = "conv")]
                partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
            """;
        var run = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"a\")] [Use<Res>(\"b\", 5)] partial void Blocks();", block));
        Assert.Empty(run.CompileErrors);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string a = run.Sources.Single(s => s.HintName == "Tests.Net.A_Conv.g.cs").SourceText.ToString();
        string b = run.Sources.Single(s => s.HintName == "Tests.Net.B_Conv.g.cs").SourceText.ToString();
        Assert.Contains("Conv3x3", a);
        Assert.Contains("Conv5x5", b);
        Assert.Contains("from block use a: Res.Conv", a);
        Assert.Contains("public void A_Conv(", a); // callable alone, like a declared chain
        Assert.Contains("\"b.conv.weight\"", ModelFile(run));
    }

    [Fact]
    public void A_use_can_fuse_the_layers_after_the_block_into_its_last_chain()
    {
        var run = GeneratorHarness.RunGenerator(Source(
            "[Use<Res>(\"layer\", 8, Then = new[] { Layer.AdaptiveAvgPool2d, Layer.Flatten })] partial void Blocks();\n" +
            "[Fuse(Layer.Linear)] [Linear(4, Name = \"fc\")] public partial void Fc" + Signature, Basic));
        Assert.Empty(run.CompileErrors);
        // FN0201 (a warning) only says the 4-output head runs on the scalar path.
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "FN0201"));
        Assert.Contains("Layer_Conv2(", ModelFile(run));
        Assert.Contains("→ (batch, 8)", ModelFile(run)); // pooled and flattened by the block's last kernel
    }

    [Fact]
    public void Snapshot_of_a_block_model()
    {
        var run = GeneratorHarness.RunGenerator(Numerics.ResidualTests.ProjectionBlocks);
        Assert.Empty(run.CompileErrors);
        Snapshot.Verify("SnapshotTests.Blocks#Residual.ProjectionBlocks.Model", ModelFile(run));
        Snapshot.Verify("SnapshotTests.Blocks#Residual.ProjectionBlocks.Layer_Conv2",
            run.Sources.Single(s => s.HintName == "Residual.ProjectionBlocks.Layer_Conv2.g.cs").SourceText.ToString());
    }

    [Fact]
    public void FN0040_use_of_a_class_that_is_not_a_block()
    {
        string source = Source("[Use<Other>(\"layer1\")] partial void Blocks();\n[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 1, Name = \"c\")] public partial void C" + Signature, Basic)
            + "\npublic sealed class Other { }";
        Diagnostic d = Single(GeneratorHarness.RunGenerator(source), "FN0040");
        Assert.Contains("'Other' is not a block", d.GetMessage());
        Assert.StartsWith("Use<Other>", Text(d));
    }

    [Theory]
    [InlineData("\"layer1\", 8, 1, false, 4", "gives 4 arguments, but the block has 3 parameter(s): int Planes = 8, int Stride = 1, bool Downsample = false")]
    [InlineData("\"layer1\", true", "argument 1 is true, but parameter 'Planes' is an int")]
    [InlineData("\"layer1\", 8, 1, 1", "argument 3 is 1, but parameter 'Downsample' is a bool")]
    [InlineData("\"\"", "the prefix must be the block's state_dict path")]
    [InlineData("\"layer1.\"", "the prefix must be the block's state_dict path")]
    public void FN0041_bad_prefix_or_argument(string arguments, string expected)
    {
        Diagnostic d = Single(GeneratorHarness.RunGenerator(Source($"[Use<Res>({arguments})] partial void Blocks();", Basic)), "FN0041");
        Assert.Contains(expected, d.GetMessage());
        Assert.StartsWith("Use<Res>", Text(d));
    }

    [Fact]
    public void FN0042_a_parameter_expression_that_cannot_be_computed_at_a_use()
    {
        string block = """
                const int Groups = 1;
                [Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Padding = 2 / Groups, Name = "conv")]
                partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
            """;
        var run = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"fine\")] [Use<Res>(\"broken\", 0)] partial void Blocks();", block));
        Diagnostic d = Single(run, "FN0042");
        Assert.Contains("Use 'broken' of block 'Res': the argument '2 / Groups' of chain 'Conv' divides by zero", d.GetMessage());
        Assert.Equal("Use<Res>(\"broken\", 0)", Text(d));
    }

    [Fact]
    public void Parameter_expressions_follow_the_use_for_bool_and_conditional_arguments()
    {
        string block = """
                const int Width = 8;
                [Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Bias = Width > 4, Name = "conv")]
                partial void Conv(ReadOnlySpan<float> x, Span<float> y, int batch);
                [Fuse(Layer.Conv2d)] [Conv2d(Width, KernelSize = 1, Name = "conv2", Padding = Width > 4 ? 0 : 1)]
                partial void Conv2(ReadOnlySpan<float> x, Span<float> y, int batch);
            """;
        // Width 2 at this use: Width > 4 is false, so conv has no bias and conv2 pads by 1.
        var run = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"a\", 2)] partial void Blocks();", block));
        Assert.Empty(run.CompileErrors);
        string model = ModelFile(run);
        Assert.DoesNotContain("\"a.conv.bias\"", model);
        Assert.Contains("\"a.conv2.bias\"", model);
        Assert.Contains("→ (batch, 2, 16, 16)", model); // conv (3×3, no padding) 14×14, then conv2: 1×1 with padding 1
    }

    [Theory]
    [InlineData("Stride", "'Stride' is an int: When takes a const bool of the block")]
    [InlineData("Nope", "block 'Res' has no constant of that name")]
    public void FN0043_when_names_no_bool_parameter(string when, string expected)
    {
        string block = Basic.Replace("When = nameof(Downsample)", $"When = \"{when}\"");
        Diagnostic d = Single(GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1\")] partial void Blocks();", block)), "FN0043");
        Assert.Contains(expected, d.GetMessage());
        Assert.Equal("Shortcut", Text(d)); // at the block's chain, where the fix goes
    }

    [Theory]
    [InlineData("When")]
    [InlineData("Unless")]
    public void FN0043_when_or_unless_on_a_model_chain(string property)
    {
        var model = GeneratorHarness.RunGenerator(Source($"[Fuse(Layer.Conv2d, {property} = \"X\")] [Conv2d(8, KernelSize = 1, Name = \"c\")] public partial void C" + Signature, Basic));
        Assert.Contains($"{property} is for the chains of a [Block] class", Single(model, "FN0043").GetMessage());
    }

    /// <summary>
    /// MobileNetV2's inverted residual in small: the projection adds the block's input only when the use keeps the shape
    /// (stride 1, In == Out). Two alternative last chains (When / Unless on a derived bool), the hidden width a derived
    /// constant, and state_dict names that depend on a parameter (a string conditional).
    /// </summary>
    private const string Inverted = """
            const int In = 8, Out = 8, Stride = 1, Ratio = 2;
            const int Hidden = In * Ratio;
            const bool Expands = Ratio != 1, Residual = Stride == 1 && In == Out;
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, When = nameof(Expands))]
            [Conv2d(Hidden, KernelSize = 1, Bias = false, Name = "conv.0.0")] [BatchNorm(Name = "conv.0.1")]
            partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
            [Conv2d(Hidden, KernelSize = 3, Stride = Stride, Padding = 1, Groups = Hidden, Bias = false, Name = Expands ? "conv.1.0" : "conv.0.0")] [BatchNorm(Name = Expands ? "conv.1.1" : "conv.0.1")]
            partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = Graph.Input, When = nameof(Residual))]
            [Conv2d(Out, KernelSize = 1, Bias = false, Name = Expands ? "conv.2" : "conv.1")] [BatchNorm(Name = Expands ? "conv.3" : "conv.2")]
            partial void ProjectAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(Depthwise), Unless = nameof(Residual))]
            [Conv2d(Out, KernelSize = 1, Bias = false, Name = Expands ? "conv.2" : "conv.1")] [BatchNorm(Name = Expands ? "conv.3" : "conv.2")]
            partial void Project(ReadOnlySpan<float> x, Span<float> y, int batch);
        """;

    [Fact]
    public void Derived_constants_string_names_and_alternative_last_chains_follow_each_use()
    {
        // f1: no expansion (ratio 1), 8 → 4: depthwise then the plain projection. f2: 4 → 4, ratio 3: expand to 12, then the
        // projection with the add. f3: 4 → 6 stride 2: expand to 8, projection without the add.
        var run = GeneratorHarness.RunGenerator(Source(
            "[Use<Res>(\"f1\", 8, 4, 1, 1)] [Use<Res>(\"f2\", 4, 4, 1, 3)] [Use<Res>(\"f3\", 4, 6, 2, 2)] partial void Blocks();", Inverted));
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        string model = ModelFile(run);
        // Keys depend on Expands: f1 has no expand, so its depthwise is conv.0.0 and its projection conv.1.
        foreach (string key in new[] { "f1.conv.0.0.weight", "f1.conv.1.weight", "f1.conv.2.running_mean", "f2.conv.0.0.weight",
                     "f2.conv.1.0.weight", "f2.conv.2.weight", "f2.conv.3.bias", "f3.conv.1.1.running_var", "f3.conv.2.weight" })
            Assert.Contains($"\"{key}\"", model);
        Assert.DoesNotContain("\"f1.conv.1.0.weight\"", model);
        Assert.DoesNotContain("\"f1.conv.3.bias\"", model);
        // Which chains each use has: f2 adds its input; f1 and f3 do not.
        Assert.Contains("public void F1_Project(", model);
        Assert.DoesNotContain("F1_ProjectAdd(", model);
        Assert.DoesNotContain("F1_Expand(", model);
        Assert.Contains("public void F2_ProjectAdd(", model);
        Assert.DoesNotContain("F2_Project(", model);
        Assert.Contains("public void F3_Project(", model);
        // Hidden = In · Ratio at each use: 12 channels at f2, 8 at f3 (on f2's 4-channel 16×16 output, stride 2 → 8×8).
        Assert.Contains("→ (batch, 12, 16, 16)", model);
        Assert.Contains("→ (batch, 8, 8, 8)", model);
        Assert.Contains("→ (batch, 6, 8, 8)", model);
    }

    [Fact]
    public void A_derived_constant_is_not_a_parameter_and_a_use_that_leaves_out_every_chain_is_an_error()
    {
        // Five arguments: the block has four parameters (In, Out, Stride, Ratio); Hidden, Expands and Residual are computed.
        var tooMany = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"f\", 8, 8, 1, 2, 16)] partial void Blocks();", Inverted));
        Assert.Contains("the block has 4 parameter(s): int In = 8, int Out = 8, int Stride = 1, int Ratio = 2", Single(tooMany, "FN0041").GetMessage());

        const string none = """
                const bool Kept = false;
                [Fuse(Layer.Conv2d, When = nameof(Kept))] [Conv2d(8, KernelSize = 1, Name = "a")] partial void A(ReadOnlySpan<float> x, Span<float> y, int batch);
                [Fuse(Layer.Conv2d, When = nameof(Kept))] [Conv2d(8, KernelSize = 1, Name = "b")] partial void B(ReadOnlySpan<float> x, Span<float> y, int batch);
            """;
        var empty = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"f\")] partial void Blocks();", none));
        Assert.Contains("every chain of the block is left out by its When or Unless", Single(empty, "FN0041").GetMessage());
    }

    [Fact]
    public void FN0044_block_without_chains()
    {
        Diagnostic d = Single(GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1\")] partial void Blocks();\n[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 1, Name = \"c\")] public partial void C" + Signature,
            "const int Planes = 8;")), "FN0044");
        Assert.Contains("Block 'Res' declares no [Fuse] chain, so use 'layer1' computes nothing", d.GetMessage());
    }

    [Fact]
    public void FN0045_a_block_that_uses_a_block()
    {
        string source = Source("[Use<Res>(\"layer1\")] partial void Blocks();", Basic + "\n[Use<Inner>(\"inner\")] partial void Nested();")
            + "\n[Block] public sealed partial class Inner { [Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 1, Name = \"c\")] partial void C" + Signature + " }";
        Diagnostic d = Single(GeneratorHarness.RunGenerator(source), "FN0045");
        Assert.Contains("Block 'Res' has [Use<Inner>(\"inner\")]: a block cannot use blocks yet", d.GetMessage());
        Assert.Equal("Use<Inner>(\"inner\")", Text(d));
    }

    [Fact]
    public void A_shape_error_inside_a_block_names_the_use_and_points_at_it()
    {
        // layer2.0 changes the width (8 → 16) without its downsample: the identity shortcut has the wrong shape there only.
        var run = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1.0\")] [Use<Res>(\"layer2.0\", 16)] partial void Blocks();", Basic));
        Diagnostic d = Single(run, "FN0110");
        Assert.Contains("Chain 'Layer2_0_Conv2'", d.GetMessage());
        Assert.Equal("Use<Res>(\"layer2.0\", 16)", Text(d));
    }

    [Fact]
    public void A_mistake_inside_a_block_is_reported_once_at_the_block()
    {
        string broken = Basic.Replace("[Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]", "[Fuse(Layer.Conv2d, Layer.ReLU, Layer.BatchNorm2d)]");
        var run = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1.0\")] [Use<Res>(\"layer1.1\")] partial void Blocks();", broken));
        Diagnostic d = Single(run, "FN0005");
        Assert.Equal("Conv1", Text(d));
    }

    [Fact]
    public void Two_uses_with_one_prefix_are_duplicate_names_and_a_member_named_like_a_use_chain_collides()
    {
        var duplicate = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1\")] [Use<Res>(\"layer1\")] partial void Blocks();", Basic));
        Assert.Contains(duplicate.GeneratorDiagnostics, d => d.Id == "FN0009" && d.GetMessage().Contains("layer1.conv1"));

        var collision = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1\")] partial void Blocks();\npublic int Layer1_Conv1;", Basic));
        Assert.Contains("Layer1_Conv1", Single(collision, "FN0020").GetMessage());

        // A declared chain, or another use's chain, that gets the same method name: one FN0020, not a clash in generated code.
        var chain = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer1\")] partial void Blocks();\n" +
            "[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 1, Name = \"c\")] public partial void Layer1_Conv2" + Signature, Basic));
        Assert.Contains("declares 'Layer1_Conv2', but FusedNorm generates a member of that name (the chain layer1: Res.Conv2)", Single(chain, "FN0020").GetMessage());
        var uses = GeneratorHarness.RunGenerator(Source("[Use<Res>(\"layer.1\")] [Use<Res>(\"layer_1\")] partial void Blocks();", Basic));
        Assert.Equal(2, uses.GeneratorDiagnostics.Count(d => d.Id == "FN0020")); // both uses would write Layer_1_Conv1 and Layer_1_Conv2
    }

    // ---- incremental caching with the block in a file of its own ----

    private static readonly string ModelOnly = """
        using System;
        using FusedNorm;
        namespace Tests;
        [Model(8, 16, 16)]
        public sealed partial class Net
        {
            [Use<Res>("layer1.0")] [Use<Res>("layer2.0", 16, 2, true)] partial void Blocks();
        }
        """;

    private static readonly string BlockOnly = "using System;\nusing FusedNorm;\nnamespace Tests;\n[Block]\npublic sealed partial class Res\n{\n" + Basic + "\n}\n";

    private static GeneratorRunResult RunTwice(Func<Compilation, Compilation> edit)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(ModelOnly, BlockOnly);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        return driver.GetRunResult().Results.Single();
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void An_unrelated_edit_leaves_a_block_model_cached()
    {
        var result = RunTwice(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X; }", GeneratorHarness.ParseOptions)));
        foreach (string step in new[] { Names.Parse, Names.Plan, Names.Models, Names.Chains })
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
    }

    [Fact]
    public void Editing_the_block_in_its_own_file_regenerates_its_uses()
    {
        string edited = BlockOnly.Replace("[Conv2d(Planes, KernelSize = 3, Padding = 1, Bias = false, Name = \"conv2\")]",
            "[Conv2d(Planes, KernelSize = 5, Padding = 2, Bias = false, Name = \"conv2\")]");
        Assert.NotEqual(BlockOnly, edited);
        var result = RunTwice(c =>
        {
            SyntaxTree old = c.SyntaxTrees.ElementAt(1);
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));
        });
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.Parse));
        var chains = Reasons(result, Names.Chains).ToList();
        Assert.Equal(5, chains.Count); // layer1.0: conv1, conv2; layer2.0: conv1, downsample, conv2
        Assert.Equal(2, chains.Count(r => r == IncrementalStepRunReason.Modified)); // each use's conv2
    }
}
