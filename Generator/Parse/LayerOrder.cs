using System.Collections.Generic;
using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Parse;

/// <summary>The grammar of a chain: (Conv2d | Linear) Norm? Activation? Pool?, with the norm and pool matching the data shape.</summary>
internal static class LayerOrder
{
    public static string? Problem(IReadOnlyList<LayerKind> layers)
    {
        if (layers.Count == 0) return "the [Fuse] list is empty";
        if (layers[0].Role() != LayerRole.Compute) return $"it starts with {layers[0]}; the first layer must be Conv2d or Linear";

        LayerKind compute = layers[0];
        LayerRole last = LayerRole.Compute;
        for (int i = 1; i < layers.Count; i++)
        {
            LayerKind layer = layers[i];
            LayerRole role = layer.Role();
            if (role == LayerRole.Compute) return $"{layer} follows {layers[i - 1]}; a chain has one Conv2d or Linear, at its start (split it into two chains)";
            if (role <= last) return $"{layer} follows {layers[i - 1]}; expected the order Conv2d/Linear, norm, activation, pooling, each at most once";
            if (layer == LayerKind.BatchNorm2d && compute != LayerKind.Conv2d) return "BatchNorm2d follows Linear, whose output is (N, C): use BatchNorm1d";
            if (layer == LayerKind.BatchNorm1d && compute != LayerKind.Linear) return "BatchNorm1d follows Conv2d, whose output is (N, C, H, W): use BatchNorm2d";
            if (role == LayerRole.Pool && compute != LayerKind.Conv2d) return $"{layer} follows a Linear layer; 2d pooling needs a Conv2d output";
            last = role;
        }
        return null;
    }
}
