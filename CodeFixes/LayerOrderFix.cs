using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using FusedNorm.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FusedNorm.CodeFixes;

/// <summary>
/// FN0005: rewrites the [Fuse] list in the order the generator computed (compute, norm, Add, activation, pooling), when
/// reordering alone makes it legal. Named arguments (Input, Skip, TrainingForward) stay as they are.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LayerOrderFix)), Shared]
public sealed class LayerOrderFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("FN0005");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || await FixSyntax.DeclarationAt<MethodDeclarationSyntax>(context).ConfigureAwait(false) is not { } method) return;
        AttributeSyntax? fuse = method.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a => FixSyntax.ShortName(a) == "Fuse");
        if (fuse?.ArgumentList is not { } arguments) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.Layers, out string? layers) || string.IsNullOrEmpty(layers)) continue;
            string[] order = layers!.Split(',');
            context.RegisterCodeFix(CodeAction.Create($"Order the layers: {string.Join(", ", order)}",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(arguments, Reordered(arguments, order)))),
                equivalenceKey: "FusedNorm.LayerOrder"), diagnostic);
        }
    }

    private static AttributeArgumentListSyntax Reordered(AttributeArgumentListSyntax arguments, string[] order)
    {
        var positional = arguments.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
        var named = arguments.Arguments.Where(a => a.NameEquals is not null || a.NameColon is not null).ToList();
        // Write the values as the user did: `Layer.X` or `FusedNorm.Layer.X`, whatever prefix the first one had.
        string prefix = positional.FirstOrDefault()?.Expression is MemberAccessExpressionSyntax access ? access.Expression.ToString() : "global::FusedNorm.Layer";
        var items = order.Select(l => SyntaxFactory.AttributeArgument(SyntaxFactory.ParseExpression($"{prefix}.{l}")))
            .Concat(named.Select(a => a.WithoutTrivia()));
        return arguments.WithArguments(SyntaxFactory.SeparatedList(items,
            Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), order.Length + named.Count - 1)));
    }
}
