using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace FusedNorm.Generator.Parse;

/// <summary>
/// Reads constructor and named arguments of one attribute application. Defaults are passed by the caller and
/// must equal the property initializers in Runtime/Attributes.cs (the generator cannot load that assembly).
/// </summary>
internal readonly struct AttributeReader
{
    private readonly AttributeData _data;
    private readonly Dictionary<string, TypedConstant> _named;
    // A block's use: argument values computed from the block's parameters (by constructor index, or property name),
    // read instead of the values the compiler computed from the parameters' defaults.
    private readonly Dictionary<int, object>? _ctorOverrides;
    private readonly Dictionary<string, object>? _namedOverrides;

    public AttributeReader(AttributeData data, Dictionary<int, object>? ctorOverrides = null, Dictionary<string, object>? namedOverrides = null)
    {
        _data = data;
        _ctorOverrides = ctorOverrides;
        _namedOverrides = namedOverrides;
        _named = new Dictionary<string, TypedConstant>();
        foreach (KeyValuePair<string, TypedConstant> pair in data.NamedArguments)
            _named[pair.Key] = pair.Value;
    }

    public Location? Location => _data.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    public int CtorInt(int index, int fallback) =>
        _ctorOverrides is not null && _ctorOverrides.TryGetValue(index, out object? o) ? (o is int oi ? oi : fallback) :
        index < _data.ConstructorArguments.Length && _data.ConstructorArguments[index].Value is int v ? v : fallback;

    /// <summary>A params int[] or enum[] constructor argument.</summary>
    public ImmutableArray<int> CtorIntArray(int index)
    {
        if (_ctorOverrides is not null && _ctorOverrides.TryGetValue(index, out object? o))
            return o is int[] array ? ImmutableArray.Create(array) : ImmutableArray<int>.Empty;
        if (index >= _data.ConstructorArguments.Length) return ImmutableArray<int>.Empty;
        TypedConstant arg = _data.ConstructorArguments[index];
        if (arg.Kind != TypedConstantKind.Array || arg.IsNull) return ImmutableArray<int>.Empty;
        ImmutableArray<int>.Builder values = ImmutableArray.CreateBuilder<int>();
        foreach (TypedConstant item in arg.Values)
            values.Add(item.Value is int v ? v : 0);
        return values.ToImmutable();
    }

    public int Int(string name, int fallback) =>
        _namedOverrides is not null && _namedOverrides.TryGetValue(name, out object? o) ? (o is int oi ? oi : fallback) :
        _named.TryGetValue(name, out TypedConstant c) && c.Value is int v ? v : fallback;
    public bool Bool(string name, bool fallback) =>
        _namedOverrides is not null && _namedOverrides.TryGetValue(name, out object? o) ? (o is bool ob ? ob : fallback) :
        _named.TryGetValue(name, out TypedConstant c) && c.Value is bool v ? v : fallback;
    public string? String(string name, string? fallback) =>
        _namedOverrides is not null && _namedOverrides.TryGetValue(name, out object? o) ? (o as string ?? fallback) :
        _named.TryGetValue(name, out TypedConstant c) ? c.Value as string : fallback;

    /// <summary>A named string[] argument: null when it is not set (or set to null); a null element stays null.</summary>
    public ImmutableArray<string?>? StringArray(string name)
    {
        if (!_named.TryGetValue(name, out TypedConstant c) || c.Kind != TypedConstantKind.Array || c.IsNull) return null;
        ImmutableArray<string?>.Builder values = ImmutableArray.CreateBuilder<string?>();
        foreach (TypedConstant item in c.Values)
            values.Add(item.Value as string);
        return values.ToImmutable();
    }

    /// <summary>Whether the named argument <paramref name="name"/> is written (or a block's use gives it).</summary>
    public bool Has(string name) => _named.ContainsKey(name) || _namedOverrides is not null && _namedOverrides.ContainsKey(name);

    /// <summary>A named int[] argument: null when it is not set (or set to null).</summary>
    public ImmutableArray<int>? IntArray(string name)
    {
        if (_namedOverrides is not null && _namedOverrides.TryGetValue(name, out object? o) && o is int[] overridden)
            return ImmutableArray.Create(overridden);
        if (!_named.TryGetValue(name, out TypedConstant c) || c.Kind != TypedConstantKind.Array || c.IsNull) return null;
        ImmutableArray<int>.Builder values = ImmutableArray.CreateBuilder<int>();
        foreach (TypedConstant item in c.Values)
            values.Add(item.Value is int v ? v : 0);
        return values.ToImmutable();
    }

    public double Double(string name, double fallback) =>
        _namedOverrides is not null && _namedOverrides.TryGetValue(name, out object? o) ? (o is int oi ? oi : fallback) :
        _named.TryGetValue(name, out TypedConstant c)
            ? c.Value switch { double d => d, float f => f, int i => i, _ => fallback }
            : fallback;
}
