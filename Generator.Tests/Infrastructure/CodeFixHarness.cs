using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Applies a FusedNorm code fix as the IDE does: the source is a document in a workspace, the generator reports its
/// diagnostics on that document's compilation, the provider registers its actions for the one diagnostic asked for,
/// and the action's changed solution gives the fixed text.
/// </summary>
public static class CodeFixHarness
{
    public sealed record Fix(string Title, string FixedSource);

    /// <summary>Every fix <paramref name="provider"/> offers for the single <paramref name="id"/> the generator reports on <paramref name="source"/>.</summary>
    public static async Task<IReadOnlyList<Fix>> FixesFor(CodeFixProvider provider, string source, string id)
    {
        Assert(provider.FixableDiagnosticIds.Contains(id), $"{provider.GetType().Name} does not say it fixes {id}");
        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Create(), "FixTest", "FixTest",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: Net100.References.All.Cast<MetadataReference>()
                .Append(MetadataReference.CreateFromFile(typeof(FuseAttribute).Assembly.Location))
                .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.Tensor).Assembly.Location))));
        Document document = workspace.AddDocument(DocumentInfo.Create(DocumentId.CreateNewId(project.Id), "Model0.cs",
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(source), VersionStamp.Create())), filePath: "Model0.cs"));

        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert(matching.Count == 1, $"expected one {id}, got: {string.Join("; ", diagnostics.Select(d => d.Id + " " + d.GetMessage()))}");
        Diagnostic diagnostic = matching[0];
        Assert(diagnostic.Location.SourceTree is not null, $"{id} has no location in the document");

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);

        var fixes = new List<Fix>();
        foreach (CodeAction action in actions)
        {
            ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
            Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
            SourceText text = await changed.GetDocument(document.Id)!.GetTextAsync();
            fixes.Add(new Fix(action.Title, text.ToString()));
        }
        return fixes;
    }

    /// <summary>The one fix offered; fails when there is none or several.</summary>
    public static async Task<Fix> SingleFix(CodeFixProvider provider, string source, string id)
    {
        var fixes = await FixesFor(provider, source, id);
        Assert(fixes.Count == 1, $"expected one fix for {id}, got {fixes.Count}: {string.Join("; ", fixes.Select(f => f.Title))}");
        return fixes[0];
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new Xunit.Sdk.XunitException(message);
    }
}
