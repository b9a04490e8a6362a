using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FusedNorm.CodeFixes;

/// <summary>Syntax look-ups the fixes share: the declaration a diagnostic points at, and attributes by their short name.</summary>
internal static class FixSyntax
{
    /// <summary>The declaration of type <typeparamref name="T"/> whose identifier the diagnostic points at (FusedNorm reports on identifiers).</summary>
    public static async Task<T?> DeclarationAt<T>(CodeFixContext context) where T : SyntaxNode
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        return root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<T>().FirstOrDefault();
    }

    /// <summary>An attribute's name without namespace or the "Attribute" suffix: [FusedNorm.Conv2dAttribute] → Conv2d.</summary>
    public static string ShortName(AttributeSyntax attribute)
    {
        string name = attribute.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    /// <summary>The value of a string named argument (Name = "conv1"), or null.</summary>
    public static string? NamedString(AttributeSyntax attribute, string name) =>
        attribute.ArgumentList?.Arguments
            .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.Expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal
            ? literal.Token.ValueText
            : null;

    /// <summary>The <c>partial</c> modifier, with the trivia of the token it goes before when it is the first modifier.</summary>
    public static SyntaxToken Partial(SyntaxTriviaList leading) =>
        SyntaxFactory.Token(leading, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
}
