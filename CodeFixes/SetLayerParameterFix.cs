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
/// FN0101, FN0103, FN0108: sets the size the generator computed from the tensor the layer receives: InChannels or
/// InFeatures (FN0101), NumFeatures or NumChannels (FN0103), LayerNorm's normalized_shape (FN0108).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SetLayerParameterFix)), Shared]
public sealed class SetLayerParameterFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("FN0101", "FN0103", "FN0108");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || await FixSyntax.DeclarationAt<MethodDeclarationSyntax>(context).ConfigureAwait(false) is not { } method) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            ImmutableDictionary<string, string?> p = diagnostic.Properties;
            if (!p.TryGetValue(FixProperties.Attribute, out string? kind) || !p.TryGetValue(FixProperties.Property, out string? property)
                || !p.TryGetValue(FixProperties.Value, out string? value) || kind is null || property is null || value is null) continue;
            p.TryGetValue(FixProperties.LayerName, out string? layerName);

            // The attribute of that kind on this method; when there are several (a chain that runs as several kernels), the one with that Name.
            var candidates = method.AttributeLists.SelectMany(l => l.Attributes).Where(a => FixSyntax.ShortName(a) == kind).ToList();
            AttributeSyntax? attribute = candidates.Count == 1 ? candidates[0]
                : candidates.FirstOrDefault(a => FixSyntax.NamedString(a, "Name") == (layerName ?? ""));
            if (attribute is null) continue;

            bool constructor = property == FixProperties.Constructor;
            string title = constructor ? $"Set {kind}'s normalized_shape to [{value}]" : $"Set {property} = {value}";
            context.RegisterCodeFix(CodeAction.Create(title,
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, constructor ? WithConstructorArguments(attribute, value) : WithNamed(attribute, property, value)))),
                equivalenceKey: "FusedNorm.Set" + (constructor ? kind : property)), diagnostic);
        }
    }

    private static AttributeSyntax WithNamed(AttributeSyntax attribute, string property, string value)
    {
        ExpressionSyntax expression = SyntaxFactory.ParseExpression(value);
        AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeArgumentSyntax? existing = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);
        if (existing is not null)
            return attribute.WithArgumentList(list.ReplaceNode(existing, existing.WithExpression(expression.WithTriviaFrom(existing.Expression))));
        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(property), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            null, expression);
        // Named arguments follow the positional ones: append, with ", " after the last existing argument.
        var arguments = list.Arguments.Add(added);
        var separators = Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), arguments.Count - 1);
        return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList(arguments.Select(a => a), separators)));
    }

    private static AttributeSyntax WithConstructorArguments(AttributeSyntax attribute, string values)
    {
        AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        var positional = values.Split(',').Select(v => SyntaxFactory.AttributeArgument(SyntaxFactory.ParseExpression(v.Trim())));
        var named = list.Arguments.Where(a => a.NameEquals is not null || a.NameColon is not null).Select(a => a.WithoutTrivia());
        var arguments = positional.Concat(named).ToList();
        var separators = Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), arguments.Count - 1);
        return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList(arguments, separators)));
    }
}
