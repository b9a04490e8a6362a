using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FusedNorm.Generator.Spec;

/// <summary>Where a diagnostic points, kept as plain values (a <see cref="Location"/> holds its syntax tree).</summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>
    /// The location in the compilation's own syntax tree when it has the file, so that #pragma warning and
    /// .editorconfig severities apply to it as to the compiler's diagnostics; a path-only location does not get them.
    /// </summary>
    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
                if (tree.FilePath == FilePath && Span.End <= tree.Length)
                    return Location.Create(tree, Span);
        return Location.Create(FilePath, Span, LineSpan);
    }

    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>
/// A diagnostic that travels beside the cached model and is reported through its own output. <see cref="Properties"/>
/// are key, value, key, value, ...: what a code fix needs to repair the mistake (keys in <see cref="Diagnostics.FixProperties"/>).
/// </summary>
public sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs,
    EquatableArray<string> Properties = default)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args) =>
        new(descriptor, location, System.Linq.Enumerable.Select(args, a => a?.ToString() ?? "").ToEquatableArray());

    /// <summary>This diagnostic with the properties a code fix reads (pairs of key and value).</summary>
    public DiagnosticInfo WithFix(params (string Key, string Value)[] properties) =>
        this with { Properties = System.Linq.Enumerable.SelectMany(properties, p => new[] { p.Key, p.Value }).ToEquatableArray() };

    public Diagnostic ToDiagnostic(Compilation? compilation = null)
    {
        var properties = System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty;
        for (int i = 0; i + 1 < Properties.Count; i += 2) properties = properties.SetItem(Properties[i], Properties[i + 1]);
        return Diagnostic.Create(Descriptor, Location?.ToLocation(compilation), properties, System.Linq.Enumerable.ToArray<object>(MessageArgs));
    }
}
