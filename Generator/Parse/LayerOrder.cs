using System.Collections.Generic;
using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Parse;

/// <summary>
/// The grammar of a chain: Prologue (Conv1d | Conv2d | Conv3d | Linear) Norm? Add? Activation? Pool?, where the prologue
/// (before a Conv2d only) is Upsample? then one padding layer?; each norm and pool
/// matching the data shape the compute layer produces; one kernel runs one such chain. A [Fuse] list may hold
/// several in a row, which run as one kernel each (FN0202).
/// </summary>
internal static class LayerOrder
{
    /// <summary>
    /// What is wrong with a [Fuse] list, or null. A list with several convolution or Linear layers is several chains
    /// in a row (see <see cref="Split"/>), each checked on its own.
    /// </summary>
    public static string? Problem(IReadOnlyList<LayerKind> layers)
    {
        if (layers.Count == 0) return "the [Fuse] list is empty";
        if (layers[0].Role() is not (LayerRole.Compute or LayerRole.Prologue)) return $"it starts with {layers[0]}; the first layer must be Conv1d, Conv2d, Conv3d or Linear";
        int adds = 0;
        foreach (LayerKind layer in layers) if (layer == LayerKind.Add) adds++;
        if (adds > 1) return $"it lists Add {adds} times; a [Fuse] list has one Skip, so at most one Add";
        foreach (var part in Split(layers))
            if (PartProblem(part) is { } problem) return problem;
        return null;
    }

    /// <summary>
    /// What is wrong with the place of a prologue layer (Upsample, ReflectionPad2d, ReplicationPad2d, ZeroPad2d), or null
    /// (FN0022). Each run of them must be Upsample? then one padding layer?, right before a Conv2d: they are applied as that
    /// convolution reads its input, so one that ends the list or stands before anything else has nothing to fuse into.
    /// </summary>
    public static string? PrologueProblem(IReadOnlyList<LayerKind> layers)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Role() != LayerRole.Prologue) continue;
            int end = i;
            while (end < layers.Count && layers[end].Role() == LayerRole.Prologue) end++;
            var run = new List<LayerKind>();
            for (int k = i; k < end; k++) run.Add(layers[k]);
            string listed = string.Join(", ", run);
            if (end == layers.Count)
                return $"{listed} ends the list; an upsampling or padding layer is applied as the next convolution reads its input, so it must stand right before that Conv2d: start the next chain with it ([Fuse(Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d, …)]). A standalone or trailing {run[0]} is not supported";
            if (layers[end] != LayerKind.Conv2d)
                return $"{listed} comes before {layers[end]}; Upsample and the 2d padding layers stand right before a Conv2d";
            int upsamples = run.FindAll(l => l == LayerKind.Upsample).Count, pads = run.Count - upsamples;
            if (upsamples > 1 || pads > 1 || (upsamples == 1 && run[0] != LayerKind.Upsample))
                return $"the layers before {layers[end]} are {listed}; before a Conv2d the order is Upsample, then one padding layer (ReflectionPad2d, ReplicationPad2d or ZeroPad2d), each at most once";
            i = end;
        }
        return null;
    }

    private static string? PartProblem(List<LayerKind> layers)
    {
        int start = 0;
        while (start < layers.Count && layers[start].Role() == LayerRole.Prologue) start++; // checked by PrologueProblem
        layers = layers.GetRange(start, layers.Count - start);
        if (layers.Count == 0 || layers[0].Role() != LayerRole.Compute) return $"it starts with {(layers.Count == 0 ? "nothing" : layers[0].ToString())}; the first layer must be Conv1d, Conv2d, Conv3d or Linear";

        LayerKind compute = layers[0];
        int rank = compute.SpatialRank(); // 0 for Linear
        LayerRole last = LayerRole.Compute;
        for (int i = 1; i < layers.Count; i++)
        {
            LayerKind layer = layers[i];
            LayerRole role = layer.Role();
            if (role <= last) return $"{layer} follows {layers[i - 1]}; expected the order convolution/Linear, norm, Add, activation, pooling, each at most once";
            int needs = layer.SpatialRank();
            if (role == LayerRole.Norm && needs >= 0)
            {
                bool fits = layer.IsBatchNorm() ? needs == rank || (needs == 1 && rank == 0) : needs == rank;
                if (!fits)
                {
                    string produced = rank == 0 ? "(N, features)" : $"{rank + 2}-d (N, C, {Spatial(rank)})";
                    string suggestion = layer.IsBatchNorm()
                        ? $"BatchNorm{(rank == 0 ? 1 : rank)}d"
                        : rank == 0 ? "BatchNorm1d, GroupNorm or LayerNorm" : $"InstanceNorm{rank}d";
                    return $"{layer} follows {compute}, whose output is {produced}: use {suggestion}";
                }
            }
            if (layer == LayerKind.Softmax && rank != 0) return $"Softmax follows {compute}; Softmax (dim=1) is supported at the end of a Linear chain";
            if (role == LayerRole.Add && rank == 0) return "Add follows a Linear layer; a residual add is supported after a convolution";
            if (role == LayerRole.Pool && layers.Contains(LayerKind.Add) && layer != LayerKind.AdaptiveAvgPool2d)
                return $"{layer} follows Add; of the pooling layers only AdaptiveAvgPool2d may follow a residual add: end the chain with the add (and its activation)";
            if (role == LayerRole.Pool)
            {
                if (rank == 0) return $"{layer} follows a Linear layer; pooling needs a convolution's output";
                if (needs != rank) return $"{layer} follows {compute}: use the {rank}d pooling layer";
            }
            last = role;
        }
        return null;
    }

    /// <summary>
    /// Removes the layers that compute nothing in eval mode (Dropout, Identity, Flatten) from <paramref name="layers"/>, and
    /// returns what is wrong with a Flatten's place, or null. A Flatten may stand right before a Linear (which flattens its
    /// input anyway) or end the list (<paramref name="flattenOutput"/>: the chain's output shape becomes flat); anywhere
    /// else it would change the shape a later layer of the same kernel sees.
    /// </summary>
    public static string? StripNoOps(List<LayerKind> layers, out bool flattenOutput)
    {
        flattenOutput = false;
        layers.RemoveAll(l => l is LayerKind.Dropout or LayerKind.Identity);
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] != LayerKind.Flatten) continue;
            bool last = i == layers.Count - 1;
            if (!last && layers[i + 1] != LayerKind.Linear)
                return $"Flatten is followed by {layers[i + 1]}; Flatten can stand right before a Linear or end the list";
            if (last) flattenOutput = true;
            layers.RemoveAt(i--);
        }
        return layers.Count == 0 ? "the [Fuse] list holds only layers that compute nothing (Flatten, Dropout, Identity); start it with Conv1d, Conv2d, Conv3d or Linear" : null;
    }

    /// <summary>
    /// Cuts a list before each convolution or Linear layer (before its prologue layers, if any): the chains one kernel
    /// each can run. A list that starts with a compute or prologue layer (see <see cref="Problem"/>) gives at least one part.
    /// </summary>
    public static List<List<LayerKind>> Split(IReadOnlyList<LayerKind> layers)
    {
        var parts = new List<List<LayerKind>>();
        LayerRole previous = LayerRole.Unknown;
        foreach (LayerKind layer in layers)
        {
            LayerRole role = layer.Role();
            bool starts = (role == LayerRole.Compute || role == LayerRole.Prologue) && previous != LayerRole.Prologue;
            if (starts || parts.Count == 0) parts.Add(new List<LayerKind>());
            parts[parts.Count - 1].Add(layer);
            previous = role;
        }
        return parts;
    }

    /// <summary>
    /// The list in an order the grammar accepts, for FN0005's code fix, or null when reordering alone cannot repair it:
    /// a list with one convolution or Linear layer, sorted stably by role (compute, norm, Add, activation, pooling).
    /// </summary>
    public static List<LayerKind>? Reordered(IReadOnlyList<LayerKind> layers)
    {
        int computes = 0;
        foreach (LayerKind layer in layers)
        {
            if (layer.Role() is LayerRole.Unknown or LayerRole.NoOp) return null;
            if (layer.Role() == LayerRole.Compute) computes++;
        }
        if (computes != 1) return null;
        var sorted = new List<LayerKind>(layers);
        var position = new Dictionary<LayerKind, int>();
        for (int i = 0; i < layers.Count; i++) if (!position.ContainsKey(layers[i])) position[layers[i]] = i;
        // Prologue layers (Upsample, a padding layer) stay first, before the compute layer they feed.
        static int Rank(LayerKind l) => l.Role() == LayerRole.Prologue ? -1 : (int)l.Role();
        sorted.Sort((a, b) => Rank(a) != Rank(b) ? Rank(a).CompareTo(Rank(b)) : position[a].CompareTo(position[b]));
        return Problem(sorted) is null && PrologueProblem(sorted) is null ? sorted : null;
    }

    /// <summary>
    /// Removes and returns the norm and activation layers a list starts with, before its first convolution (the
    /// pre-activation of PreAct-ResNet and DenseNet: BatchNorm2d, ReLU, Conv2d). Norms and activations after a compute layer
    /// stay: they are that layer's epilogue.
    /// </summary>
    public static List<LayerKind> TakePreActivation(List<LayerKind> layers)
    {
        int count = 0;
        while (count < layers.Count && layers[count].Role() is LayerRole.Norm or LayerRole.Activation) count++;
        var taken = layers.GetRange(0, count);
        layers.RemoveRange(0, count);
        return taken;
    }

    /// <summary>
    /// What is wrong with a pre-activation <paramref name="pre"/> before the rest of the list, or null (FN0050); a norm that
    /// computes statistics per call (InstanceNorm, GroupNorm, LayerNorm) is FN0051, reported by the caller (see
    /// <see cref="IsStatisticsNorm"/>). The pre-activation is at most one BatchNorm of the convolution's rank, then at most one
    /// activation, right before a convolution or its Upsample / padding layer.
    /// </summary>
    public static string? PreActivationProblem(IReadOnlyList<LayerKind> pre, IReadOnlyList<LayerKind> rest)
    {
        string listed = string.Join(", ", pre);
        int norms = 0, activations = 0;
        foreach (LayerKind layer in pre)
            if (layer.Role() == LayerRole.Norm) norms++; else activations++;
        LayerKind next = rest[0];
        LayerKind compute = LayerKind.Unknown;
        foreach (LayerKind layer in rest)
            if (layer.Role() == LayerRole.Compute) { compute = layer; break; }
        if (norms > 1 || activations > 1 || norms == 1 && pre[0].Role() != LayerRole.Norm)
            return $"it starts with {listed}; before a convolution a chain takes at most one BatchNorm, then at most one activation ([Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d)])";
        if (System.Linq.Enumerable.Contains(pre, LayerKind.Softmax))
            return "it starts with Softmax; Softmax is supported at the end of a Linear chain, not before a convolution";
        if (next.Role() == LayerRole.Pool)
            return $"{listed} comes before {next}; a pre-activation and a pooling layer before the conv both make the conv's input copy and are not composed: end the chain that produces this input with {listed}, {next} ([Fuse(Layer.Conv2d, {string.Join(", ", System.Linq.Enumerable.Select(pre, l => "Layer." + l))}, Layer.{next})]) and start this one with the convolution";
        if (next.Role() != LayerRole.Compute && next.Role() != LayerRole.Prologue)
            return $"{listed} is followed by {next}; a norm or activation before the compute layer is applied as a convolution reads its input, so a Conv1d, Conv2d, Conv3d or ConvTranspose2d must follow";
        if (compute == LayerKind.Linear)
            return $"{listed} comes before Linear; a pre-activation is supported before a convolution: end the chain that produces this input with {listed} instead";
        foreach (LayerKind layer in pre)
            if (layer.IsBatchNorm() && compute != LayerKind.Unknown && layer.SpatialRank() != compute.SpatialRank())
                return $"{layer} comes before {compute}, whose input is {compute.SpatialRank() + 2}-d: use BatchNorm{compute.SpatialRank()}d";
        return null;
    }

    /// <summary>
    /// What is wrong with a list that holds only norms and activations (a standalone chain, one pass of its own), or null:
    /// at most one norm, then at most one activation, not Softmax (FN0052).
    /// </summary>
    public static string? StandaloneProblem(IReadOnlyList<LayerKind> layers)
    {
        int norms = 0, activations = 0;
        foreach (LayerKind layer in layers)
            if (layer.Role() == LayerRole.Norm) norms++; else activations++;
        if (norms > 1 || activations > 1 || norms == 1 && layers[0].Role() != LayerRole.Norm)
            return "a standalone chain is at most one norm, then at most one activation ([Fuse(Layer.GroupNorm, Layer.SiLU)], [Fuse(Layer.ReLU)])";
        if (System.Linq.Enumerable.Contains(layers, LayerKind.Softmax))
            return "Softmax is supported at the end of a Linear chain: end the Linear chain with Layer.Softmax";
        return null;
    }

    /// <summary>A norm whose statistics come from the input at run time whatever its attributes say (not BatchNorm).</summary>
    public static bool IsStatisticsNorm(LayerKind layer) => layer.Role() == LayerRole.Norm && !layer.IsBatchNorm();

    private static string Spatial(int rank) => rank switch { 1 => "L", 2 => "H, W", _ => "D, H, W" };
}
