using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FusedNorm.Generator.Spec;

/// <summary>Where a diagnostic points, kept as plain values (a <see cref="Location"/> holds its syntax tree).</summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic that travels beside the cached model and is reported through its own output.</summary>
public sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] args) =>
        new(descriptor, location, System.Linq.Enumerable.Select(args, a => a?.ToString() ?? "").ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), System.Linq.Enumerable.ToArray<object>(MessageArgs));
}
