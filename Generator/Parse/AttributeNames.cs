using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace FusedNorm.Generator.Parse;

/// <summary>Metadata names of the Runtime's attributes. The generator never loads the Runtime assembly.</summary>
internal static class AttributeNames
{
    public const string Model = "FusedNorm.ModelAttribute";
    public const string Fuse = "FusedNorm.FuseAttribute";
    public const string Conv1d = "FusedNorm.Conv1dAttribute";
    public const string Conv2d = "FusedNorm.Conv2dAttribute";
    public const string Conv3d = "FusedNorm.Conv3dAttribute";
    public const string InstanceNorm = "FusedNorm.InstanceNormAttribute";
    public const string GroupNorm = "FusedNorm.GroupNormAttribute";
    public const string LayerNorm = "FusedNorm.LayerNormAttribute";
    public const string MaxPool1d = "FusedNorm.MaxPool1dAttribute";
    public const string MaxPool3d = "FusedNorm.MaxPool3dAttribute";
    public const string AvgPool1d = "FusedNorm.AvgPool1dAttribute";
    public const string AvgPool3d = "FusedNorm.AvgPool3dAttribute";
    public const string Linear = "FusedNorm.LinearAttribute";
    public const string BatchNorm = "FusedNorm.BatchNormAttribute";
    public const string MaxPool2d = "FusedNorm.MaxPool2dAttribute";
    public const string AvgPool2d = "FusedNorm.AvgPool2dAttribute";
    public const string LeakyReLU = "FusedNorm.LeakyReLUAttribute";
    public const string ELU = "FusedNorm.ELUAttribute";
    public const string GELU = "FusedNorm.GELUAttribute";
    public const string AdaptiveAvgPool2d = "FusedNorm.AdaptiveAvgPool2dAttribute";
    public const string ConvTranspose2d = "FusedNorm.ConvTranspose2dAttribute";
    public const string Block = "FusedNorm.BlockAttribute";
    /// <summary>UseAttribute&lt;TBlock&gt;, matched by its name without the arity.</summary>
    public const string Use = "FusedNorm.UseAttribute`1";
    public const string Upsample = "FusedNorm.UpsampleAttribute";
    public const string ReflectionPad2d = "FusedNorm.ReflectionPad2dAttribute";
    public const string ReplicationPad2d = "FusedNorm.ReplicationPad2dAttribute";
    public const string ZeroPad2d = "FusedNorm.ZeroPad2dAttribute";

    private static readonly Dictionary<string, string> ByName = new()
    {
        [nameof(Model) + "Attribute"] = Model, [nameof(Fuse) + "Attribute"] = Fuse,
        [nameof(Conv1d) + "Attribute"] = Conv1d, [nameof(Conv2d) + "Attribute"] = Conv2d, [nameof(Conv3d) + "Attribute"] = Conv3d,
        [nameof(InstanceNorm) + "Attribute"] = InstanceNorm, [nameof(GroupNorm) + "Attribute"] = GroupNorm, [nameof(LayerNorm) + "Attribute"] = LayerNorm,
        [nameof(MaxPool1d) + "Attribute"] = MaxPool1d, [nameof(MaxPool3d) + "Attribute"] = MaxPool3d, [nameof(AvgPool1d) + "Attribute"] = AvgPool1d,
        [nameof(AvgPool3d) + "Attribute"] = AvgPool3d, [nameof(Linear) + "Attribute"] = Linear, [nameof(BatchNorm) + "Attribute"] = BatchNorm,
        [nameof(MaxPool2d) + "Attribute"] = MaxPool2d, [nameof(AvgPool2d) + "Attribute"] = AvgPool2d, [nameof(LeakyReLU) + "Attribute"] = LeakyReLU,
        [nameof(ELU) + "Attribute"] = ELU, [nameof(GELU) + "Attribute"] = GELU, [nameof(AdaptiveAvgPool2d) + "Attribute"] = AdaptiveAvgPool2d,
        [nameof(ConvTranspose2d) + "Attribute"] = ConvTranspose2d,
        [nameof(Block) + "Attribute"] = Block, [nameof(Use) + "Attribute"] = Use,
        [nameof(Upsample) + "Attribute"] = Upsample, [nameof(ReflectionPad2d) + "Attribute"] = ReflectionPad2d,
        [nameof(ReplicationPad2d) + "Attribute"] = ReplicationPad2d, [nameof(ZeroPad2d) + "Attribute"] = ZeroPad2d,
    };

    /// <summary>
    /// The metadata name of a FusedNorm attribute (one of the constants above), or null for any other attribute.
    /// Compares the symbol's name and namespace instead of formatting it with ToDisplayString, which allocates and
    /// runs for every attribute of every member on each compilation.
    /// </summary>
    public static string? Of(AttributeData attribute) =>
        attribute.AttributeClass is { } type
        && type.ContainingNamespace is { Name: "FusedNorm" } ns && ns.ContainingNamespace is { IsGlobalNamespace: true }
        && ByName.TryGetValue(type.Name, out string? name)
            ? name
            : null;
}
