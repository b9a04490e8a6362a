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
            if (Keys(chain).Length > 0) // a standalone activation reads nothing
                w.Line("    " + string.Join(", ", Keys(chain).Select(k => "\"" + k + "\"")) + ",");
        w.Line("};");
        w.Line();

        w.Line("/// <summary>Whether every chain's weights have been loaded.</summary>");
        w.Line($"public bool IsLoaded => {string.Join(" && ", model.Chains.Select(c => Field(c) + "Weights is not null").Concat(model.InvertedResiduals.Select(b => "_" + Lower(b.Name) + "Arguments is not null")))};");
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
            foreach (InvertedResidualPlan block in model.InvertedResiduals)
                w.Line($"Load{block.Name}(); // packs {model.Chains[block.Expand].MethodName} → {model.Chains[block.Project].MethodName} for its one-kernel form");
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
        w.Line();
        TensorOverloadEmitter.Emit(w, model);
        TypeEmitter.CloseType(w, model.Type);
        return w.ToString();
    }

    private static string[] Keys(ChainPlan chain)
    {
        var keys = new System.Collections.Generic.List<string>();
        if (chain.Conv?.PreAct is { HasNorm: true } pre)
        {
            if (pre.Affine) { keys.Add(pre.NormName + ".weight"); keys.Add(pre.NormName + ".bias"); }
            keys.Add(pre.NormName + ".running_mean");
            keys.Add(pre.NormName + ".running_var");
        }
        string name = chain.Conv?.Name ?? chain.Linear!.Name;
        if (chain.Conv is not { Identity: true }) // a standalone pass's identity weights are not in the state_dict
        {
            keys.Add(name + ".weight");
            if (chain.Conv?.Bias ?? chain.Linear!.Bias) keys.Add(name + ".bias");
        }
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
                EmitJob(w);
                w.Line($"{model.Chains[0].MethodName}(x, y, batch);");
                return;
            }
            w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{model.Type.ClassName}.Forward\", x, y, batch, InputSize, OutputSize, \"{ShapeInts(model.InputShape)}\", \"{ShapeInts(model.OutputShape)}\", IsLoaded, {model.LargestIntermediate});");
            EmitSequence(w, model.Chains, "x", "y", "batch", null, model);
        }
    }

    /// <summary>
    /// Forward's branch for a block kernel: <paramref name="call"/> where Vector512 or Vector256 runs (and
    /// BlockKernels.Enabled), else the block's chains, which the caller writes next and closes after the projection.
    /// </summary>
    private static void OpenBlockBranch(SourceWriter w, InvertedResidualPlan block, ChainPlan expand, ChainPlan project, string call)
    {
        w.Line($"if ((global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) && global::FusedNorm.Kernels.BlockKernels.Enabled) // {expand.MethodName} → {project.MethodName} as one kernel: the hidden tensors stay in cache");
        w.Line("    " + call);
        w.Open("else");
    }

    /// <summary>The inverted residual whose expansion is chain <paramref name="index"/>, if any.</summary>
    private static InvertedResidualPlan? BlockAt(ModelPlan model, int index) => model.InvertedResiduals.FirstOrDefault(b => b.Expand == index);

    /// <summary>
    /// The Forward of a graph: the chains in declaration order (a topological order), each reading the model input or
    /// an earlier chain's output, every intermediate tensor at its planned offset in one arena rented per call. A
    /// concatenation is one tensor of the arena; the chains that write into its channel slices run one sample at a time
    /// (a slice's samples are the concatenation's size apart), on contiguous spans, so nothing is copied.
    /// </summary>
    private static void EmitGraph(SourceWriter w, ModelPlan model)
    {
        int last = model.Chains.Count - 1;
        string Name(int source) => source == GraphStep.ModelInput ? "x" : model.Chains[source].MethodName;
        // A tensor of the graph: where sample 0 starts in x, y or the arena, how far apart its samples are, and its size.
        (string Base, string Start, int Stride, int Size) View(int source)
        {
            if (source == GraphStep.ModelInput) return ("x", "0", ChainPlan.Product(model.InputShape), ChainPlan.Product(model.InputShape));
            if (source == last) return ("y", "0", model.Chains[last].OutputSize, model.Chains[last].OutputSize);
            GraphStep step = model.Steps[source];
            int size = model.Chains[source].OutputSize;
            if (step.OutputConcat < 0) return ("arena", $"batch * {step.Offset}", size, size);
            ConcatPlan concat = model.Concats[step.OutputConcat];
            return ("arena", $"batch * {concat.Offset} + {step.Offset}", concat.Size, size);
        }
        (string Base, string Start, int Stride, int Size) ConcatView(int k) =>
            ("arena", $"batch * {model.Concats[k].Offset}", model.Concats[k].Size, model.Concats[k].Size);
        string Batched((string Base, string Start, int Stride, int Size) v) =>
            v.Base == "arena" ? $"new global::System.Span<float>(arena, {v.Start}, batch * {v.Size})" : v.Base;
        string Sample((string Base, string Start, int Stride, int Size) v) =>
            v.Base == "arena" ? $"new global::System.Span<float>(arena, {v.Start} + n * {v.Stride}, {v.Size})" : $"{v.Base}.Slice(n * {v.Stride}, {v.Size})";
        string Parts(ConcatPlan c) => string.Join(", ", c.Parts.Select(p => $"{Name(p.Source)} [{p.Offset}, {p.Offset + p.Size}){(p.Direct ? "" : " copied")}"));

        w.Line($"global::FusedNorm.Kernels.ChainGuard.Check(\"{model.Type.ClassName}.Forward\", x, y, batch, InputSize, OutputSize, \"{ShapeInts(model.InputShape)}\", \"{ShapeInts(model.OutputShape)}\", IsLoaded, {model.ArenaSize});");
        EmitJob(w);
        w.Comment("Memory plan, in floats per sample (× batch at run time): each chain's output lives from its step to the last step");
        w.Comment("that reads it, at an offset in one arena; an offset is reused once nothing reads what was there (greedy first fit).");
        for (int i = 0; i < last; i++)
        {
            GraphStep step = model.Steps[i];
            if (step.OutputConcat >= 0)
                w.Comment($"  {model.Chains[i].MethodName,-20} slice [{step.Offset}, {step.Offset + model.Chains[i].OutputSize}) of each sample of concat {step.OutputConcat}, steps {i}..{step.LastRead}");
            else
                w.Comment($"  {model.Chains[i].MethodName,-20} [{step.Offset}, {step.Offset + model.Chains[i].OutputSize}) steps {i}..{step.LastRead}");
        }
        for (int k = 0; k < model.Concats.Count; k++)
        {
            ConcatPlan c = model.Concats[k];
            w.Comment($"  concat {k} ({model.Chains[c.Consumer].MethodName}'s input) [{c.Offset}, {c.Offset + c.Size}) steps {c.Start}..{c.LastRead}: {Parts(c)}");
        }
        foreach (InvertedResidualPlan block in model.InvertedResiduals)
            w.Comment($"  {block.Name} (one kernel where Vector512 or Vector256 runs) reads {Name(model.Steps[block.Expand].Input)} until it writes {model.Chains[block.Project].MethodName}'s tensor at step {block.Project}.");
        w.Comment($"Peak: {model.ArenaSize} floats per sample{(last > 0 ? $"; the last chain, {model.Chains[last].MethodName}, writes y" : "")}.");
        if (model.Concats.Count > 0)
        {
            w.Comment("A concatenation's sample n is [n · size, (n + 1) · size) of its tensor, so a slice's samples are that far apart: the");
            w.Comment("chains that write or read a slice run one sample at a time (batch 1), each on its contiguous span of the slice.");
        }
        if (model.ArenaSize > 0)
        {
            w.Line($"float[] arena = global::System.Buffers.ArrayPool<float>.Shared.Rent(batch * {model.ArenaSize});");
            w.Open("try");
        }
        string? use = null;
        int closeAfter = -1; // the last chain of an inverted residual's three-chain branch
        for (int i = 0; i <= last; i++)
        {
            ChainPlan chain = model.Chains[i];
            GraphStep step = model.Steps[i];
            // A block use's chains run together; say where each use starts ("layer2.0: BasicBlock.Conv1" → "layer2.0: BasicBlock").
            string? chainUse = chain.Block is null ? null : chain.Block.Substring(0, chain.Block.LastIndexOf('.'));
            if (chainUse is not null && chainUse != use) w.Comment($"{chainUse} (block use)");
            use = chainUse;
            if (BlockAt(model, i) is { } block)
            {
                GraphStep projectStep = model.Steps[block.Project];
                string skipArgument = block.Skip ? Batched(View(projectStep.Skip)) + ", " : "";
                OpenBlockBranch(w, block, chain, model.Chains[block.Project], $"{block.Name}({Batched(View(step.Input))}, {skipArgument}{Batched(View(block.Project))}, batch);");
                closeAfter = block.Project;
            }
            var input = step.InputConcat >= 0 ? ConcatView(step.InputConcat) : View(step.Input);
            if (step.InputConcat >= 0)
            {
                ConcatPlan c = model.Concats[step.InputConcat];
                var copied = c.Parts.Where(p => !p.Direct).ToList();
                w.Comment($"concat {step.InputConcat} = torch.cat([{string.Join(", ", c.Parts.Select(p => Name(p.Source)))}], dim=1): " +
                    (copied.Count == 0 ? "every source wrote its own slice." : $"copy {string.Join(", ", copied.Select(p => Name(p.Source)))} into {(copied.Count == 1 ? "its slice" : "their slices")}."));
                foreach (ConcatPart part in copied)
                {
                    var from = View(part.Source);
                    w.Line($"global::FusedNorm.Kernels.ConcatCopy.Samples({from.Base}, {from.Start}, {from.Stride}, arena, batch * {c.Offset} + {part.Offset}, {c.Size}, {part.Size}, batch);");
                }
            }
            var skip = chain.HasSkip ? View(step.Skip) : default;
            var output = View(i);
            string reads = (step.InputConcat >= 0 ? $"concat {step.InputConcat}" : Name(step.Input)) + (chain.HasSkip ? " + skip " + Name(step.Skip) : "");
            bool perSample = input.Stride != input.Size || output.Stride != output.Size || chain.HasSkip && skip.Stride != skip.Size;
            if (perSample)
            {
                string into = output.Stride != output.Size ? $" into its slice of concat {step.OutputConcat}" : "";
                w.Line($"for (int n = 0; n < batch; n++) // {reads} → (1, {ShapeInts(chain.OutputShape)}){into}, one sample at a time");
                w.Line($"    {chain.MethodName}({Sample(input)}, {(chain.HasSkip ? Sample(skip) + ", " : "")}{Sample(output)}, 1);");
            }
            else
                w.Line($"{chain.MethodName}({Batched(input)}, {(chain.HasSkip ? Batched(skip) + ", " : "")}{Batched(output)}, batch); // {reads} → (batch, {ShapeInts(chain.OutputShape)})");
            if (i == closeAfter) w.Close();
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

    /// <summary>
    /// Opens the call's parallel job: the worker threads are taken once per call, and each parallel loop of the chains
    /// below is a step of the job (ParallelJob in the Runtime says how), instead of a hand-off per loop.
    /// </summary>
    private static void EmitJob(SourceWriter w)
    {
        w.Comment("One parallel job for the whole call: the worker threads are taken once, each parallel loop of the chains below");
        w.Comment("(padded copies, kernel tasks) is a step of it, and the threads meet at a barrier between steps.");
        w.Line("using var job = global::FusedNorm.Kernels.Parallelism.BeginJob();");
    }

    /// <summary>Runs chains one after another; the tensors between them ping-pong between two rented buffers.</summary>
    private static void EmitSequence(SourceWriter w, IReadOnlyList<ChainPlan> chains, string x, string y, string batch, string? skip, ModelPlan? model = null)
    {
        int largest = ModelPlan.Largest(chains);
        EmitJob(w);
        w.Comment($"Ping-pong buffers sized for the largest intermediate: {largest} floats per sample.");
        w.Line($"float[] a = global::System.Buffers.ArrayPool<float>.Shared.Rent({batch} * {largest});");
        if (chains.Count > 2) w.Line($"float[] b = global::System.Buffers.ArrayPool<float>.Shared.Rent({batch} * {largest});");
        using (w.Block("try"))
        {
            string Input(int i) => i == 0 ? x : $"new global::System.Span<float>({(i % 2 == 1 ? "a" : "b")}, 0, {batch} * {chains[i - 1].OutputSize})";
            string Output(int i) => i == chains.Count - 1 ? y : $"new global::System.Span<float>({(i % 2 == 0 ? "a" : "b")}, 0, {batch} * {chains[i].OutputSize})";
            int closeAfter = -1;
            for (int i = 0; i < chains.Count; i++)
            {
                ChainPlan chain = chains[i];
                if (model is not null && BlockAt(model, i) is { } block) // a straight model: no skips, so the block has none
                {
                    OpenBlockBranch(w, block, chain, chains[block.Project], $"{block.Name}({Input(i)}, {Output(block.Project)}, {batch});");
                    closeAfter = block.Project;
                }
                string skipArgument = chain.HasSkip ? skip + ", " : "";
                w.Line($"{chain.MethodName}({Input(i)}, {skipArgument}{Output(i)}, {batch}); // → (batch, {ShapeInts(chain.OutputShape)})");
                if (i == closeAfter) w.Close();
            }
        }
        using (w.Block("finally"))
        {
            w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(a);");
            if (chains.Count > 2) w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(b);");
        }
    }
}
