using System.Linq;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// The half of a model that could not be generated: every declared chain method and the model members user code calls
/// get a body that throws, naming the FN errors, so the build reports only those errors (and none of the C# errors a
/// missing implementation would add, one per chain method).
/// </summary>
internal static class StubEmitter
{
    public static string Emit(StubSpec stub, string errors)
    {
        var w = new SourceWriter();
        TypeEmitter.OpenFile(w, stub.Type);
        string message = $"\"FusedNorm could not generate {stub.Type.ClassName}: fix {errors} reported by the build.\"";
        string Throw = $"throw new global::System.InvalidOperationException({message});";
        w.Comment($"Not generated: the build reports {errors} on this model. These bodies only keep the build to those errors.");
        foreach (string method in stub.PartialMethods)
        {
            w.Line($"/// <summary>Not generated: {errors}.</summary>");
            w.Line(GeneratedCode);
            w.Line($"{method} => {Throw}");
        }
        if (stub.Forward)
        {
            w.Line($"/// <summary>Not generated: {errors}.</summary>");
            w.Line($"public void Forward(global::System.ReadOnlySpan<float> x, global::System.Span<float> y, int batch) => {Throw}");
        }
        if (stub.LoadWeights)
        {
            w.Line($"/// <summary>Not generated: {errors}.</summary>");
            w.Line($"public void LoadWeights(string path) => {Throw}");
            w.Line($"/// <summary>Not generated: {errors}.</summary>");
            w.Line($"public void LoadWeights(global::FusedNorm.SafeTensorsFile weights) => {Throw}");
        }
        if (stub.FromSafetensors)
        {
            w.Line($"/// <summary>Not generated: {errors}.</summary>");
            w.Line($"public static {stub.Type.ClassName} FromSafetensors(string path) => {Throw}");
        }
        TypeEmitter.CloseType(w, stub.Type);
        return w.ToString();
    }
}
