using System.Collections.Generic;
using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Writes the model-level members: shape constants, weight loading from a safetensors file, and the whole-model
/// Forward that chains the stages through two pooled buffers.
/// </summary>
internal static class ModelEmitter
{
    public static string Emit(ModelPlan model)
    {
        var w = new SourceWriter();
        TypeEmitter.OpenFile(w, model.Type);
        string cls = model.Type.ClassName;

        w.Line($"/// <summary>Elements of one input sample: {string.Join(" × ", model.InputShape)}.</summary>");
        w.Line($"public const int InputSize = {ChainPlan.Product(model.InputShape)};");
        w.Line($"/// <summary>Elements of one output sample: {string.Join(" × ", model.OutputShape)}.</summary>");
        w.Line($"public const int OutputSize = {ChainPlan.Product(model.OutputShape)};");
        w.Line($"/// <summary>Shape of one input sample, without the batch dimension.</summary>");
        w.Line($"public static global::System.ReadOnlySpan<int> InputShape => new int[] {{ {ShapeInts(model.InputShape)} }};");
        w.Line($"/// <summary>Shape of one output sample, without the batch dimension.</summary>");
        w.Line($"public static global::System.ReadOnlySpan<int> OutputShape => new int[] {{ {ShapeInts(model.OutputShape)} }};");
        w.Line();

        w.Line("/// <summary>The state_dict keys this model reads, in load order.</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<string> StateDictKeys { get; } = new string[]");
        w.Line("{");
        foreach (ChainPlan chain in model.Chains)
            w.Line("    " + string.Join(", ", Keys(chain).Select(k => "\"" + k + "\"")) + ",");
        w.Line("};");
        w.Line();

        w.Line("/// <summary>Whether every chain's weights have been loaded.</summary>");
        w.Line($"public bool IsLoaded => {string.Join(" && ", model.Chains.Select(c => Field(c) + "Weights is not null"))};");
        w.Line();

        w.Line("/// <summary>Loads, folds and packs the weights from a safetensors file written from PyTorch's <c>model.state_dict()</c>.</summary>");
        w.Line("/// <exception cref=\"global::FusedNorm.WeightLoadException\">A tensor is missing or has the wrong shape or dtype.</exception>");
        w.Line(GeneratedCode);
        w.Line("public void LoadWeights(string path) { using var weights = global::FusedNorm.SafeTensorsFile.Open(path); LoadWeights(weights); }");
        w.Line();
        w.Line("/// <summary>Loads, folds and packs the weights from an opened safetensors file, looked up by PyTorch's state_dict names.</summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void LoadWeights(global::FusedNorm.SafeTensorsFile weights)"))
        {
            w.Line("if (weights is null) throw new global::System.ArgumentNullException(nameof(weights));");
            foreach (ChainPlan chain in model.Chains)
                w.Line($"Load{chain.MethodName}(weights);");
        }
        if (model.Type.HasParameterlessConstructor)
        {
            w.Line();
            w.Line($"/// <summary>Creates the model and loads its weights from a safetensors file of its state_dict.</summary>");
            w.Line(GeneratedCode);
            using (w.Block($"public static {cls} FromSafetensors(string path)"))
            {
                w.Line($"var model = new {cls}();");
                w.Line("model.LoadWeights(path);");
                w.Line("return model;");
            }
        }
        w.Line();

        var tracked = model.Chains.Where(c => ChainEmitter.KeepsNormState(c) && c.Norm!.TrackRunningStats).ToList();
        if (tracked.Count > 0)
        {
            w.Line("/// <summary>");
            w.Line("/// Writes the running statistics the model keeps (<c>{name}.running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>),");
            w.Line("/// as PyTorch names them; after training-mode forwards they hold the updated values.");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            using (w.Block("public void WriteRunningStatistics(global::FusedNorm.SafeTensorsWriter writer)"))
            {
                foreach (ChainPlan chain in tracked)
                {
                    string f = Field(chain) + "Norm!";
                    string name = chain.Norm!.Name;
                    w.Line($"writer.Add(\"{name}.running_mean\", (float[]){f}.RunningMean!.Clone(), {chain.Norm.Channels});");
                    w.Line($"writer.Add(\"{name}.running_var\", (float[]){f}.RunningVar!.Clone(), {chain.Norm.Channels});");
                    w.Line($"writer.Add(\"{name}.num_batches_tracked\", new long[] {{ {f}.NumBatchesTracked }});");
                }
            }
            w.Line();
        }

        EmitSplitChains(w, model);
        EmitForward(w, model);
        TypeEmitter.CloseType(w, model.Type);
        return w.ToString();
    }

    private static string[] Keys(ChainPlan chain)
    {
        var keys = new System.Collections.Generic.List<string>();
        string name = chain.Conv?.Name ?? chain.Linear!.Name;
        keys.Add(name + ".weight");
        if (chain.Conv?.Bias ?? chain.Linear!.Bias) keys.Add(name + ".bias");
        if (chain.Norm is { } n)
        {
            if (n.Affine) keys.Add(n.Name + ".weight");
            if (n.AffineBias) keys.Add(n.Name + ".bias");
            if (n.TrackRunningStats)
            {
                keys.Add(n.Name + ".running_mean");
                keys.Add(n.Name + ".running_var");
            }
        }
        return keys.ToArray();
    }

    private static void EmitForward(SourceWriter w, ModelPlan model)
    {
        w.Line("/// <summary>");
        w.Line($"/// The whole model: {string.Join(" → ", model.Chains.Select(c => c.MethodName))}.");
        w.Line($"/// x is (batch, {ShapeInts(model.InputShape)}), y is (batch, {ShapeInts(model.OutputShape)}). Intermediate activations live in " + (model.IsStraight ? "two" : "one"));
        w.Line(model.IsStraight
            ? "/// buffers rented from ArrayPool, so calls allocate nothing in the steady state and may run concurrently."
            : "/// arena rented from ArrayPool per call (the memory plan below), so calls allocate nothing in the steady state and may run concurrently.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Block("public void Forward(global::System.ReadOnlySpan<float> x, global::System.Span<float> y, int batch)"))
        {
            if (!model.IsStraight)
            {
                EmitGraph(w, model);
                return;
            }
            if (model.Chains.Count == 1)
            {
                w.Line($"{model.Chains[0].MethodName}(x, y, batch);");
                return;
            }
            w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{model.Type.ClassName}.Forward\", x, y, batch, InputSize, OutputSize, \"{ShapeInts(model.InputShape)}\", \"{ShapeInts(model.OutputShape)}\", IsLoaded, {model.LargestIntermediate});");
            EmitSequence(w, model.Chains, "x", "y", "batch", null);
        }
    }

    /// <summary>
    /// The Forward of a graph: the chains in declaration order (a topological order), each reading the model input or
    /// an earlier chain's output, every intermediate tensor at its planned offset in one arena rented per call.
    /// </summary>
    private static void EmitGraph(SourceWriter w, ModelPlan model)
    {
        int last = model.Chains.Count - 1;
        string Name(int source) => source == GraphStep.ModelInput ? "x" : model.Chains[source].MethodName;
        string Tensor(int source)
        {
            if (source == GraphStep.ModelInput) return "x";
            if (source == last) return "y";
            return $"new global::System.Span<float>(arena, batch * {model.Steps[source].Offset}, batch * {model.Chains[source].OutputSize})";
        }
        w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{model.Type.ClassName}.Forward\", x, y, batch, InputSize, OutputSize, \"{ShapeInts(model.InputShape)}\", \"{ShapeInts(model.OutputShape)}\", IsLoaded, {model.ArenaSize});");
        w.Comment("Memory plan, in floats per sample (× batch at run time): each chain's output lives from its step to the last step");
        w.Comment("that reads it, at an offset in one arena; an offset is reused once nothing reads what was there (greedy first fit).");
        for (int i = 0; i < last; i++)
        {
            GraphStep step = model.Steps[i];
            w.Comment($"  {model.Chains[i].MethodName,-20} [{step.Offset}, {step.Offset + model.Chains[i].OutputSize}) steps {i}..{step.LastRead}");
        }
        w.Comment($"Peak: {model.ArenaSize} floats per sample{(last > 0 ? $"; the last chain, {model.Chains[last].MethodName}, writes y" : "")}.");
        if (model.ArenaSize > 0)
        {
            w.Line($"float[] arena = global::System.Buffers.ArrayPool<float>.Shared.Rent(batch * {model.ArenaSize});");
            w.Open("try");
        }
        string? use = null;
        for (int i = 0; i <= last; i++)
        {
            ChainPlan chain = model.Chains[i];
            GraphStep step = model.Steps[i];
            // A block use's chains run together; say where each use starts ("layer2.0: BasicBlock.Conv1" → "layer2.0: BasicBlock").
            string? chainUse = chain.Block is null ? null : chain.Block.Substring(0, chain.Block.LastIndexOf('.'));
            if (chainUse is not null && chainUse != use) w.Comment($"{chainUse} (block use)");
            use = chainUse;
            string skip = chain.HasSkip ? Tensor(step.Skip) + ", " : "";
            string reads = Name(step.Input) + (chain.HasSkip ? " + skip " + Name(step.Skip) : "");
            w.Line($"{chain.MethodName}({Tensor(step.Input)}, {skip}{Tensor(i)}, batch); // {reads} → (batch, {ShapeInts(chain.OutputShape)})");
        }
        if (model.ArenaSize > 0)
        {
            w.Close();
            using (w.Block("finally")) w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(arena);");
        }
    }

    /// <summary>
    /// A [Fuse] method whose layers run as several kernels: the user's partial method runs its parts in order
    /// through rented buffers, like the model's Forward runs its chains.
    /// </summary>
    private static void EmitSplitChains(SourceWriter w, ModelPlan model)
    {
        foreach (var parts in model.Chains.Where(c => c.Split is not null).GroupBy(c => c.Split!.Method))
        {
            var chains = parts.ToList();
            SplitSpec split = chains[0].Split!;
            ChainPlan first = chains[0], last = chains[chains.Count - 1];
            string x = split.InputParameter, y = split.OutputParameter, batch = split.BatchParameter;
            w.Line("/// <summary>");
            w.Line($"/// {Escape(string.Join(" → ", chains.Select(Describe)))}, as {chains.Count} fused kernels: {string.Join(" → ", chains.Select(c => c.MethodName))}.");
            w.Line($"/// Input (batch, {ShapeInts(first.InputShape)}) → output (batch, {ShapeInts(last.OutputShape)}). One kernel fuses a convolution or Linear");
            w.Line("/// layer with what follows it, so the tensors between the kernels go through two buffers rented from ArrayPool (FN0202).");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            string? skip = split.SkipParameter;
            string skipParameter = skip is null ? "" : $"global::System.ReadOnlySpan<float> {skip}, ";
            string header = first.Block is null ? "partial void" : "void"; // a block's chain has no user declaration to complete
            using (w.Block($"{(split.Modifiers.Length > 0 ? split.Modifiers + " " : "")}{header} {split.Method}(global::System.ReadOnlySpan<float> {x}, {skipParameter}global::System.Span<float> {y}, int {batch})"))
            {
                string loaded = string.Join(" && ", chains.Select(c => Field(c) + "Weights is not null"));
                w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{model.Type.ClassName}.{split.Method}\", {x}, {y}, {batch}, {first.InputSize}, {last.OutputSize}, \"{ShapeInts(first.InputShape)}\", \"{ShapeInts(last.OutputShape)}\", {loaded}, {ModelPlan.Largest(chains)});");
                if (skip is not null)
                {
                    ChainPlan adds = chains.First(c => c.HasSkip);
                    w.Line($"global::FusedNorm.Kernels.ChainGuard.CheckSkip(\"{model.Type.ClassName}.{split.Method}\", {skip}, {y}, {batch}, {adds.AddSize}, \"{ShapeInts(adds.AddShape)}\"); // {adds.MethodName} adds it");
                }
                EmitSequence(w, chains, x, y, batch, skip);
            }
            w.Line();
        }
    }

    /// <summary>Runs chains one after another; the tensors between them ping-pong between two rented buffers.</summary>
    private static void EmitSequence(SourceWriter w, IReadOnlyList<ChainPlan> chains, string x, string y, string batch, string? skip)
    {
        int largest = ModelPlan.Largest(chains);
        w.Comment($"Ping-pong buffers sized for the largest intermediate: {largest} floats per sample.");
        w.Line($"float[] a = global::System.Buffers.ArrayPool<float>.Shared.Rent({batch} * {largest});");
        if (chains.Count > 2) w.Line($"float[] b = global::System.Buffers.ArrayPool<float>.Shared.Rent({batch} * {largest});");
        using (w.Block("try"))
        {
            for (int i = 0; i < chains.Count; i++)
            {
                ChainPlan chain = chains[i];
                string input = i == 0 ? x : $"new global::System.Span<float>({(i % 2 == 1 ? "a" : "b")}, 0, {batch} * {chains[i - 1].OutputSize})";
                string output = i == chains.Count - 1 ? y : $"new global::System.Span<float>({(i % 2 == 0 ? "a" : "b")}, 0, {batch} * {chain.OutputSize})";
                string skipArgument = chain.HasSkip ? skip + ", " : "";
                w.Line($"{chain.MethodName}({input}, {skipArgument}{output}, {batch}); // → (batch, {ShapeInts(chain.OutputShape)})");
            }
        }
        using (w.Block("finally"))
        {
            w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(a);");
            if (chains.Count > 2) w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(b);");
        }
    }
}
