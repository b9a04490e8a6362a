using System.Linq;
using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Writes the <c>System.Numerics.Tensors</c> side of a model: Forward and every chain method over tensor spans (a
/// <c>Tensor&lt;float&gt;</c> converts to one implicitly), the batch taken from the first dimension, the shape checked and
/// the data used in place by <c>TensorGuard</c>; and the shapes as the tensor APIs take them (nint lengths).
/// </summary>
internal static class TensorOverloadEmitter
{
    private const string ReadOnlyTensor = "global::System.Numerics.Tensors.ReadOnlyTensorSpan<float>";
    private const string Tensor = "global::System.Numerics.Tensors.TensorSpan<float>";

    public static void Emit(SourceWriter w, ModelPlan model)
    {
        string cls = model.Type.ClassName;
        w.Line("/// <summary>Shape of one input sample as the tensor APIs take it (nint lengths), without the batch dimension.</summary>");
        w.Line($"public static global::System.ReadOnlySpan<nint> InputLengths => new nint[] {{ {ShapeInts(model.InputShape)} }};");
        w.Line("/// <summary>Shape of one output sample as the tensor APIs take it (nint lengths), without the batch dimension.</summary>");
        w.Line($"public static global::System.ReadOnlySpan<nint> OutputLengths => new nint[] {{ {ShapeInts(model.OutputShape)} }};");
        w.Line($"/// <summary>A zeroed input tensor of <paramref name=\"batch\"/> samples: (batch, {ShapeInts(model.InputShape)}).</summary>");
        w.Line($"public static global::System.Numerics.Tensors.Tensor<float> CreateInput(int batch) => global::FusedNorm.Kernels.TensorGuard.Create(batch, InputShape);");
        w.Line($"/// <summary>A zeroed output tensor of <paramref name=\"batch\"/> samples: (batch, {ShapeInts(model.OutputShape)}).</summary>");
        w.Line($"public static global::System.Numerics.Tensors.Tensor<float> CreateOutput(int batch) => global::FusedNorm.Kernels.TensorGuard.Create(batch, OutputShape);");
        w.Line();

        Overload(w, cls, "public", "Forward", "x", null, "y", ShapeInts(model.InputShape), null, ShapeInts(model.OutputShape), "The whole model");

        // Each chain method the user declared: a split chain's parts are private kernels, its method is the group's.
        foreach (var method in model.Chains.GroupBy(c => c.Split?.Method ?? c.MethodName))
        {
            ChainPlan first = method.First(), last = method.Last();
            ChainPlan? adds = method.FirstOrDefault(c => c.HasSkip);
            if (first.Split is { } split)
                Overload(w, cls, split.Modifiers, split.Method, split.InputParameter, split.SkipParameter, split.OutputParameter,
                    ShapeInts(first.InputShape), adds is null ? null : ShapeInts(adds.AddShape), ShapeInts(last.OutputShape), $"Chain {split.Method}");
            else
                Overload(w, cls, first.MethodModifiers, first.MethodName, first.InputParameter, first.SkipParameter, first.OutputParameter,
                    ShapeInts(first.InputShape), first.HasSkip ? ShapeInts(first.AddShape) : null, ShapeInts(first.OutputShape), $"Chain {first.MethodName}");
        }
    }

    private static void Overload(SourceWriter w, string cls, string modifiers, string method, string x, string? skip, string y,
        string inputShape, string? skipShape, string outputShape, string what)
    {
        w.Line("/// <summary>");
        w.Line($"/// {what} over tensors: <paramref name=\"{x}\"/> is (batch, {inputShape}), " +
            (skip is null ? "" : $"<paramref name=\"{skip}\"/> (batch, {skipShape}), ") + $"<paramref name=\"{y}\"/> (batch, {outputShape});");
        w.Line("/// the batch is the first dimension. Dense row-major tensors are used in place, without a copy.");
        w.Line("/// </summary>");
        w.Line($"/// <exception cref=\"global::System.ArgumentException\">A shape differs, or a tensor is a slice, transpose or broadcast.</exception>");
        w.Line(GeneratedCode);
        string skipParameter = skip is null ? "" : $"{ReadOnlyTensor} {skip}, ";
        using (w.Block($"{(modifiers.Length > 0 ? modifiers + " " : "")}void {method}({ReadOnlyTensor} {x}, {skipParameter}{Tensor} {y})"))
        {
            string name = $"\"{cls}.{method}\"";
            w.Line($"global::System.ReadOnlySpan<float> {x}Data = global::FusedNorm.Kernels.TensorGuard.Input(in {x}, {name}, \"{x}\", new int[] {{ {inputShape} }}, out int batch);");
            if (skip is not null)
                w.Line($"global::System.ReadOnlySpan<float> {skip}Data = global::FusedNorm.Kernels.TensorGuard.Input(in {skip}, {name}, \"{skip}\", new int[] {{ {skipShape} }}, batch);");
            w.Line($"global::System.Span<float> {y}Data = global::FusedNorm.Kernels.TensorGuard.Output(in {y}, {name}, \"{y}\", new int[] {{ {outputShape} }}, batch);");
            w.Line($"{method}({x}Data, {(skip is null ? "" : skip + "Data, ")}{y}Data, batch);");
        }
        w.Line();
    }
}
