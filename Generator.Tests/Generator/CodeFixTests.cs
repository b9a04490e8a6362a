using System.Linq;
using System.Threading.Tasks;
using FusedNorm.CodeFixes;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Each code fix applied to the mistake its diagnostic reports: the fixed source must say what the fix promised and
/// build cleanly through the generator (no FN error, no compiler error), and a mistake a fix cannot repair gets none.
/// </summary>
public class CodeFixTests
{
    private static string Model(string members, string classModifiers = "public sealed partial", string usings = "using System;\nusing FusedNorm;") => $$"""
        {{usings}}
        namespace Tests;
        [Model(3, 16, 16)]
        {{classModifiers}} class Net
        {
        {{members}}
        }
        """;

    private const string Signature = "(ReadOnlySpan<float> x, Span<float> y, int batch);";

    /// <summary>Applies the one fix offered for <paramref name="id"/> and checks the result builds; returns the fixed source.</summary>
    private static async Task<string> Fixed(CodeFixProvider provider, string source, string id, string expectedFragment)
    {
        CodeFixHarness.Fix fix = await CodeFixHarness.SingleFix(provider, source, id);
        Assert.Contains(expectedFragment, fix.FixedSource);
        var run = GeneratorHarness.RunGenerator(fix.FixedSource);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        return fix.FixedSource;
    }

    [Theory]
    [InlineData("public sealed", "public sealed partial class Net")]
    [InlineData("", "partial class Net")]
    public async Task FN0001_makes_the_class_partial(string modifiers, string expected)
    {
        string source = Model($"[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = \"c\")] public partial void S{Signature}", modifiers);
        string result = await Fixed(new MakePartialFix(), source, "FN0001", expected);
        // Only the modifier is added: every other character, the line breaks and indentation included, stays.
        Assert.Equal(source.Replace($"{modifiers} class Net", $"{modifiers} partial class Net"), result);
    }

    [Fact]
    public async Task FN0002_makes_the_method_a_partial_declaration_without_its_body()
    {
        string source = Model("[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = \"c\")]\n    public void S(ReadOnlySpan<float> x, Span<float> y, int batch)\n    {\n        y.Clear();\n    }");
        string result = await Fixed(new MakePartialFix(), source, "FN0002", "public partial void S(ReadOnlySpan<float> x, Span<float> y, int batch);");
        Assert.DoesNotContain("y.Clear()", result);
    }

    [Fact]
    public async Task FN0003_gives_the_chain_signature()
    {
        string source = Model("[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = \"c\")] public static partial void S(float[] input, float[] output, int n);");
        await Fixed(new ChainSignatureFix(), source, "FN0003", "public partial void S(ReadOnlySpan<float> input, Span<float> output, int n);");
    }

    [Fact]
    public async Task FN0003_without_using_System_writes_names_that_resolve()
    {
        string source = Model("[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Name = \"c\")] public partial void S(float[] x);", usings: "using FusedNorm;");
        await Fixed(new ChainSignatureFix(), source, "FN0003", "public partial void S(System.ReadOnlySpan<float> x, System.Span<float> y, int batch);");
    }

    [Fact]
    public async Task FN0021_adds_the_skip_parameter()
    {
        string source = Model($"[Fuse(Layer.Conv2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)] [Conv2d(3, KernelSize = 3, Padding = 1, Name = \"c\")] public partial void S{Signature}");
        await Fixed(new ChainSignatureFix(), source, "FN0021", "public partial void S(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);");
    }

    [Fact]
    public async Task FN0005_orders_the_layers_and_keeps_named_arguments()
    {
        string source = Model("[Fuse(Layer.Conv2d, Layer.ReLU, Layer.Add, Layer.BatchNorm2d, Skip = Graph.Input)] [Conv2d(3, KernelSize = 3, Padding = 1, Name = \"c\")] [BatchNorm(Name = \"bn\")] " +
            "public partial void S(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);");
        await Fixed(new LayerOrderFix(), source, "FN0005", "[Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = Graph.Input)]");
    }

    [Fact]
    public async Task FN0005_keeps_a_prologue_layer_before_its_conv()
    {
        string source = Model($"[Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.ReLU, Layer.InstanceNorm2d)] [ReflectionPad2d(1)] [Conv2d(8, KernelSize = 3, Name = \"c\")] public partial void S{Signature}");
        await Fixed(new LayerOrderFix(), source, "FN0005", "[Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]");
    }

    [Fact]
    public async Task FN0005_keeps_a_qualified_prefix()
    {
        // (ReLU before the Conv2d is a pre-activation, a legal order: the mistake is the ReLU before the BatchNorm after it.)
        string source = Model($"[Fuse(FusedNorm.Layer.Conv2d, FusedNorm.Layer.ReLU, FusedNorm.Layer.BatchNorm2d)] [Conv2d(8, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}");
        await Fixed(new LayerOrderFix(), source, "FN0005", "[Fuse(FusedNorm.Layer.Conv2d, FusedNorm.Layer.BatchNorm2d, FusedNorm.Layer.ReLU)]");
    }

    [Theory]
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.Dropout, Layer.BatchNorm2d")] // where the Dropout goes is the user's call
    [InlineData("Layer.Conv2d, Layer.ReLU, Layer.ReLU")] // two activations: no order is legal
    public async Task FN0005_without_a_legal_order_offers_no_fix(string layers)
    {
        string source = Model($"[Fuse({layers})] [Conv2d(8, KernelSize = 3, Name = \"c\")] [BatchNorm(Name = \"bn\")] public partial void S{Signature}");
        Assert.Empty(await CodeFixHarness.FixesFor(new LayerOrderFix(), source, "FN0005"));
    }

    [Fact]
    public async Task FN0101_sets_in_channels()
    {
        string source = Model($"[Fuse(Layer.Conv2d)] [Conv2d(8, InChannels = 5, KernelSize = 3, Name = \"c\")] public partial void S{Signature}");
        await Fixed(new SetLayerParameterFix(), source, "FN0101", "[Conv2d(8, InChannels = 3, KernelSize = 3, Name = \"c\")]");
    }

    [Fact]
    public async Task FN0101_picks_the_layer_by_name_in_a_chain_of_several_kernels()
    {
        string source = Model("#pragma warning disable FN0202\n[Fuse(Layer.Conv2d, Layer.ReLU, Layer.Conv2d, Layer.ReLU)] [Conv2d(4, KernelSize = 3, Padding = 1, Name = \"a\")] " +
            $"[Conv2d(8, InChannels = 5, KernelSize = 3, Padding = 1, Name = \"b\")] public partial void S{Signature}");
        string result = await Fixed(new SetLayerParameterFix(), source, "FN0101", "[Conv2d(8, InChannels = 4, KernelSize = 3, Padding = 1, Name = \"b\")]");
        Assert.Contains("[Conv2d(4, KernelSize = 3, Padding = 1, Name = \"a\")]", result);
    }

    [Fact]
    public async Task FN0101_sets_in_features_of_a_linear_after_a_flattened_conv()
    {
        string source = Model($"[Fuse(Layer.Conv2d)] [Conv2d(8, KernelSize = 3, Stride = 2, Name = \"c\")] public partial void A{Signature}\n" +
            $"[Fuse(Layer.Linear)] [Linear(10, InFeatures = 100, Name = \"fc\")] public partial void B{Signature}");
        await Fixed(new SetLayerParameterFix(), source, "FN0101", "[Linear(10, InFeatures = 392, Name = \"fc\")]");
    }

    [Theory]
    [InlineData("[BatchNorm(NumFeatures = 6, Name = \"bn\")]", "Layer.BatchNorm2d", "[BatchNorm(NumFeatures = 8, Name = \"bn\")]")]
    [InlineData("[GroupNorm(2, NumChannels = 6, Name = \"gn\")]", "Layer.GroupNorm", "[GroupNorm(2, NumChannels = 8, Name = \"gn\")]")]
    [InlineData("[InstanceNorm(NumFeatures = 3)]", "Layer.InstanceNorm2d", "[InstanceNorm(NumFeatures = 8)]")]
    public async Task FN0103_sets_the_norm_channels(string norm, string layer, string expected)
    {
        string source = Model($"[Fuse(Layer.Conv2d, {layer})] [Conv2d(8, KernelSize = 3, Name = \"c\")] {norm} public partial void S{Signature}");
        await Fixed(new SetLayerParameterFix(), source, "FN0103", expected);
    }

    [Fact]
    public async Task FN0108_sets_the_normalized_shape()
    {
        string source = Model($"[Fuse(Layer.Conv2d, Layer.LayerNorm)] [Conv2d(8, KernelSize = 3, Name = \"c\")] [LayerNorm(5, Eps = 1e-6, Name = \"ln\")] public partial void S{Signature}");
        await Fixed(new SetLayerParameterFix(), source, "FN0108", "[LayerNorm(14, 14, Eps = 1e-6, Name = \"ln\")]");
    }

    [Fact]
    public void Every_fixable_id_is_a_diagnostic_FusedNorm_reports()
    {
        var ids = typeof(FusedNorm.Generator.Diagnostics.DiagnosticDescriptors).GetFields()
            .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().Select(d => d.Id).ToHashSet();
        CodeFixProvider[] providers = { new MakePartialFix(), new ChainSignatureFix(), new LayerOrderFix(), new SetLayerParameterFix() };
        foreach (string id in providers.SelectMany(p => p.FixableDiagnosticIds)) Assert.Contains(id, ids);
        // Every provider is found by the IDE: exported for C#.
        foreach (var provider in providers)
            Assert.Contains(provider.GetType().GetCustomAttributes(typeof(ExportCodeFixProviderAttribute), false).Cast<ExportCodeFixProviderAttribute>(),
                a => a.Languages.Contains(LanguageNames.CSharp));
    }
}
