using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Writes one chain's file: the weight fields and their load step (validate, fold or keep the norm's
/// parameters, pack) on the model class, the partial method's body, the training-mode forward when asked for,
/// and a file-local kernel class holding the fusion plan and the kernels.
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

    /// <summary>Whether the chain keeps the norm's parameters and statistics at run time (a NormState).</summary>
    public static bool KeepsNormState(ChainPlan chain) => chain.Norm is not null && (chain.ComputesStatistics || chain.TrainingForward);

    /// <summary>Whether the chain keeps unfolded weights beside the folded ones (to refold after training).</summary>
    public static bool KeepsRawWeights(ChainPlan chain) => chain.TrainingForward && chain.Norm?.EvalMode == NormMode.Folded;

    private static void EmitModelMembers(SourceWriter w, ChainPlan chain)
    {
        string field = Field(chain), kernel = KernelClass(chain), kernelRef = KernelRef(chain);
        string source = chain.Conv?.Name ?? chain.Linear!.Name;
        bool folded = chain.Norm?.EvalMode == NormMode.Folded;
        string foldedText = folded ? $" with {chain.Norm!.Name} folded in" : "";
        if (chain.Conv is { Identity: true })
            w.Comment($"{chain.MethodName}'s parameters: the identity depthwise 1×1 weights its pass runs on (1 per channel, built at load){foldedText}, packed by {kernel}.PackWeights; and the bias (0){foldedText}.");
        else
            w.Comment($"{chain.MethodName}'s parameters: {source}.weight{foldedText}, packed by {kernel}.PackWeights; and the bias{foldedText}.");
        w.Line($"private float[]? {field}Weights;");
        w.Line($"private float[]? {field}Bias;");
        if (KeepsRawWeights(chain))
        {
            w.Comment("The unfolded weights, so the eval-mode weights can be folded again after a training step moves the running statistics.");
            w.Line($"private float[]? {field}RawWeights;");
            w.Line($"private float[]? {field}RawBias;");
        }
        if (chain.KeepsFolded)
        {
            w.Comment("The weights as folded, before packing: the inverted-residual kernel this chain is part of packs its own copy from them at load, then drops them.");
            w.Line($"private float[]? {field}Folded;");
        }
        if (KeepsNormState(chain))
        {
            w.Comment($"{chain.Norm!.Kind}'s parameters and statistics, used while the chain runs.");
            w.Line($"private global::FusedNorm.Kernels.NormState? {field}Norm;");
        }
        w.Comment("What the kernel's tasks read: the arrays above, bundled once at load.");
        w.Line($"private global::FusedNorm.Kernels.KernelArguments? {field}Arguments;");
        if (chain.TrainingForward) w.Line($"private global::FusedNorm.Kernels.KernelArguments? {field}TrainingArguments;");
        w.Line();

        string x = chain.InputParameter, y = chain.OutputParameter, batch = chain.BatchParameter;
        string layout = chain.Conv is null ? "row-major" : chain.Conv.Rank switch { 1 => "NCL", 2 => "NCHW", _ => "NCDHW" };
        w.Line("/// <summary>");
        if (chain.Split is { } split)
            w.Line($"/// Kernel {split.Part} of the {split.Parts} that run {split.Method}: fused chain <c>{Escape(Describe(chain))}</c>.");
        else
            w.Line($"/// Fused chain <c>{Escape(Describe(chain))}</c>{(chain.Block is null ? "" : $", from block use {Escape(chain.Block)}")}.");
        w.Line($"/// Input (batch, {ShapeInts(chain.InputShape)}) → output (batch, {ShapeInts(chain.OutputShape)}), {layout} float32.");
        string? skip = chain.SkipParameter;
        if (skip is not null)
            w.Line($"/// <paramref name=\"{skip}\"/> (batch, {ShapeInts(chain.AddShape)}) is added after the norm{(chain.Activation is null ? "" : ", before the activation")}, {(chain.ComputesStatistics ? "in the normalize step" : "tile by tile as the kernel stores")}.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);

        // A part of a split chain is a private method of its own; a block's chain has no user declaration to complete.
        string header = chain.Split is null && chain.Block is null ? "partial void" : "void";
        string skipParameter = skip is null ? "" : $"global::System.ReadOnlySpan<float> {skip}, ";
        using (w.Block($"{(chain.MethodModifiers.Length > 0 ? chain.MethodModifiers + " " : "")}{header} {chain.MethodName}(global::System.ReadOnlySpan<float> {x}, {skipParameter}global::System.Span<float> {y}, int {batch})"))
        {
            w.Line(Guard(chain, chain.MethodName, x, y, batch));
            if (skip is not null)
                w.Line($"global::FusedNorm.Kernels.ChainGuard.CheckSkip(\"{chain.Type.ClassName}.{chain.MethodName}\", {skip}, {y}, {batch}, {KernelRef(chain)}.{(chain.Pool is null ? "OutputSize" : "AddSize")}, \"{ShapeInts(chain.AddShape)}\");");
            w.Line($"{kernelRef}.Run({x}, {(skip is null ? "" : skip + ", ")}{y}, {batch}, {field}Arguments!);");
        }
        w.Line();

        if (chain.TrainingForward)
        {
            NormPlan n = chain.Norm!;
            w.Line("/// <summary>");
            w.Line($"/// The training-mode forward of {chain.MethodName}, as PyTorch's <c>module.train()</c> computes it: {n.Kind} normalizes with");
            w.Line($"/// {(n.TrainingMode == NormMode.BatchStatistics ? "the batch's mean and biased variance per channel" : "each instance's mean and biased variance")}" +
                   (n.TrackRunningStats ? $" and updates {n.Name}.running_mean, running_var (unbiased) and num_batches_tracked" + (n.CumulativeAverage ? " as a cumulative average" : $" with momentum {Double(n.Momentum)}") + "." : "."));
            if (n.EvalMode == NormMode.Folded) w.Line($"/// {chain.MethodName} uses the updated running statistics afterwards.");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            using (w.Block($"public void {chain.MethodName}Training(global::System.ReadOnlySpan<float> {x}, global::System.Span<float> {y}, int {batch})"))
            {
                w.Line(Guard(chain, chain.MethodName + "Training", x, y, batch));
                w.Line($"{kernelRef}.RunTraining({x}, {y}, {batch}, {field}TrainingArguments!);");
                if (KeepsRawWeights(chain))
                    w.Line($"global::FusedNorm.WeightFolding.Refold({field}RawWeights!, {field}RawBias!, {field}Weights!, {field}Bias!, {field}Norm!, {kernelRef}.ChannelOfPacked);");
            }
            w.Line();
        }
        EmitLoad(w, chain);
    }

    private static string Guard(ChainPlan chain, string method, string x, string y, string batch)
    {
        string check = $"global::FusedNorm.Kernels.ChainGuard.Check(\"{chain.Type.ClassName}.{method}\", {x}, {y}, {batch}, {KernelRef(chain)}.InputSize, {KernelRef(chain)}.OutputSize, \"{ShapeInts(chain.InputShape)}\", \"{ShapeInts(chain.OutputShape)}\", {Field(chain)}Weights is not null";
        var (size, what) = BatchBuffer(chain);
        // Only a buffer larger than x and y per sample needs its own check: the guard already bounds batch × those.
        return size > System.Math.Max(chain.InputSize, chain.OutputSize)
            ? $"{check}, {size}); // batch × {size} floats for {what} must fit in an int too"
            : check + ");";
    }

    /// <summary>
    /// The largest buffer the kernel rents per sample of the batch (its indices are computed in int), and what it
    /// holds: the zero-padded input copy, or the conv output of one channel block for every sample that batch
    /// statistics with pooling keep until the block is normalized. Keep in step with ConvEmitter's Rent(batch * …).
    /// </summary>
    private static (int Size, string What) BatchBuffer(ChainPlan chain)
    {
        if (chain.Conv is not { } c) return (0, "");
        var (size, what) = (0, "");
        if (c.PaddedCopy) (size, what) = (c.InChannels * c.InDepth * c.CopyRows * c.RowPitch, "the zero-padded input copy");
        bool batchStatistics = chain.Norm is { } n && (n.EvalMode == NormMode.BatchStatistics || chain.TrainingForward && n.TrainingMode == NormMode.BatchStatistics);
        int scratch = c.OcBlock * c.OutDepth * c.OutHeight * c.OutWidth;
        if (chain.Pool is not null && batchStatistics && scratch > size) (size, what) = (scratch, "a channel block's conv output before pooling");
        return (size, what);
    }


    private static void EmitLoad(SourceWriter w, ChainPlan chain)
    {
        string field = Field(chain), kernelRef = KernelRef(chain);
        string name; int outputs; string weightShape; bool bias;
        if (chain.Conv is { } c)
        {
            name = c.Name; outputs = c.OutChannels; bias = c.Bias;
            weightShape = c.Transposed is null
                ? $"{c.OutChannels}, {c.InPerGroup}, {string.Join(", ", new[] { c.KernelD, c.KernelH, c.Kernel }.Skip(3 - c.Rank))}"
                : $"{c.InChannels}, {c.OutPerGroup}, {c.Kernel}, {c.Kernel}"; // ConvTranspose2d: (in_channels, out_channels / groups, k, k)
        }
        else { LinearPlan l = chain.Linear!; name = l.Name; outputs = l.OutFeatures; weightShape = $"{l.OutFeatures}, {l.InFeatures}"; bias = l.Bias; }

        w.Comment($"Reads {chain.MethodName}'s tensors by their state_dict names, checks their shapes, then folds or keeps the norm's, and packs.");
        using (w.Block($"private void Load{chain.MethodName}(global::FusedNorm.SafeTensorsFile weights)"))
        {
            if (chain.Conv is { Identity: true })
            {
                w.Comment("A standalone pass: the identity depthwise 1×1 conv (weight 1, bias 0) whose epilogue is the chain; x·1 + 0 is x exactly.");
                w.Line($"float[] weight = new float[{outputs}];");
                w.Line("global::System.Array.Fill(weight, 1f);");
            }
            else
                w.Line($"float[] weight = weights.ReadFloat32(\"{name}.weight\", {weightShape});");
            if (chain.Conv is { Transposed: not null } t)
            {
                w.Comment("The equivalent stride-1 conv's weight: in and out channels swapped within each group, the window turned by 180°.");
                w.Line($"weight = global::FusedNorm.TransposedConvWeights.ToConv(weight, {t.InChannels}, {t.OutPerGroup}, {t.Groups}, {t.Kernel});");
            }
            w.Line(bias ? $"float[] bias = weights.ReadFloat32(\"{name}.bias\", {outputs});"
                        : $"float[] bias = new float[{outputs}]; // bias=False");
            if (chain.Norm is { } n)
            {
                string affineShape = n.Elementwise ? string.Join(", ", n.NormalizedShape) : outputs.ToString();
                string gamma = n.Affine ? $"weights.ReadFloat32(\"{n.Name}.weight\", {affineShape})" : "null";
                string beta = n.AffineBias ? $"weights.ReadFloat32(\"{n.Name}.bias\", {affineShape})" : "null";
                if (KeepsNormState(chain))
                {
                    w.Line($"{field}Norm = new global::FusedNorm.Kernels.NormState({outputs}, eps: {Double(n.Eps)}, momentum: {Double(n.Momentum)}, cumulativeAverage: {(n.CumulativeAverage ? "true" : "false")}{(n.Kind.IsInstanceNorm() ? ", countsBatches: false" : "")})");
                    w.Line("{");
                    w.Line($"    Gamma = {gamma},");
                    w.Line($"    Beta = {beta},");
                    if (n.TrackRunningStats)
                    {
                        w.Line($"    RunningMean = weights.ReadFloat32(\"{n.Name}.running_mean\", {outputs}),");
                        w.Line($"    RunningVar = weights.ReadFloat32(\"{n.Name}.running_var\", {outputs}),");
                        w.Line($"    NumBatchesTracked = weights.Contains(\"{n.Name}.num_batches_tracked\") ? weights.ReadInt64(\"{n.Name}.num_batches_tracked\")[0] : 0,");
                    }
                    w.Line("};");
                }
                if (n.EvalMode == NormMode.Folded)
                {
                    if (KeepsRawWeights(chain))
                    {
                        w.Line($"{field}RawWeights = {kernelRef}.PackWeights(weight);");
                        w.Line($"{field}RawBias = (float[])bias.Clone();");
                    }
                    w.Comment($"{n.Kind} with running statistics is an affine map per channel in eval mode: fold it into the weights and bias.");
                    w.Comment("w' = w·γ/√(running_var+ε), b' = (b − running_mean)·γ/√(running_var+ε) + β");
                    w.Line("global::FusedNorm.WeightFolding.FoldBatchNorm(weight, bias,");
                    w.Line($"    gamma: {(KeepsNormState(chain) ? $"{field}Norm.Gamma" : gamma)},");
                    w.Line($"    beta: {(KeepsNormState(chain) ? $"{field}Norm.Beta" : beta)},");
                    w.Line($"    runningMean: {(KeepsNormState(chain) ? $"{field}Norm.RunningMean!" : $"weights.ReadFloat32(\"{n.Name}.running_mean\", {outputs})")},");
                    w.Line($"    runningVar: {(KeepsNormState(chain) ? $"{field}Norm.RunningVar!" : $"weights.ReadFloat32(\"{n.Name}.running_var\", {outputs})")},");
                    w.Line($"    eps: {Double(n.Eps)});");
                }
            }
            w.Line($"{field}Weights = {kernelRef}.PackWeights(weight);");
            w.Line($"{field}Bias = bias;");
            if (chain.KeepsFolded) w.Line($"{field}Folded = weight;");
            string norm = KeepsNormState(chain) ? $", {field}Norm" : "";
            if (chain.Conv?.PreAct is { } pre)
            {
                w.Comment(pre.HasNorm
                    ? $"The pre-activation: {pre.NormKind} '{pre.NormName}' as α = γ/√(running_var+ε), β − running_mean·α per input channel, then {(pre.Activation is { } pa0 ? ActivationModule(pa0) : "no activation")}, applied as the conv's input copy is made (not folded: the conv pads the activated input)."
                    : $"The pre-activation: {ActivationModule(pre.Activation!)} of the input, applied as the conv's input copy is made.");
                int channels = pre.Channels;
                string Read(string key) => $"weights.ReadFloat32(\"{pre.NormName}.{key}\", {channels})";
                string act = pre.Activation is { } pa ? pa.Kind.ToString() : "Identity";
                w.Line($"var preActivation = new global::FusedNorm.Kernels.PreActivation({channels},");
                w.Line($"    gamma: {(pre.HasNorm && pre.Affine ? Read("weight") : "null")},");
                w.Line($"    beta: {(pre.HasNorm && pre.Affine ? Read("bias") : "null")},");
                w.Line($"    runningMean: {(pre.HasNorm ? Read("running_mean") : "null")},");
                w.Line($"    runningVar: {(pre.HasNorm ? Read("running_var") : "null")},");
                w.Line($"    eps: {(pre.HasNorm ? Double(pre.Eps) : "0")},");
                w.Line($"    activation: global::FusedNorm.Layer.{act}{(pre.Activation is { Kind: LayerKind.LeakyReLU or LayerKind.ELU } p1 ? $", parameter: {Float(p1.Parameter)}" : "")}{(pre.Activation is { TanhApproximation: true } ? ", tanhApproximation: true" : "")});");
                w.Line($"{field}Arguments = new global::FusedNorm.Kernels.KernelArguments({field}Weights, {field}Bias{norm}) {{ PreActivation = preActivation }};");
            }
            else
                w.Line($"{field}Arguments = new global::FusedNorm.Kernels.KernelArguments({field}Weights, {field}Bias{norm});");
            if (chain.TrainingForward)
            {
                string raw = KeepsRawWeights(chain) ? "Raw" : "";
                w.Line($"{field}TrainingArguments = new global::FusedNorm.Kernels.KernelArguments({field}{raw}Weights!, {field}{raw}Bias!{norm});");
            }
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
            if (KeepsRawWeights(chain)) { w.Line(); EmitChannelOf(w, chain); }
        }
    }

    private static void EmitChannelOf(SourceWriter w, ChainPlan chain)
    {
        w.Line("/// <summary>The output channel that element <paramref name=\"index\"/> of the packed weights belongs to (for refolding).</summary>");
        if (chain.Linear is not null)
        {
            w.Line(chain.Linear.Vectorized
                ? "public static int ChannelOfPacked(int index) => WeightPacking.LinearFeatureOf(index, Out, In, Lanes);"
                : "public static int ChannelOfPacked(int index) => index / In;");
            return;
        }
        ConvPlan c = chain.Conv!;
        using (w.Block("public static int ChannelOfPacked(int index)"))
        {
            w.Line("int group = index / (OutPerGroup * Taps), q = index - group * OutPerGroup * Taps;");
            w.Line($"int full = {c.FullBlocks} * Block * Taps; // elements of the group's full blocks");
            w.Line("if (q < full) return group * OutPerGroup + q / (Block * Taps) * Block + q % (Block * Taps) % Block;");
            w.Line($"return group * OutPerGroup + {c.FullBlocks} * Block + (q - full) % {System.Math.Max(1, c.TailChannels)};");
        }
    }
}
