namespace FusedNorm.Generator.Spec;

/// <summary>
/// What the generator writes for a model it cannot generate, so that one mistake gives one error (the FN one) and not
/// also a CS8795 "partial method must have an implementation part" per chain method: a body for every partial chain
/// method the user declared, and the model members user code calls (Forward, LoadWeights, FromSafetensors) unless the
/// user declares members of those names. Every body throws, naming the FN errors to fix.
/// </summary>
/// <param name="PartialMethods">Each declaration to implement, as C# text with global:: type names: modifiers, partial, return type, name, parameters.</param>
public sealed record StubSpec(TypeDeclarationSpec Type, EquatableArray<string> PartialMethods, bool Forward, bool LoadWeights, bool FromSafetensors)
{
    /// <summary>
    /// The stub of a model that parsed but could not be planned (a shape error): every chain method's signature is the
    /// one Parse checked, so its text follows from the spec, and no user member collides with a generated one (FN0020).
    /// </summary>
    public static StubSpec From(ModelSpec model)
    {
        var methods = new System.Collections.Generic.List<string>();
        foreach (ChainSpec chain in model.Chains)
        {
            if (chain.Split is { Part: > 1 }) continue; // one user method, several kernels
            (string modifiers, string x, string? skip, string y, string batch) = chain.Split is { } split
                ? (split.Modifiers, split.InputParameter, split.SkipParameter, split.OutputParameter, split.BatchParameter)
                : (chain.MethodModifiers, chain.InputParameter, chain.SkipParameter, chain.OutputParameter, chain.BatchParameter);
            string skipParameter = skip is null ? "" : $"global::System.ReadOnlySpan<float> @{skip}, ";
            // A block use's chain has no user declaration: its stub is a whole method, so code that calls it still compiles.
            string partial = chain.Block is null ? "partial " : "";
            methods.Add($"{modifiers}{(modifiers.Length > 0 ? " " : "")}{partial}void {chain.GraphName}(global::System.ReadOnlySpan<float> @{x}, {skipParameter}global::System.Span<float> @{y}, int @{batch})");
        }
        return new StubSpec(model.Type, methods.ToEquatableArray(), Forward: true, LoadWeights: true, FromSafetensors: model.Type.HasParameterlessConstructor);
    }
}
