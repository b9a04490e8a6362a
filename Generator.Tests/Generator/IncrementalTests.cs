using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using FusedNorm.Generator;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Names = FusedNorm.Generator.FusedNormGenerator.TrackingNames;

namespace FusedNorm.Tests.Generator;

/// <summary>The pipeline's cached model is plain equatable data, so unrelated edits re-run nothing.</summary>
public class IncrementalTests
{
    private static GeneratorRunResult RunTwice(string first, Func<Compilation, Compilation> edit)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(first);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        return driver.GetRunResult().Results.Single();
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void Unrelated_new_class_leaves_every_step_cached()
    {
        var result = RunTwice(SampleModels.LeNetBn, c => c.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X; }", GeneratorHarness.ParseOptions)));
        foreach (string step in new[] { Names.Parse, Names.Plan, Names.Models, Names.Chains })
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
    }

    [Fact]
    public void Changing_one_activation_modifies_only_that_chain()
    {
        string edited = SampleModels.LeNetBn.Replace("[Fuse(Layer.Linear, Layer.ReLU)]", "[Fuse(Layer.Linear, Layer.Tanh)]");
        Assert.NotEqual(SampleModels.LeNetBn, edited);
        var result = RunTwice(SampleModels.LeNetBn, c =>
        {
            SyntaxTree old = c.SyntaxTrees.First();
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));
        });
        var chains = Reasons(result, Names.Chains).ToList();
        Assert.Equal(5, chains.Count);
        Assert.Equal(1, chains.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(4, chains.Count(r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
    }

    /// <summary>The steps that run for every model; Diagnostics and OrphanChains are tracked only when they have values.</summary>
    private static readonly string[] RequiredSteps = { Names.Parse, Names.Plan, Names.Models, Names.Chains };
    private static readonly string[] AllSteps = RequiredSteps.Concat(new[] { Names.Diagnostics, Names.OrphanChains, Names.Stubs, Names.Blocks }).ToArray();

    private static Compilation ReplaceModelFile(Compilation c, string text)
    {
        SyntaxTree old = c.SyntaxTrees.First();
        return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result, params string[] steps)
    {
        foreach (string step in steps)
        {
            if (!result.TrackedSteps.ContainsKey(step))
            {
                Assert.False(RequiredSteps.Contains(step), $"step {step} did not run");
                continue;
            }
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
    }

    [Fact]
    public void Unrelated_new_class_leaves_an_inverted_residual_block_cached()
    {
        string model = Numerics.InvertedResidualTests.Source(Numerics.InvertedResidualTests.Cases[0]);
        var result = RunTwice(model, c => c.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X; }", GeneratorHarness.ParseOptions)));
        Assert.NotEmpty(Reasons(result, Names.Blocks)); // the model has one block kernel
        AssertAllCachedOrUnchanged(result, AllSteps);
    }

    [Fact]
    public void Changing_a_chain_outside_an_inverted_residual_leaves_its_block_unchanged()
    {
        // The block's file is written from its plan and its three chains' only: a new chain after it changes the model
        // (its Forward, its memory plan) but not the block.
        string model = Numerics.InvertedResidualTests.Source(Numerics.InvertedResidualTests.Cases[1]); // no skip
        const string project = "public partial void Project(ReadOnlySpan<float> x, Span<float> y, int batch);";
        string edited = model.Replace(project, project + """

                [Fuse(Layer.Conv2d, Layer.ReLU)] [Conv2d(4, KernelSize = 1, Name = "tail")]
                public partial void Tail(ReadOnlySpan<float> x, Span<float> y, int batch);
            """);
        Assert.NotEqual(model, edited);
        var result = RunTwice(model, c => ReplaceModelFile(c, edited));
        Assert.Contains(Reasons(result, Names.Models), r => r == IncrementalStepRunReason.Modified);
        Assert.All(Reasons(result, Names.Blocks), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Blocks: {r}"));
    }

    [Fact]
    public void The_tests_know_every_tracking_name()
    {
        var declared = typeof(Names).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);
        Assert.Equal(declared.OrderBy(n => n), AllSteps.OrderBy(n => n));
    }

    /// <summary>The LeNet-BN file with another class after the model, in its first and second version.</summary>
    private static string WithHelper(string body) => SampleModels.LeNetBn + $$"""

        internal static class Preprocessing
        {
            {{body}}
        }
        """;

    [Fact]
    public void Edit_to_another_class_in_the_model_file_leaves_every_step_cached_or_unchanged()
    {
        string before = WithHelper("public static float Scale(float v) => v;");
        string after = WithHelper("""
            // Pixel values come in as 0..255.
            public static float Scale(float v)
            {
                float scaled = v / 255f;
                return scaled * 2f - 1f;
            }
            public static int Unused() => 42;
            """);
        var result = RunTwice(before, c => ReplaceModelFile(c, after));
        AssertAllCachedOrUnchanged(result, AllSteps);
        // The file's tree changed, so the attribute step ran again on it, and found the same model.
        Assert.Contains(IncrementalStepRunReason.Unchanged, Reasons(result, Names.Parse));
        Assert.Equal(5, Reasons(result, Names.Chains).Count());
    }

    [Fact]
    public void Whitespace_change_after_the_model_leaves_every_step_cached_or_unchanged()
    {
        string before = WithHelper("public static float Scale(float v) => v;");
        string after = WithHelper("public   static float Scale( float v )\r\n        =>\r\n            v;\r\n\r\n\r\n") + "\n\n   \t\n";
        Assert.Equal(Strip(before), Strip(after));
        var result = RunTwice(before, c => ReplaceModelFile(c, after));
        AssertAllCachedOrUnchanged(result, AllSteps);
    }

    /// <summary>
    /// Whitespace inside the model moves the declarations after it. The parsed model holds the source locations its
    /// diagnostics point at, so Parse and Plan see a new value (a diagnostic must move with its attribute); the plans
    /// hold no locations, so Models and Chains are unchanged and no file is generated again.
    /// </summary>
    [Fact]
    public void Whitespace_inside_the_model_reruns_only_the_location_holding_steps_and_emits_nothing_new()
    {
        string spaced = SampleModels.LeNetBn
            .Replace("    public const int Classes = 5;", "\n\n    public  const int   Classes = 5;   ")
            .Replace("[Conv2d(16, KernelSize = 5, Name = \"conv2\")]", "[Conv2d( 16,  KernelSize = 5 , Name = \"conv2\" )]");
        Assert.NotEqual(SampleModels.LeNetBn, spaced);
        Assert.Equal(Strip(SampleModels.LeNetBn), Strip(spaced));

        Compilation compilation = GeneratorHarness.CreateCompilation(SampleModels.LeNetBn);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single().GeneratedSources;
        var firstDiagnostics = driver.GetRunResult().Results.Single().Diagnostics;
        driver = driver.RunGenerators(ReplaceModelFile(compilation, spaced));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(result, Names.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(result, Names.Plan));
        AssertAllCachedOrUnchanged(result, Names.Models, Names.Chains, Names.OrphanChains);
        Assert.Equal(first.Select(s => (s.HintName, s.SourceText.ToString())), result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));

        // The diagnostics moved with the code: two lines down.
        Assert.NotEmpty(firstDiagnostics);
        Assert.Equal(firstDiagnostics.Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 2)),
            result.Diagnostics.Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line)));
    }

    private static string Strip(string text) => new(text.Where(ch => !char.IsWhiteSpace(ch)).ToArray());

    /// <summary>
    /// Stage2's conv goes from 16 to 12 output channels. Stage2's own plan changes (its output), and so does Fc1's,
    /// whose input is Stage2's output: (16, 5, 5) = 400 features become (12, 5, 5) = 300. Stage1 before them and
    /// Fc2, Fc3 after them see the same shapes as before and stay unchanged; the model's file changes (its Forward
    /// passes the new intermediate size).
    /// </summary>
    [Fact]
    public void Changing_one_conv_OutChannels_modifies_that_chain_and_the_one_it_feeds_only()
    {
        string edited = SampleModels.LeNetBn.Replace("[Conv2d(16, KernelSize = 5, Name = \"conv2\")]", "[Conv2d(12, KernelSize = 5, Name = \"conv2\")]");
        Assert.NotEqual(SampleModels.LeNetBn, edited);
        var result = RunTwice(SampleModels.LeNetBn, c => ReplaceModelFile(c, edited));

        var chains = result.TrackedSteps[Names.Chains].SelectMany(s => s.Outputs)
            .Select(o => (((ChainPlan)o.Value).MethodName, o.Reason)).ToList();
        Assert.Equal(new[] { "Stage1", "Stage2", "Fc1", "Fc2", "Fc3" }, chains.Select(c => c.MethodName));
        Assert.Equal(new[] { "Stage2", "Fc1" }, chains.Where(c => c.Reason == IncrementalStepRunReason.Modified).Select(c => c.MethodName));
        Assert.All(chains.Where(c => c.MethodName is "Stage1" or "Fc2" or "Fc3"),
            c => Assert.True(c.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, $"{c.MethodName}: {c.Reason}"));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(result, Names.Models));

        // Stage1's output feeds Stage2, so changing its channels instead modifies Stage1 and Stage2 (Stage2's input and
        // weights), and nothing after: Stage2's output is still (16, 5, 5).
        string first = SampleModels.LeNetBn.Replace("[Conv2d(6, KernelSize = 5, Name = \"conv1\")]", "[Conv2d(8, KernelSize = 5, Name = \"conv1\")]");
        Assert.NotEqual(SampleModels.LeNetBn, first);
        var firstResult = RunTwice(SampleModels.LeNetBn, c => ReplaceModelFile(c, first));
        Assert.Equal(new[] { "Stage1", "Stage2" }, firstResult.TrackedSteps[Names.Chains].SelectMany(s => s.Outputs)
            .Where(o => o.Reason == IncrementalStepRunReason.Modified).Select(o => ((ChainPlan)o.Value).MethodName));
    }

    [Fact]
    public void Cached_model_holds_no_compiler_objects()
    {
        var run = GeneratorHarness.RunGenerator(SampleModels.LeNetBn);
        var outputs = run.Result.TrackedSteps[Names.Plan].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(outputs);
        foreach (object value in outputs) Walk(value, "Plan", new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private static readonly Type[] Forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree), typeof(Location) };

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Type type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} is a {type.Name}");
        if (value is DiagnosticDescriptor || !type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items && value is not string)
        {
            int i = 0;
            foreach (object? item in items) Walk(item, $"{path}[{i++}]", seen);
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            Walk(field.GetValue(value), path + "." + field.Name, seen);
    }

    [Fact]
    public void FN0099_a_failing_stage_becomes_a_diagnostic_not_an_exception()
    {
        Result<ModelSpec> result = FusedNormGenerator.Guarded<ModelSpec>("Net", null, () => throw new IndexOutOfRangeException("boom"));
        Assert.Null(result.Value);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("FN0099", d.Descriptor.Id);
        Assert.Contains("boom", d.ToDiagnostic().GetMessage());
    }
}
