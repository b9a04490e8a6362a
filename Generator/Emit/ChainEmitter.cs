using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Writes one chain's file: the weight fields and their load step (validate, fold, pack) on the model class,
/// the partial method's body, and a file-local kernel class holding the fusion plan and the kernels.
/// </summary>
internal static class ChainEmitter
{
    public static string Emit(ChainPlan chain)
    {
        var w = new SourceWriter();
        TypeEmitter.OpenFile(w, chain.Type);
        EmitModelMembers(w, chain);
        TypeEmitter.CloseType(w, chain.Type);
        w.Line();
        TypeEmitter.OpenKernelNamespace(w);
        EmitKernelClass(w, chain);
        w.Close();
        return w.ToString();
    }

    private static void EmitModelMembers(SourceWriter w, ChainPlan chain)
    {
        string field = Field(chain), kernel = KernelClass(chain), kernelRef = KernelRef(chain);
        string source = chain.Conv?.Name ?? chain.Linear!.Name;
        string folded = chain.Norm is { } n ? $" with {n.Name} folded in" : "";
        w.Comment($"{chain.MethodName}'s parameters: {source}.weight{folded}, packed by {kernel}.PackWeights; and the bias{folded}.");
        w.Line($"private float[]? {field}Weights;");
        w.Line($"private float[]? {field}Bias;");
        w.Line();

        w.Line("/// <summary>");
        w.Line($"/// Fused chain <c>{Escape(Describe(chain))}</c>.");
        w.Line($"/// Input (batch, {ShapeInts(chain.InputShape)}) → output (batch, {ShapeInts(chain.OutputShape)}), " +
               (chain.Conv is not null ? "NCHW" : "row-major") + " float32. Allocates nothing" +
               (chain.UsesScratch ? " after the first call (its scratch plane comes from ArrayPool)." : "."));
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        string x = chain.InputParameter, y = chain.OutputParameter, batch = chain.BatchParameter;
        using (w.Block($"{(chain.MethodModifiers.Length > 0 ? chain.MethodModifiers + " " : "")}partial void {chain.MethodName}(global::System.ReadOnlySpan<float> {x}, global::System.Span<float> {y}, int {batch})"))
        {
            w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{chain.Type.ClassName}.{chain.MethodName}\", {x}, {y}, {batch}, {kernelRef}.InputSize, {kernelRef}.OutputSize, \"{ShapeInts(chain.InputShape)}\", \"{ShapeInts(chain.OutputShape)}\", {field}Weights is not null);");
            w.Line($"{kernelRef}.Run({x}, {y}, {batch}, {field}Weights!, {field}Bias!);");
        }
        w.Line();
        EmitLoad(w, chain);
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void EmitLoad(SourceWriter w, ChainPlan chain)
    {
        string field = Field(chain), kernel = KernelClass(chain), kernelRef = KernelRef(chain);
        string name; int outputs; string weightShape; bool bias;
        if (chain.Conv is { } c) { name = c.Name; outputs = c.OutChannels; weightShape = $"{c.OutChannels}, {c.InChannels}, {c.Kernel}, {c.Kernel}"; bias = c.Bias; }
        else { LinearPlan l = chain.Linear!; name = l.Name; outputs = l.OutFeatures; weightShape = $"{l.OutFeatures}, {l.InFeatures}"; bias = l.Bias; }

        w.Comment($"Reads {chain.MethodName}'s tensors by their state_dict names, checks their shapes, folds and packs them.");
        using (w.Block($"private void Load{chain.MethodName}(global::FusedNorm.SafeTensorsFile weights)"))
        {
            w.Line($"float[] weight = weights.ReadFloat32(\"{name}.weight\", {weightShape});");
            w.Line(bias ? $"float[] bias = weights.ReadFloat32(\"{name}.bias\", {outputs});"
                        : $"float[] bias = new float[{outputs}]; // bias=False");
            if (chain.Norm is { } n)
            {
                w.Comment($"{n.Kind} in eval mode is an affine map per channel: fold it into the weights and bias.");
                w.Comment("w' = w·γ/√(running_var+ε), b' = (b − running_mean)·γ/√(running_var+ε) + β");
                string gamma = n.Affine ? $"weights.ReadFloat32(\"{n.Name}.weight\", {outputs})" : "null";
                string beta = n.Affine ? $"weights.ReadFloat32(\"{n.Name}.bias\", {outputs})" : "null";
                w.Line("global::FusedNorm.WeightFolding.FoldBatchNorm(weight, bias,");
                w.Line($"    gamma: {gamma},");
                w.Line($"    beta: {beta},");
                w.Line($"    runningMean: weights.ReadFloat32(\"{n.Name}.running_mean\", {outputs}),");
                w.Line($"    runningVar: weights.ReadFloat32(\"{n.Name}.running_var\", {outputs}),");
                w.Line($"    eps: {Double(n.Eps)});");
            }
            w.Line($"{field}Weights = {kernelRef}.PackWeights(weight);");
            w.Line($"{field}Bias = bias;");
        }
    }

    private static void EmitKernelClass(SourceWriter w, ChainPlan chain)
    {
        FusionPlanComment.Write(w, chain);
        w.Line(GeneratedCode);
        using (w.Block($"file static class {KernelClass(chain)}"))
        {
            w.Line($"public const int InputSize = {chain.InputSize}; // {string.Join(" × ", chain.InputShape)} per sample");
            w.Line($"public const int OutputSize = {chain.OutputSize}; // {string.Join(" × ", chain.OutputShape)} per sample");
            if (chain.Conv is not null) ConvEmitter.Emit(w, chain);
            else LinearEmitter.Emit(w, chain);
        }
    }
}
