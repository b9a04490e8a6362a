using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FusedNorm.CodeFixes;

/// <summary>
/// FN0001: adds <c>partial</c> to the model class. FN0002: makes the chain method a partial declaration without a body
/// (the generator writes the body; a body the user wrote is removed).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialFix)), Shared]
public sealed class MakePartialFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("FN0001", "FN0002");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.Id == "FN0001" && await FixSyntax.DeclarationAt<TypeDeclarationSyntax>(context).ConfigureAwait(false) is { } type
                && !type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                context.RegisterCodeFix(CodeAction.Create($"Make '{type.Identifier.ValueText}' partial",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(type, MakePartial(type)))),
                    equivalenceKey: "FusedNorm.MakeClassPartial"), diagnostic);
            }
            else if (diagnostic.Id == "FN0002" && await FixSyntax.DeclarationAt<MethodDeclarationSyntax>(context).ConfigureAwait(false) is { } method
                && (!method.Modifiers.Any(SyntaxKind.PartialKeyword) || method.Body is not null || method.ExpressionBody is not null))
            {
                string title = method.Body is not null || method.ExpressionBody is not null
                    ? $"Make '{method.Identifier.ValueText}' a partial declaration (FusedNorm generates its body)"
                    : $"Make '{method.Identifier.ValueText}' partial";
                context.RegisterCodeFix(CodeAction.Create(title,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(method, MakePartialDeclaration(method)))),
                    equivalenceKey: "FusedNorm.MakeChainPartial"), diagnostic);
            }
        }
    }

    private static TypeDeclarationSyntax MakePartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Count > 0) return type.AddModifiers(FixSyntax.Partial(SyntaxFactory.TriviaList()));
        SyntaxToken keyword = type.Keyword;
        return type.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(FixSyntax.Partial(keyword.LeadingTrivia)));
    }

    private static MethodDeclarationSyntax MakePartialDeclaration(MethodDeclarationSyntax method)
    {
        if (!method.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            if (method.Modifiers.Count > 0)
                method = method.AddModifiers(FixSyntax.Partial(SyntaxFactory.TriviaList()));
            else
            {
                SyntaxTriviaList leading = method.ReturnType.GetLeadingTrivia();
                method = method.WithReturnType(method.ReturnType.WithLeadingTrivia())
                    .WithModifiers(SyntaxFactory.TokenList(FixSyntax.Partial(leading)));
            }
        }
        if (method.Body is null && method.ExpressionBody is null) return method;
        // The declaration ends where the body began: `)` then `;`, keeping what followed the body.
        SyntaxTriviaList trailing = method.Body?.GetTrailingTrivia() ?? method.SemicolonToken.TrailingTrivia;
        return method.WithBody(null).WithExpressionBody(null)
            .WithParameterList(method.ParameterList.WithTrailingTrivia())
            .WithSemicolonToken(SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.SemicolonToken, trailing));
    }
}
