namespace FusedNorm.Generator.Spec;

/// <summary>
/// What the generator writes for a model it cannot generate, so that one mistake gives one error (the FN one) and not
/// also a CS8795 "partial method must have an implementation part" per chain method: a body for every partial chain
/// method the user declared, and the model members user code calls (Forward, LoadWeights, FromSafetensors) unless the
/// user declares members of those names. Every body throws, naming the FN errors to fix.
/// </summary>
/// <param name="PartialMethods">Each declaration to implement, as C# text with global:: type names: modifiers, partial, return type, name, parameters.</param>
public sealed record StubSpec(TypeDeclarationSpec Type, EquatableArray<string> PartialMethods, bool Forward, bool LoadWeights, bool FromSafetensors);
