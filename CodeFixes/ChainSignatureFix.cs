using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Simplification;

namespace FusedNorm.CodeFixes;

/// <summary>
/// FN0003 and FN0021: gives the chain method the signature FusedNorm generates, an instance
/// <c>void Name(ReadOnlySpan&lt;float&gt; x, Span&lt;float&gt; y, int batch)</c>, with a <c>ReadOnlySpan&lt;float&gt; skip</c>
/// after <c>x</c> when the chain has Layer.Add. Parameter names the user chose are kept when the count already fits.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChainSignatureFix)), Shared]
public sealed class ChainSignatureFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("FN0003", "FN0021");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || await FixSyntax.DeclarationAt<MethodDeclarationSyntax>(context).ConfigureAwait(false) is not { } method) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(FixProperties.HasSkip, out string? hasSkip)) continue;
            bool skip = hasSkip == "true";
            string shape = skip ? "(x, skip, y, batch)" : "(x, y, batch)";
            context.RegisterCodeFix(CodeAction.Create($"Change '{method.Identifier.ValueText}' to void {shape}",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, WithChainSignature(method, skip)))),
                equivalenceKey: "FusedNorm.ChainSignature"), diagnostic);
        }
    }

    private static MethodDeclarationSyntax WithChainSignature(MethodDeclarationSyntax method, bool skip)
    {
        var wanted = new List<(string Type, string Name)> { ("global::System.ReadOnlySpan<float>", "x") };
        if (skip) wanted.Add(("global::System.ReadOnlySpan<float>", "skip"));
        wanted.Add(("global::System.Span<float>", "y"));
        wanted.Add(("int", "batch"));
        SeparatedSyntaxList<ParameterSyntax> old = method.ParameterList.Parameters;
        IEnumerable<ParameterSyntax> parameters = wanted.Select((p, i) => SyntaxFactory.Parameter(
                SyntaxFactory.Identifier(old.Count == wanted.Count ? old[i].Identifier.ValueText : p.Name))
            .WithType(SyntaxFactory.ParseTypeName(p.Type).WithAdditionalAnnotations(Simplifier.Annotation).WithTrailingTrivia(SyntaxFactory.Space)));
        ParameterListSyntax list = method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(parameters,
            Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), wanted.Count - 1)));

        // An instance method returning void, not generic: what the generated body implements.
        SyntaxTokenList modifiers = SyntaxFactory.TokenList(method.Modifiers.Where(m => !m.IsKind(SyntaxKind.StaticKeyword)));
        TypeSyntax returnType = SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)).WithTriviaFrom(method.ReturnType);
        return method.WithModifiers(modifiers).WithReturnType(returnType).WithParameterList(list)
            .WithTypeParameterList(null).WithConstraintClauses(default);
    }
}
