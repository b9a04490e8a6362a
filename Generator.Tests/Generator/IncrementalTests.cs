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
