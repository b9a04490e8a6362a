using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Basic.Reference.Assemblies;
using FusedNorm.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Runs FusedNormGenerator on source text the way the compiler does, against the .NET 10 reference
/// assemblies and the FusedNorm runtime, and compiles what it produced.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
        Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(FuseAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.Tensor).Assembly.Location))
            .ToImmutableArray();

    public sealed record Run(
        GeneratorDriver Driver,
        GeneratorRunResult Result,
        Compilation Output,
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> CompileErrors)
    {
        public IReadOnlyList<GeneratedSourceResult> Sources => Result.GeneratedSources;
    }

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "FusedNormTest_" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new FusedNormGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static Run RunGenerator(params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null) throw new InvalidOperationException("The generator threw.", result.Exception);
        ImmutableArray<Diagnostic> errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .ToImmutableArray();
        return new Run(driver, result, output, result.Diagnostics, errors);
    }

    /// <summary>Generates, compiles and loads the model; fails with the compiler's errors if the output does not build.</summary>
    public static Assembly CompileAndLoad(params string[] sources)
    {
        Run run = RunGenerator(sources);
        var generatorErrors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (generatorErrors.Count > 0)
            throw new InvalidOperationException("The generator reported errors:\n" + string.Join("\n", generatorErrors));
        if (run.CompileErrors.Length > 0)
            throw new InvalidOperationException("The generated code does not compile:\n" +
                string.Join("\n", run.CompileErrors.Take(20)) + "\n\n" + string.Join("\n\n", run.Sources.Select(s => s.SourceText.ToString())));

        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        if (!emit.Success) throw new InvalidOperationException(string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        var context = new AssemblyLoadContext("FusedNormTest", isCollectible: true);
        return context.LoadFromStream(stream);
    }
}
