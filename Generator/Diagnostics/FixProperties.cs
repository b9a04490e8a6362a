namespace FusedNorm.Generator.Diagnostics;

/// <summary>
/// Keys of the properties a FusedNorm diagnostic carries for its code fix (FusedNorm.CodeFixes links this file), so the
/// fix applies the value the generator computed instead of recomputing shapes from syntax.
/// </summary>
internal static class FixProperties
{
    /// <summary>The attribute to edit, without "Attribute": "Conv2d", "Linear", "BatchNorm", "GroupNorm", "LayerNorm", ...</summary>
    public const string Attribute = "FusedNorm.Attribute";

    /// <summary>The layer's Name (its state_dict prefix), to pick one attribute when a method has several of a kind; may be empty.</summary>
    public const string LayerName = "FusedNorm.LayerName";

    /// <summary>The named argument to set ("InChannels", "NumFeatures", ...), or <see cref="Constructor"/>.</summary>
    public const string Property = "FusedNorm.Property";

    /// <summary><see cref="Property"/> value meaning: replace the constructor arguments (LayerNorm's normalized_shape).</summary>
    public const string Constructor = "(constructor)";

    /// <summary>The value to write, as C# source ("16", or "16, 8, 8" for constructor arguments).</summary>
    public const string Value = "FusedNorm.Value";

    /// <summary>FN0005: the [Fuse] list in an order the grammar accepts, comma-separated Layer names.</summary>
    public const string Layers = "FusedNorm.Layers";

    /// <summary>FN0003 / FN0021: "true" when the chain has Layer.Add and so takes (x, skip, y, batch).</summary>
    public const string HasSkip = "FusedNorm.HasSkip";
}
