using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm.Generator.Diagnostics;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Diagnostics.DiagnosticDescriptors;

namespace FusedNorm.Generator.Plan;

/// <summary>
/// Plan stage: pure functions from <see cref="ModelSpec"/> to <see cref="ModelPlan"/>. Resolves each chain's
/// input shape from the one before it, checks that the layers fit, and makes the kernel decisions (blocking,
/// interior/border split, vector or scalar). Testable without Roslyn.
/// </summary>
public static class ModelPlanner
{
    /// <summary>
    /// Output channels per register block of the conv kernel: 8 channels × 1 column vector (AVX2, 16 registers) or
    /// × 2 column vectors (AVX-512, 32 registers) of accumulators, plus the input vectors and a broadcast weight.
    /// </summary>
    public const int ConvOcBlock = 8;
    /// <summary>Vectors of 8 output features per pass over a Linear layer's input.</summary>
    public const int LinearBlocksPerPass = 4;
    /// <summary>
    /// The Vector512 Linear tile: 6 samples × 4 vectors of 16 outputs = 24 accumulators of the 32 registers, which
    /// leaves room for the 4 weight vectors; each weight vector loaded serves 6 samples.
    /// </summary>
    public const int LinearSamplesPerTile512 = 6, LinearBlocksPerTile512 = 4;
    public const int VectorWidth = 8;
    /// <summary>
    /// The fewest flat positions (FlatEnd) a plane needs for the flat Vector512 kernel: one whole vector, so that every
    /// tile, shifted back to end at a band's end or to start at 0, stays inside the plane. A plane under 48 positions
    /// (MobileNetV2's 6×6 and ResNet-50's 4×4 stages at small inputs) runs tiles of 1 or 2 vectors (ConvPlan.FlatVectors).
    /// </summary>
    public const int FlatMinPositions = 16;
    /// <summary>
    /// The most FMAs one conv kernel method writes out (unrolled taps × channels × vectors, over its tile loops). An
    /// unrolled FMA costs about 17 IL bytes and 4 local references, so 1,024 keep a method near 18,000 bytes and 4,500
    /// references, well inside the JIT's full-optimization limits (60,000 and 8,000). A 3×3 or 5×5 window of 8 channels
    /// × 3 vectors stays whole; a 7×7 or larger unrolls a kernel row and loops over the rows (see ConvPlan.RowUnroll).
    /// </summary>
    public const int MaxUnrolledFmas = 1024;
    /// <summary>
    /// The most tasks per sample a fused conv chain's row bands may make: a batch of 1 can still feed 4 threads with
    /// 4 tasks each (Parallelism.RowBands picks fewer bands, per call, when fewer threads run).
    /// </summary>
    public const int MaxTasksPerSample = 16;
    /// <summary>The least work per row-band task, in multiply-adds (about 0.1–0.3 µs of FMAs): below it a band is not worth a task.</summary>
    public const int MinBandMacs = 32768;
    /// <summary>
    /// The least work per task of a Linear's split passes at a batch under 4, in multiply-adds: 1 MB of float weights,
    /// which such a layer streams from L3 or memory (several µs), well above a task's hand-off. LeNet's layers stay one
    /// task; MobileNetV2's classifier (1.28 M) splits into up to 4, ResNet-50's (2.05 M) up to 7.
    /// </summary>
    public const int MinLinearChunkMacs = 1 << 18;
    /// <summary>
    /// The most floats one sample's tensor or one weight tensor may hold (1 GiB). Far above real layers (VGG's
    /// largest Linear holds 1.0e8), and low enough that no index the kernels compute in int can overflow.
    /// </summary>
    public const long MaxElements = 1L << 28;

    public static Result<ModelPlan> Plan(ModelSpec model)
    {
        var diagnostics = new List<DiagnosticInfo>();
        int[] shape = model.InputShape.ToArray();

        string? shapeProblem =
            shape.Length is < 1 or > 4 ? $"it has {shape.Length} dimensions; give (C, L), (C, H, W) or (C, D, H, W) for a conv net, or (features) for an MLP" :
            shape.Any(d => d <= 0) ? "every dimension must be positive" :
            shape.Aggregate(1.0, (a, d) => a * d) > MaxElements ? string.Format(System.Globalization.CultureInfo.InvariantCulture, "one sample holds {0:N0} floats, more than the {1:N0} FusedNorm supports", shape.Aggregate(1.0, (a, d) => a * d), MaxElements) :
            null;
        if (shapeProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(BadModelInputShape, model.Location, model.Type.ClassName, string.Join(", ", shape), shapeProblem));
            return new Result<ModelPlan>(null, diagnostics.ToEquatableArray());
        }

        // The graph: each chain's input (and its Add's skip) is the model input or an earlier chain's output. Chains run
        // in declaration order, so a source must be declared earlier; that also rules out cycles.
        var chains = new List<ChainPlan>();
        var sources = new List<(int Input, int Skip)>();
        var concats = new List<(int Consumer, int[] Sources)>(); // each chain whose input is a Concat, with its sources in order
        var outputOf = new Dictionary<string, int>(StringComparer.Ordinal); // a chain's graph name → its last kernel
        for (int i = 0; i < model.Chains.Count; i++)
        {
            ChainSpec chain = model.Chains[i];
            bool concatenates = chain.HasConcat && chain.Split is not { Part: > 1 };
            int? input = concatenates ? GraphStep.Concatenated
                : chain.Split is { Part: > 1 } || chain.Input is null ? i - 1
                : Resolve(model, i, "Input", chain.Input, outputOf, diagnostics);
            int? skip = chain.Skip is null ? GraphStep.None : Resolve(model, i, "Skip", chain.Skip, outputOf, diagnostics);
            int[]? concatSources = concatenates ? ResolveAll(model, i, chain.Concat, outputOf, diagnostics) : null;
            if (input is null || skip is null || concatenates && concatSources is null) break; // FN0016/FN0017; later chains would only echo it
            int[] inputShape;
            string source;
            if (concatenates)
            {
                int[]? joined = ConcatShape(model, chain, concatSources!, shape, chains, diagnostics);
                if (joined is null) break; // FN0032
                inputShape = joined;
                source = "the concatenation of " + string.Join(", ", concatSources!.Select(s => s == GraphStep.ModelInput ? "the model input" : "'" + model.Chains[s].GraphName + "'"));
            }
            else
            {
                inputShape = input == GraphStep.ModelInput ? shape : chains[input.Value].OutputShape.ToArray();
                source = input == GraphStep.ModelInput ? "the model input" : "chain '" + model.Chains[input.Value].GraphName + "'";
            }
            ChainPlan? plan = PlanChain(model.Type, i, chain, inputShape, source, diagnostics);
            if (plan is null) break; // later chains' inputs are unknown; their errors would only echo this one
            if (skip >= GraphStep.ModelInput)
            {
                EquatableArray<int> skipShape = skip == GraphStep.ModelInput ? model.InputShape : chains[skip.Value].OutputShape;
                if (!skipShape.Equals(plan.AddShape))
                {
                    string what = skip == GraphStep.ModelInput ? "the model input" : "the output of chain '" + model.Chains[skip.Value].GraphName + "'";
                    diagnostics.Add(DiagnosticInfo.Create(AddShapeMismatch, chain.Location, chain.GraphName, what,
                        string.Join(", ", skipShape), string.Join(", ", plan.AddShape)));
                    break;
                }
                plan = plan with { SkipParameter = chain.SkipParameter };
            }
            chains.Add(plan);
            sources.Add((input.Value, skip.Value));
            if (concatenates) concats.Add((i, concatSources!));
            outputOf[chain.GraphName] = i;
        }

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
            return new Result<ModelPlan>(null, diagnostics.ToEquatableArray());

        EquatableArray<GraphStep> steps = PlanMemory(chains, sources, concats, ChainPlan.Product(model.InputShape), out EquatableArray<ConcatPlan> concatPlans, out int arena);
        for (int i = 0; i + 1 < chains.Count; i++)
            if (steps[i].LastRead == i) // read by no later step (a split method's inner kernels are always read by the next)
                diagnostics.Add(DiagnosticInfo.Create(UnreadOutput, model.Chains[i].Location, model.Chains[i].GraphName));

        List<InvertedResidualPlan> blocks = InvertedResidualPlanner.Plan(chains, steps);
        if (blocks.Count > 0) // each block's kernel reads its input until it has written its output: plan again with that
            steps = PlanMemory(chains, sources, concats, ChainPlan.Product(model.InputShape), out concatPlans, out arena,
                blocks.Select(b => (steps[b.Expand].Input, b.Project)).ToList());
        // A chain of a block kernel runs on its own path only when called alone (or without SIMD): FN0201 says so.
        foreach (InvertedResidualPlan block in blocks)
            for (int k = 0; k < diagnostics.Count; k++)
                if (diagnostics[k] is { Descriptor.Id: "FN0201" } d && d.MessageArgs.Count == 2
                    && (d.MessageArgs[0] == chains[block.Expand].MethodName || d.MessageArgs[0] == chains[block.Depthwise].MethodName || d.MessageArgs[0] == chains[block.Project].MethodName))
                    diagnostics[k] = d with { MessageArgs = EquatableArray.Of(d.MessageArgs[0], d.MessageArgs[1] + $" (when its method is called alone: the model's Forward runs it inside the block kernel {block.Name}, with vectors)") };
        return new Result<ModelPlan>(
            new ModelPlan(model.Type, model.InputShape, chains[chains.Count - 1].OutputShape, chains.ToEquatableArray(), steps, arena, concatPlans,
                blocks.ToEquatableArray()),
            diagnostics.ToEquatableArray());
    }

    /// <summary>The chain <paramref name="name"/> names (GraphStep.ModelInput for Graph.Input), or null after reporting FN0016/FN0017.</summary>
    private static int? Resolve(ModelSpec model, int index, string property, string name, Dictionary<string, int> outputOf, List<DiagnosticInfo> diagnostics)
    {
        ChainSpec chain = model.Chains[index];
        if (name == GraphNames.ModelInput) return GraphStep.ModelInput;
        if (name != chain.GraphName && outputOf.TryGetValue(name, out int source)) return source;
        bool exists = model.Chains.Any(c => c.GraphName == name);
        if (!exists)
            diagnostics.Add(DiagnosticInfo.Create(UnknownSource, chain.Location, chain.GraphName, property, name, model.Type.ClassName));
        else
            diagnostics.Add(DiagnosticInfo.Create(SourceNotEarlier, chain.Location, chain.GraphName, property, name,
                name == chain.GraphName ? "is the chain itself" : "is declared after it"));
        return null;
    }

    /// <summary>Every source a Concat names, resolved as Input is (null after reporting FN0016/FN0017 for the first bad one).</summary>
    private static int[]? ResolveAll(ModelSpec model, int index, EquatableArray<string> names, Dictionary<string, int> outputOf, List<DiagnosticInfo> diagnostics)
    {
        var resolved = new int[names.Count];
        for (int k = 0; k < names.Count; k++)
        {
            int? source = Resolve(model, index, "Concat", names[k], outputOf, diagnostics);
            if (source is null) return null;
            resolved[k] = source.Value;
        }
        return resolved;
    }

    /// <summary>
    /// torch.cat(sources, dim=1) of one sample: the channels (first dims) add up, every other dim must agree (else FN0032).
    /// </summary>
    private static int[]? ConcatShape(ModelSpec model, ChainSpec chain, int[] sources, int[] modelInput, List<ChainPlan> chains, List<DiagnosticInfo> diagnostics)
    {
        int[] ShapeOf(int s) => s == GraphStep.ModelInput ? modelInput : chains[s].OutputShape.ToArray();
        string What(int s) => s == GraphStep.ModelInput ? "the model input" : "the output of chain '" + model.Chains[s].GraphName + "'";
        int[] first = ShapeOf(sources[0]);
        long channels = first[0];
        for (int k = 1; k < sources.Length; k++)
        {
            int[] other = ShapeOf(sources[k]);
            if (other.Length != first.Length || !other.Skip(1).SequenceEqual(first.Skip(1)))
            {
                diagnostics.Add(DiagnosticInfo.Create(ConcatShapeMismatch, chain.Location, chain.GraphName,
                    What(sources[0]), string.Join(", ", first), What(sources[k]), string.Join(", ", other)));
                return null;
            }
            channels += other[0];
        }
        int[] joined = first.ToArray();
        if (channels * first.Skip(1).Aggregate(1L, (a, d) => a * d) > MaxElements)
        {
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            diagnostics.Add(DiagnosticInfo.Create(TensorTooLarge, chain.Location, chain.GraphName, "the concatenated input",
                (channels * first.Skip(1).Aggregate(1L, (a, d) => a * d)).ToString("N0", invariant), MaxElements.ToString("N0", invariant)));
            return null;
        }
        joined[0] = (int)channels;
        return joined;
    }

    /// <summary>
    /// Plans the tensors the whole-model Forward hands between chains. Chain i's output lives from step i to the last
    /// step that reads it; the last chain writes y. Greedy first fit, in step order: each tensor takes the lowest offset
    /// (per sample; the arena holds batch × that) that overlaps no tensor alive at the same time, so a buffer is reused
    /// as soon as nothing reads it any more. <paramref name="arena"/> is the peak, in floats per sample.
    /// </summary>
    /// <remarks>
    /// A concatenation (a chain whose input is Concat) is one tensor of its own, of the concatenated size, alive from the
    /// first chain that writes into it to the last step that reads it or one of its slices. A source's chain writes its
    /// output straight into its channel slice (it has no tensor of its own; <see cref="ConcatPart.Direct"/>) when it is a
    /// chain, is not already placed in another concatenation (or earlier in this one), and it and every chain that reads
    /// it can run one sample at a time: within the arena a slice's samples are the concatenation's C·H·W apart, not its
    /// own size, so the Forward calls those chains per sample (batch 1) on contiguous slices. A chain whose norm takes
    /// batch statistics needs the whole batch at once; its output, and the model input, are copied into the slice just
    /// before the concatenation is read.
    /// </remarks>
    public static EquatableArray<GraphStep> PlanMemory(IReadOnlyList<ChainPlan> chains, IReadOnlyList<(int Input, int Skip)> sources,
        IReadOnlyList<(int Consumer, int[] Sources)> concats, int inputSize, out EquatableArray<ConcatPlan> concatPlans, out int arena,
        IReadOnlyList<(int Source, int Step)>? laterReads = null)
    {
        int count = chains.Count;
        var lastRead = new int[count];
        for (int i = 0; i < count; i++) lastRead[i] = i;
        // A tensor also read at a later step than its readers' (an inverted residual's kernel reads the block input while
        // it writes the projection's output, two steps after the expansion read it): alive until then.
        foreach (var (source, step) in laterReads ?? Array.Empty<(int, int)>())
            if (source >= 0) lastRead[source] = Math.Max(lastRead[source], step);
        for (int i = 0; i < count; i++)
        {
            if (sources[i].Input >= 0) lastRead[sources[i].Input] = Math.Max(lastRead[sources[i].Input], i);
            if (sources[i].Skip >= 0) lastRead[sources[i].Skip] = Math.Max(lastRead[sources[i].Skip], i);
        }
        foreach (var (consumer, parts) in concats)
            foreach (int s in parts)
                if (s >= 0) lastRead[s] = Math.Max(lastRead[s], consumer);

        // Which sources write straight into their slice: see the remarks.
        bool PerSample(int chain) => chains[chain].Norm?.EvalMode != NormMode.BatchStatistics;
        bool CanBeSliced(int s) => s >= 0 && s < count - 1 && PerSample(s)
            && Enumerable.Range(0, count).All(r => (sources[r].Input != s && sources[r].Skip != s) || PerSample(r));
        var placedIn = new int[count]; // the concatenation a chain's output is a slice of, or -1
        var sliceOffset = new int[count];
        for (int i = 0; i < count; i++) placedIn[i] = -1;
        var layouts = new List<(int Consumer, int Size, ConcatPart[] Parts)>();
        foreach (var (consumer, parts) in concats)
        {
            var planned = new ConcatPart[parts.Length];
            int offset = 0;
            for (int p = 0; p < parts.Length; p++)
            {
                int s = parts[p];
                int size = s == GraphStep.ModelInput ? inputSize : chains[s].OutputSize;
                bool direct = s >= 0 && placedIn[s] < 0 && CanBeSliced(s);
                if (direct) { placedIn[s] = layouts.Count; sliceOffset[s] = offset; }
                planned[p] = new ConcatPart(s, offset, size, direct);
                offset += size;
            }
            layouts.Add((consumer, offset, planned));
        }

        // The tensors to place: each chain's own output (but the last's, which is y, and the slices), then each concatenation.
        var tensors = new List<(int Start, int End, int Size, int Chain, int Concat)>();
        for (int i = 0; i + 1 < count; i++)
            if (placedIn[i] < 0) tensors.Add((i, lastRead[i], chains[i].OutputSize, i, -1));
        for (int k = 0; k < layouts.Count; k++)
        {
            var (consumer, size, parts) = layouts[k];
            int start = consumer, end = consumer;
            foreach (ConcatPart part in parts.Where(p => p.Direct))
            {
                start = Math.Min(start, part.Source);
                end = Math.Max(end, lastRead[part.Source]);
            }
            tensors.Add((start, end, size, -1, k));
        }
        // Greedy first fit in order of the first step each tensor is alive (a chain's own output before a concatenation
        // that starts at the same step, so a graph without Concat is placed as before).
        var order = tensors.Select((t, index) => (t, index)).OrderBy(e => e.t.Start).ThenBy(e => e.index).Select(e => e.t).ToList();
        var placed = new List<(int Start, int End, int Offset, int Size)>();
        var offsets = new int[count];
        var concatOffsets = new int[layouts.Count];
        arena = 0;
        foreach (var t in order)
        {
            // The tensors placed so far that are alive while this one is (they start no later, so: those read at its start or later).
            var busy = placed.Where(b => b.End >= t.Start).Select(b => (Start: b.Offset, End: b.Offset + b.Size)).OrderBy(b => b.Start).ToList();
            int offset = 0;
            foreach (var b in busy)
            {
                if (offset + t.Size <= b.Start) break;
                offset = Math.Max(offset, b.End);
            }
            placed.Add((t.Start, t.End, offset, t.Size));
            if (t.Chain >= 0) offsets[t.Chain] = offset;
            else concatOffsets[t.Concat] = offset;
            arena = Math.Max(arena, offset + t.Size);
        }
        offsets[count - 1] = GraphStep.Output;
        for (int i = 0; i < count; i++)
            if (placedIn[i] >= 0) offsets[i] = sliceOffset[i]; // within each sample of the concatenation
        var plans = new List<ConcatPlan>();
        for (int k = 0; k < layouts.Count; k++)
        {
            var t = tensors.First(e => e.Concat == k);
            plans.Add(new ConcatPlan(layouts[k].Consumer, concatOffsets[k], layouts[k].Size, t.Start, t.End, layouts[k].Parts.ToEquatableArray()));
        }
        concatPlans = plans.ToEquatableArray();
        var concatOf = new Dictionary<int, int>();
        for (int k = 0; k < layouts.Count; k++) concatOf[layouts[k].Consumer] = k;
        return Enumerable.Range(0, count).Select(i => new GraphStep(sources[i].Input, sources[i].Skip, offsets[i], lastRead[i],
            InputConcat: concatOf.TryGetValue(i, out int k) ? k : -1, OutputConcat: placedIn[i])).ToEquatableArray();
    }

    private static ChainPlan? PlanChain(TypeDeclarationSpec type, int index, ChainSpec chain, int[] input, string source, List<DiagnosticInfo> diagnostics)
    {
        int errors = diagnostics.Count;
        bool Failed() => diagnostics.Skip(errors).Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor d, params object[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(d, chain.Location, args));
        void ReportArray(Microsoft.CodeAnalysis.DiagnosticDescriptor d, object[] args, (string, string)[]? fix) =>
            diagnostics.Add(fix is null ? DiagnosticInfo.Create(d, chain.Location, args) : DiagnosticInfo.Create(d, chain.Location, args).WithFix(fix));
        // The attribute, layer, property and value FusedNorm.CodeFixes writes to repair a shape mismatch.
        (string, string)[] SetProperty(string attribute, string layerName, string property, object value) => new[]
        {
            (FixProperties.Attribute, attribute), (FixProperties.LayerName, layerName), (FixProperties.Property, property), (FixProperties.Value, value.ToString()!),
        };
        bool TooLarge(double elements, string what)
        {
            if (elements <= MaxElements) return false;
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            Report(TensorTooLarge, chain.MethodName, what, elements.ToString("N0", invariant), MaxElements.ToString("N0", invariant));
            return true;
        }
        string In(int[] s) => string.Join(", ", s);

        ConvPlan? conv = null;
        string? narrowRows = null; // FN0201 for a conv whose rows take no Vector256: reported once the chain's AVX-512 kernels are planned
        LinearPlan? linear = null;
        int[] output;

        // A pool before the conv: the conv sees the pooled input; the chain still takes the input as given.
        int[] raw = input;
        InputPoolPlan? inputPool = null;
        if (chain.InputPool is { } ip)
        {
            string what = $"{ip.Kind} (before the conv)";
            if (input.Length != 3)
            {
                Report(InputRankMismatch, chain.MethodName, what, "(C, H, W)", In(input), source);
                return null;
            }
            if (ip.KernelSize <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} kernel_size", "positive (set KernelSize)", ip.KernelSize);
            if (ip.Stride <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} stride", "positive (or 0 for stride = kernel_size)", ip.Stride);
            if (ip.Padding < 0) Report(NonPositiveSize, chain.MethodName, $"{what} padding", "zero or more", ip.Padding);
            else if (ip.KernelSize > 0 && 2 * ip.Padding > ip.KernelSize)
                Report(NonPositiveSize, chain.MethodName, $"{what} padding", $"at most half of kernel_size ({ip.KernelSize / 2}), as in PyTorch", ip.Padding);
            if (Failed()) return null;
            if (input.Skip(1).Any(d => ip.KernelSize > d + 2L * ip.Padding))
            {
                Report(KernelLargerThanInput, chain.MethodName, what, $"{ip.KernelSize}×{ip.KernelSize}",
                    string.Join("×", input.Skip(1).Select(d => d + 2L * ip.Padding)), $"input {input[1]}×{input[2]}, padding {ip.Padding}");
                return null;
            }
            int Pooled(int d) => (d + 2 * ip.Padding - ip.KernelSize) / ip.Stride + 1;
            inputPool = new InputPoolPlan(ip.Kind, ip.KernelSize, ip.Stride, ip.Padding, ip.CountIncludePad, input[1], input[2]);
            input = new[] { input[0], Pooled(input[1]), Pooled(input[2]) };
        }

        // A standalone norm and/or activation: the epilogue of an identity depthwise 1×1 conv (see ConvPlan.Identity), so the
        // norm's statistics, the threads and the graph are the conv chains' own.
        if (chain.Standalone)
        {
            string what = chain.Norm is { } sn ? sn.Kind.ToString() : chain.Activation!.Kind.ToString();
            int needs = chain.Norm is { } rn && (rn.Kind.IsBatchNorm() || rn.Kind.IsInstanceNorm()) ? rn.Kind.SpatialRank() : 0;
            string wanted = needs switch { 1 => "(C, L)", 2 => "(C, H, W)", 3 => "(C, D, H, W)", _ => "(C, L), (C, H, W) or (C, D, H, W)" };
            if (input.Length is < 2 or > 4 || needs > 0 && input.Length != needs + 1)
            {
                Report(InputRankMismatch, chain.MethodName, what + " (standalone)", wanted + (input.Length == 1 ? "; after a Linear, end the Linear chain with it instead" : ""), In(input), source);
                return null;
            }
            chain = chain with { Conv = new ConvSpec("", 0, input[0], 1, 1, 0, 1, false, input.Length - 1, Groups: input[0]) };
        }

        if (chain.Conv is { } c)
        {
            string layer = c.Transposed ? $"ConvTranspose2d '{c.Name}'" : $"Conv{c.Rank}d '{c.Name}'";
            if (input.Length != c.Rank + 1)
            {
                string wanted = c.Rank switch { 1 => "(C, L)", 2 => "(C, H, W)", _ => "(C, D, H, W)" };
                Report(InputRankMismatch, chain.MethodName, layer, wanted, In(input), source);
                return null;
            }
            int inC = input[0];
            int inD = c.Rank == 3 ? input[1] : 1, inH = c.Rank >= 2 ? input[c.Rank - 1] : 1, inW = input[c.Rank];
            if (c.OutChannels <= 0) Report(NonPositiveSize, chain.MethodName, $"{layer} out_channels", "positive", c.OutChannels);
            if (c.KernelSize <= 0) Report(NonPositiveSize, chain.MethodName, $"{layer} kernel_size", "positive (set KernelSize)", c.KernelSize);
            if (c.Stride <= 0) Report(NonPositiveSize, chain.MethodName, $"{layer} stride", "positive", c.Stride);
            if (c.Dilation <= 0) Report(NonPositiveSize, chain.MethodName, $"{layer} dilation", "positive", c.Dilation);
            if (c.Padding < 0) Report(NonPositiveSize, chain.MethodName, $"{layer} padding", "zero or more", c.Padding);
            if (c.Groups <= 0) Report(NonPositiveSize, chain.MethodName, $"{layer} groups", "positive", c.Groups);
            if (c.InChannels < 0) Report(NonPositiveSize, chain.MethodName, $"{layer} in_channels", "positive (or 0 to infer it)", c.InChannels);
            else if (c.InChannels != 0 && c.InChannels != inC)
                ReportArray(ChannelMismatch, new object[] { chain.MethodName, layer, "InChannels", c.InChannels, inC, source },
                    SetProperty($"Conv{c.Rank}d", c.Name, "InChannels", inC));
            if (Failed()) return null;
            if (inC % c.Groups != 0 || c.OutChannels % c.Groups != 0)
            {
                Report(GroupsDoNotDivide, chain.MethodName, $"{layer} has groups = {c.Groups}, which must divide both in_channels ({inC}) and out_channels ({c.OutChannels})");
                return null;
            }

            // The prologue (an Upsample, a padding layer) changes what the conv sees: plan the conv on those dims.
            ProloguePlan? prologue = PlanPrologue(chain, c, inD, inH, inW, (d, args) => ReportArray(d, args, null));
            if (Failed()) return null;
            if (prologue is not null)
            {
                if (c.Rank == 2) // Upsample and the padding layers stand only before a Conv2d
                {
                    inH = inH * prologue.Scale + prologue.Top + prologue.Bottom;
                    inW = inW * prologue.Scale + prologue.Left + prologue.Right;
                }
                if (CheckConvPaddingMode(chain, c, layer, c.Rank switch { 1 => new[] { inW }, 2 => new[] { inH, inW }, _ => new[] { inD, inH, inW } }, (d, args) => ReportArray(d, args, null)))
                    return null;
            }

            // An input pool and a prologue both make the conv's input copy; they are not composed (the parser refuses an
            // Upsample or padding layer after a leading pool, this is a conv padding_mode other than 'zeros' after one).
            if (inputPool is not null && prologue is not null)
            {
                Report(InvalidParameter, layer, chain.MethodName,
                    $"PaddingMode = {c.PaddingMode} with an input pool ({inputPool.Kind} before the conv) is not supported: both are applied as the conv's input copy is made, and the two are not composed. Pool in the previous chain, or use PaddingMode.Zeros");
                return null;
            }

            if (c.Transposed)
            {
                (conv, output) = PlanTransposed(chain, c, layer, inC, inH, inW, Report, TooLarge, diagnostics);
                if (conv is null) return null;
            }
            else
            {
                // Per spatial dim (PyTorch's order: D, H, W; the ints when the kernel is cubic): the window each dim spans.
                int[] dims = c.Rank switch { 1 => new[] { inW }, 2 => new[] { inH, inW }, _ => new[] { inD, inH, inW } };
                int[] kernel = Enumerable.Range(0, c.Rank).Select(c.KernelAt).ToArray(), stride = Enumerable.Range(0, c.Rank).Select(c.StrideAt).ToArray();
                int[] padding = Enumerable.Range(0, c.Rank).Select(c.PaddingAt).ToArray(), dilation = Enumerable.Range(0, c.Rank).Select(c.DilationAt).ToArray();
                long[] window = Enumerable.Range(0, c.Rank).Select(a => (long)dilation[a] * (kernel[a] - 1) + 1).ToArray();
                if (Enumerable.Range(0, c.Rank).Any(a => window[a] > dims[a] + 2L * padding[a]))
                {
                    string paddingText = c.Axes is null ? $"{c.Padding}" : ConvAxes.Tuple(c.Axes.Padding);
                    Report(KernelLargerThanInput, chain.MethodName, layer, string.Join("×", window),
                        string.Join("×", dims.Select((d, a) => d + 2L * padding[a])), $"input {string.Join("×", dims)}, padding {paddingText}");
                    return null;
                }
                // In double: the products of absurd sizes must not overflow before they are compared.
                double padded = (double)inC * dims.Select((d, a) => d + 2.0 * padding[a]).Aggregate(1.0, (x, y) => x * y);
                double weights = (double)c.OutChannels * (inC / c.Groups) * kernel.Aggregate(1.0, (x, y) => x * y);
                double produced = (double)c.OutChannels * dims.Select((d, a) => (double)((d + 2L * padding[a] - window[a]) / stride[a] + 1)).Aggregate(1.0, (x, y) => x * y);
                if (TooLarge(padded, $"the zero-padded input of {layer}") || TooLarge(weights, $"the weight of {layer}") || TooLarge(produced, $"the output of {layer}"))
                    return null;
                int Out(int axis) => (dims[axis] + 2 * padding[axis] - (int)window[axis]) / stride[axis] + 1;
                int wAxis = c.Rank - 1, hAxis = c.Rank - 2, dAxis = c.Rank - 3;
                int od = c.Rank == 3 ? Out(dAxis) : 1, oh = c.Rank >= 2 ? Out(hAxis) : 1, ow = Out(wAxis);
                int extent = (int)window[wAxis];
                int strideW = stride[wAxis];
                // The row (and plane) stride the flat kernel steps by is the column stride's, so it needs them equal.
                bool rowStrideIsColumnStride = c.Rank < 2 || stride[hAxis] == strideW;
                OuterAxes? outer = c.Axes is null ? null : new OuterAxes(
                    c.Rank == 3 ? kernel[dAxis] : 1, c.Rank >= 2 ? kernel[hAxis] : 1, c.Rank == 3 ? stride[dAxis] : 1, c.Rank >= 2 ? stride[hAxis] : 1,
                    c.Rank == 3 ? padding[dAxis] : 0, c.Rank >= 2 ? padding[hAxis] : 0, c.Rank == 3 ? dilation[dAxis] : 1, c.Rank >= 2 ? dilation[hAxis] : 1);

                // With padding, the kernels read a zero-padded copy of the input: every column is then interior and
                // no tap needs a bounds test (the copy costs one pass over the input; the conv reads it K² times).
                int copyPadding = padding[wAxis];
                int kernelPadding = 0;
                int readD = c.Rank == 3 ? inD + 2 * padding[dAxis] : inD, readH = c.Rank >= 2 ? inH + 2 * padding[hAxis] : inH, readW = inW + 2 * copyPadding;
                // Interior columns: every tap of the window is inside the row, so the vector loop needs no bounds tests.
                int interiorStart = (kernelPadding + strideW - 1) / strideW;
                int lastStart = readW - extent + kernelPadding; // largest ox*stride with the window inside
                int interiorEnd = lastStart < 0 ? 0 : Math.Min(ow, lastStart / strideW + 1);
                bool vectorized = interiorEnd - interiorStart >= VectorWidth;

                // A 2d stride-1 plane whose rows are not a whole number of Vector512s: compute it as one flat row over the
                // padded width (each row's extra columns are computed and dropped), so every register tile is 3 full
                // vectors instead of a partial vector per row. Only the fused eval path (no statistics) does this.
                bool fusedEval = chain.Norm is null || chain.Norm.Kind.IsBatchNorm() && chain.Norm.TrackRunningStats
                    || chain.Norm.Kind.IsInstanceNorm() && chain.Norm.TrackRunningStats;
                // With a residual add the flat kernel stores raw sums, and the copy of each row's kept columns adds the skip and activates.
                bool flat = c.Rank == 2 && strideW == 1 && rowStrideIsColumnStride && fusedEval && ow % 16 != 0 && interiorStart == 0 && interiorEnd == ow
                    && (oh - 1) * readW + ow >= FlatMinPositions;
                // A strided plane too narrow for a Vector512 row (ResNet's last stages: 7 and 14 columns) runs flat as well,
                // over the column-phased copy (output row oh is flat positions oh · stride · pitch …, most of them dropped, but
                // in vectors) or its polyphase copy (PlanPolyphase). Rows of 8–15 columns would otherwise take Vector256 only,
                // one vector of 8 columns per tile (ResNet-18's layer3.0.conv1 ran at 0.3× ONNX Runtime).
                int stridedPitch = strideW * ((readW + strideW - 1) / strideW);
                flat |= c.Rank == 2 && strideW > 1 && rowStrideIsColumnStride && interiorEnd - interiorStart < 2 * VectorWidth && fusedEval && interiorStart == 0 && interiorEnd == ow
                    && (oh - 1) * strideW * stridedPitch + ow >= FlatMinPositions;
                // A wider strided row that is not a whole number of Vector512s (28 columns: the row kernel computes 32; 20: 32)
                // is a candidate too: PlanPolyphase keeps the flat kernel only over the polyphase copy, and only where it keeps
                // a clearly larger share of what it computes than the row kernel does.
                flat |= c.Rank == 2 && strideW > 1 && rowStrideIsColumnStride && interiorEnd - interiorStart >= 2 * VectorWidth && ow % 16 != 0 && fusedEval
                    && interiorStart == 0 && interiorEnd == ow;
                if (!vectorized)
                    narrowRows = $"the conv output rows have {Math.Max(0, interiorEnd - interiorStart)} columns, fewer than one Vector256 of {VectorWidth}" +
                        (Math.Min(ConvOcBlock, c.OutChannels / c.Groups) == ConvOcBlock ? "; each output position computes a block of 8 channels as one Vector256" : "");
                // A strided vector kernel reads a copy whose rows are split into `stride` column phases, so the inputs of
                // consecutive output columns are consecutive (one load per vector instead of a gather of `stride`-apart elements).
                int phases = (vectorized || flat) && strideW > 1 ? strideW : 1;
                conv = new ConvPlan(c.Name, c.Rank, inC, c.OutChannels, c.Groups, kernel[wAxis], strideW, kernelPadding, dilation[wAxis], c.Bias,
                    readD, readH, readW, od, oh, ow, Math.Min(ConvOcBlock, c.OutChannels / c.Groups), interiorStart, interiorEnd, vectorized, copyPadding, flat, phases,
                    Prologue: prologue, Outer: outer);
                output = c.Rank switch { 1 => new[] { c.OutChannels, ow }, 2 => new[] { c.OutChannels, oh, ow }, _ => new[] { c.OutChannels, od, oh, ow } };
            }
        }
        else
        {
            LinearSpec l = chain.Linear!;
            long inFeatures = input.Aggregate(1L, (a, d) => a * d);
            if (l.OutFeatures <= 0) Report(NonPositiveSize, chain.MethodName, $"Linear '{l.Name}' out_features", "positive", l.OutFeatures);
            if (l.InFeatures < 0) Report(NonPositiveSize, chain.MethodName, $"Linear '{l.Name}' in_features", "positive (or 0 to infer it)", l.InFeatures);
            else if (l.InFeatures != 0 && l.InFeatures != inFeatures)
                ReportArray(ChannelMismatch, new object[] { chain.MethodName, $"Linear '{l.Name}'", "InFeatures", l.InFeatures,
                    input.Length == 1 ? inFeatures.ToString() : $"{inFeatures} (flattened from {In(input)})", source },
                    SetProperty("Linear", l.Name, "InFeatures", inFeatures));
            if (Failed()) return null;
            if (TooLarge((double)inFeatures * l.OutFeatures, $"the weight of Linear '{l.Name}'")) return null;

            bool vectorized = l.OutFeatures >= VectorWidth;
            if (!vectorized)
                diagnostics.Add(DiagnosticInfo.Create(ScalarFallback, chain.Location, chain.MethodName,
                    $"Linear '{l.Name}' has {l.OutFeatures} output features, fewer than one Vector256 of {VectorWidth}"));
            int lanes = l.OutFeatures >= 16 ? 16 : 8;
            int blocks = (l.OutFeatures + lanes - 1) / lanes * (lanes / VectorWidth); // Vector256 vectors
            linear = new LinearPlan(l.Name, (int)inFeatures, l.OutFeatures, l.Bias, blocks, Math.Min(LinearBlocksPerPass, blocks), vectorized, lanes);
            output = new[] { l.OutFeatures };
        }

        if (chain.Standalone) conv = conv! with { Identity = true };

        // A BatchNorm and/or activation before the conv: applied to the input as the conv's copy is made (see PreActPlan).
        if (conv is not null && (chain.PreNorm is not null || chain.PreActivation is not null))
        {
            NormSpec? pn = chain.PreNorm;
            if (pn is not null)
            {
                string what = $"{pn.Kind} '{pn.Name}'";
                if (pn.NumFeatures < 0) Report(NonPositiveSize, chain.MethodName, $"{what} num_features", "positive (or 0 to infer it)", pn.NumFeatures);
                else if (pn.NumFeatures != 0 && pn.NumFeatures != conv.InChannels)
                    ReportArray(NormFeatureMismatch, new object[] { chain.MethodName, what + $" (before {(conv.Transposed is null ? $"Conv{conv.Rank}d" : "ConvTranspose2d")} '{conv.Name}')", pn.NumFeatures, conv.InChannels, source, "num_features", "NumFeatures" },
                        SetProperty("BatchNorm", pn.Name, "NumFeatures", conv.InChannels));
                if (Failed()) return null;
            }
            conv = conv with
            {
                PreAct = new PreActPlan(pn?.Kind ?? LayerKind.Unknown, pn?.Name ?? "", conv.InChannels, pn?.Eps ?? 0, pn?.Affine ?? false, chain.PreActivation),
            };
        }

        NormPlan? norm = null;
        if (chain.Norm is { } n)
        {
            norm = PlanNorm(chain, n, output, chain.Standalone ? source : conv is not null ? (conv.Transposed is null ? $"Conv{conv.Rank}d '{conv.Name}'" : $"ConvTranspose2d '{conv.Name}'") : $"Linear '{linear!.Name}'", ReportArray);
            if (Failed()) return null;
        }

        PoolPlan? pool = null;
        if (chain.Pool is { Kind: LayerKind.AdaptiveAvgPool2d })
        {
            // Global average pooling: one window of the whole plane per channel.
            pool = new PoolPlan(LayerKind.AdaptiveAvgPool2d, conv!.Rank, 0, 0, 0, true, 1, 1, 1, conv.OutWidth);
            output = new[] { output[0], 1, 1 };
        }
        else if (chain.Pool is { } p)
        {
            string what = $"{p.Kind}";
            if (p.KernelSize <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} kernel_size", "positive (set KernelSize)", p.KernelSize);
            if (p.Stride <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} stride", "positive (or 0 for stride = kernel_size)", p.Stride);
            if (p.Padding < 0) Report(NonPositiveSize, chain.MethodName, $"{what} padding", "zero or more", p.Padding);
            else if (p.KernelSize > 0 && 2 * p.Padding > p.KernelSize)
                Report(NonPositiveSize, chain.MethodName, $"{what} padding", $"at most half of kernel_size ({p.KernelSize / 2}), as in PyTorch", p.Padding);
            if (Failed()) return null;
            int[] dims = output.Skip(1).ToArray();
            if (dims.Any(d => p.KernelSize > d + 2L * p.Padding))
            {
                Report(KernelLargerThanInput, chain.MethodName, what, string.Join("×", dims.Select(_ => p.KernelSize)),
                    string.Join("×", dims.Select(d => d + 2L * p.Padding)), $"conv output {string.Join("×", dims)}, padding {p.Padding}");
                return null;
            }
            // PyTorch's avg_pool3d (and only it) also wants the window within the unpadded input.
            if (p.Kind == LayerKind.AvgPool3d && dims.Any(d => p.KernelSize > d))
            {
                Report(AvgPool3dWindowBeyondInput, chain.MethodName, string.Join("×", dims.Select(_ => p.KernelSize)), string.Join("×", dims), dims.Min());
                return null;
            }
            int[] pooled = dims.Select(d => (d + 2 * p.Padding - p.KernelSize) / p.Stride + 1).ToArray();
            int rank = conv!.Rank;
            pool = new PoolPlan(p.Kind, rank, p.KernelSize, p.Stride, p.Padding, p.CountIncludePad,
                rank == 3 ? pooled[0] : 1, rank >= 2 ? pooled[rank - 2] : 1, pooled[rank - 1], dims[rank - 1]);
            output = new[] { output[0] }.Concat(pooled).ToArray();
        }

        if (Failed()) return null;
        if (chain.FlattenOutput) output = new[] { output.Aggregate(1, (a, d) => a * d) }; // torch.flatten(x, 1): the same floats
        if (inputPool is not null)
        {
            conv = conv! with { InputPool = inputPool };
            input = raw;
        }
        if (conv is not null && chain.Conv is { Winograd: not WinogradChoice.Off } spec)
        {
            // Winograd F(4×4, 3×3) instead of the direct kernel: chosen by shape when the argument is not written; asked for
            // with Winograd = true, where FN0203 says why the plan cannot run it. The fusion plan says which runs, and why.
            bool asked = spec.Winograd == WinogradChoice.On;
            var (winograd, reason) = WinogradPlanner.Choose(conv, norm, pool, chain.TrainingForward, asked);
            if (winograd is not null) conv = conv with { Winograd = winograd };
            else
            {
                if (asked || WinogradPlanner.LooksLikeCandidate(conv)) conv = conv with { WinogradDeclined = reason }; // the fusion plan says why
                if (asked) diagnostics.Add(DiagnosticInfo.Create(WinogradNotApplicable, chain.Location, chain.MethodName, reason));
            }
        }
        if (conv is not null) conv = PlanPolyphase(conv);

        var plan = new ChainPlan(type, index, chain.MethodName, chain.MethodModifiers, chain.InputParameter, chain.OutputParameter,
            chain.BatchParameter, input.ToEquatableArray(), output.ToEquatableArray(), conv, linear, norm,
            chain.Activation is { Kind: LayerKind.Softmax } ? null : chain.Activation, pool, // Softmax is a row step of its own, not an elementwise activation
            chain.TrainingForward, chain.Split, SkipParameter: chain.SkipParameter, Softmax: chain.Activation is { Kind: LayerKind.Softmax }, Block: chain.Block);
        plan = plan with { MaxRowBands = PlanMaxRowBands(plan), StatBands = PlanStatBands(plan) };
        plan = plan with { TaskCopy = PlanTaskCopy(plan) };
        plan = plan with { BlocksPerTask = PlanBlocksPerTask(plan) };
        plan = plan with { RowPermute = PlanRowPermute(plan) };
        if (PlanDepthwiseLanes(plan))
        {
            // A task runs whole vectors of channels: runs of a multiple of 16 (at least 16), the row bands planned again for that many tasks.
            plan = plan with { DepthwiseLanes = true, BlocksPerTask = (Math.Max(plan.BlocksPerTask, 16) + 15) / 16 * 16 };
            plan = plan with { MaxRowBands = PlanMaxRowBands(plan, (plan.Conv!.BlocksPerSample + plan.BlocksPerTask - 1) / plan.BlocksPerTask) };
        }
        if (PlanChannelLanes(plan))
        {
            // A task runs whole vectors of 8 channels, the row bands planned again for that many tasks.
            plan = plan with { ChannelLanes = true, BlocksPerTask = (Math.Max(plan.BlocksPerTask, ChannelLaneWidth) + ChannelLaneWidth - 1) / ChannelLaneWidth * ChannelLaneWidth };
            plan = plan with { MaxRowBands = PlanMaxRowBands(plan, (plan.Conv!.BlocksPerSample + plan.BlocksPerTask - 1) / plan.BlocksPerTask) };
        }
        int lanePositions = PlanLanePositions(plan);
        if (lanePositions > 0)
        {
            // A lane task runs 2–3 vectors' blocks, so a sample has fewer tasks (MobileNetV2's 160-channel projections: 4 of
            // 6, 6, 6 and 2 blocks): the row bands are planned again for that many, so 2 threads still get even work.
            plan = plan with { LanePositions = lanePositions, BlocksPerTask = 2 * LaneVectors(plan.Conv!), LaneChunk = LaneChunk(plan.Conv!) };
            plan = plan with { MaxRowBands = PlanMaxRowBands(plan, (plan.Conv!.BlocksPerSample + plan.BlocksPerTask - 1) / plan.BlocksPerTask) };
        }
        // A channel-lane chain runs vectors wherever Vector256 is accelerated, whatever its rows: no scalar fallback to report.
        if (narrowRows is not null && !plan.ChannelLanes)
            diagnostics.Add(DiagnosticInfo.Create(ScalarFallback, chain.Location, chain.MethodName, narrowRows + Avx512Kernel(plan)));
        return plan;
    }

    /// <summary>
    /// What runs a chain whose rows take no Vector256 where AVX-512 is available (FN0201 says so: only a CPU without it takes
    /// the slow path), or "" where nothing does.
    /// </summary>
    private static string Avx512Kernel(ChainPlan plan) =>
        plan.LanePositions > 0 ? $" (where AVX-512 is available, the lane kernel runs it: 16 output channels per Vector512 × tiles of {plan.LanePositions} positions)"
        : plan.DepthwiseLanes ? " (where AVX-512 is available, the depthwise lane kernel runs it: 16 channels per Vector512)"
        : plan.RowPermute ? " (where AVX-512 is available, the row-permute kernel runs it: each output row one Vector512)"
        : plan.Conv is { Flat512: true } ? " (where Vector512 is accelerated, the flat Vector512 kernel runs it instead)"
        : "";

    /// <summary>The most Vector512s of 16 output channels a lane tile holds (× its positions: at most 24 accumulators).</summary>
    public const int MaxLaneVectors = 3;

    /// <summary>
    /// The most bytes of weights one pass of the lane kernel reads (its 16 · vectors channels' taps of the pass's input
    /// channels), read again by each tile of positions of the pass: a quarter of this machine's 1 MB L2, so they come
    /// from L2, not L3 or memory.
    /// </summary>
    public const int MaxLaneTileWeightBytes = 256 * 1024;

    /// <summary>Vector512s of 16 output channels per lane tile: up to <see cref="MaxLaneVectors"/>.</summary>
    public static int LaneVectors(ConvPlan c) => Math.Min(MaxLaneVectors, c.OutChannels / 16);

    /// <summary>
    /// Input channels per pass of the lane kernel (ChainPlan.LaneChunk), 0 for one pass: where a tile's weights for every
    /// input channel pass <see cref="MaxLaneTileWeightBytes"/> (ResNet's 512-channel 3×3 convs on 7×7: 884 KB for 48
    /// channels, re-read by each of the plane's 7 tiles), the reduction is cut into equal chunks that stay within it, and a
    /// group of tiles runs chunk after chunk, keeping its accumulators in a buffer between them. Each output is still one
    /// chain of fused multiply-adds over its input channels in order: the bits do not depend on the chunking.
    /// </summary>
    public static int LaneChunk(ConvPlan c)
    {
        long perChannel = 16L * LaneVectors(c) * c.TapsPerInput * sizeof(float);
        if (perChannel * c.InPerGroup <= MaxLaneTileWeightBytes) return 0;
        int most = Math.Max(1, (int)(MaxLaneTileWeightBytes / perChannel));
        int chunks = (c.InPerGroup + most - 1) / most;
        return (c.InPerGroup + chunks - 1) / chunks;
    }

    /// <summary>Floats of a lane task's buffer of accumulators between passes (LaneChunk): its group of tiles × positions × channels.</summary>
    public const int LaneGroupFloats = 8192;

    /// <summary>
    /// Positions per tile of the lane kernel (ChainPlan.LanePositions), or 0 where it does not run: a dense stride-1 2d conv
    /// whose output rows are narrower than a Vector512 (7×7, 6×6, 4×4 planes), its norm folded or absent,
    /// out_channels a multiple of 16 (with a pool, such as a classifier head's global average, the tiles go to the task's
    /// scratch planes and the pool reads them, as on the other kernels). With AVX-512 its tasks then compute 16 output channels per Vector512 (weights packed
    /// in blocks of 16 in an AVX-512 process: one load per tap) × 4–8 consecutive output positions (across rows), each input broadcast:
    /// every position computed is kept, where the flat kernel computes 64 positions for a 7×7 plane's 49 and drops 15.
    /// The tile's positions are chosen to waste the fewest on the plane (7 on 7×7), never more than the plane holds.
    /// Where a tile's weights pass <see cref="MaxLaneTileWeightBytes"/>, it runs in passes over chunks of the input
    /// channels (<see cref="LaneChunk"/>).
    /// </summary>
    public static int PlanLanePositions(ChainPlan chain)
    {
        if (chain.Conv is not { Rank: 2, Groups: 1, Outer: null, Winograd: null, Transposed: null, InputPool: null, Vectorized512: false } c
            || chain.ComputesStatistics || chain.TrainingForward || c.OutChannels % 16 != 0 || c.OutChannels < 32 || c.OutWidth >= 16)
            return 0;
        // A strided conv reads the flat kernel's copy (column-phased or polyphase: the window of output (oh, ox) starts at
        // oh · FlatPitch + ox, each tap at a constant offset from it), so only where the flat kernel is planned, with the
        // same stride on both axes, and with the window unrolled whole (a polyphase tap offset is not a multiple of a row).
        bool strided = c.Stride != 1 || c.StrideH != 1;
        if (strided && (!c.Flat512 || c.StrideH != c.Stride)) return 0;
        int positions = c.OutHeight * c.OutWidth, vectors = LaneVectors(c);
        if (vectors < 2) return 0; // one vector of 16 channels: too few accumulators
        // Where the flat kernel keeps most of what it computes (a 14×14 plane: 196 of 224), it stays: its tiles have 24
        // accumulators for 11 loads, the lane tiles 21 for 13 and a scalar store per output.
        if (c.Flat512 && positions >= MinLaneShare * c.FlatComputed) return 0;
        // Positions per tile: the fewest recomputed by the last tile, and enough accumulators (vectors × positions ≥ 12)
        // to keep both FMA pipes busy through the FMA's latency.
        int best = 0;
        double bestScore = 0;
        for (int p = Math.Min(8, positions); p >= 4; p--)
        {
            double score = (double)positions / ((positions + p - 1) / p * p) * Math.Min(1.0, vectors * p / 12.0);
            if (score > bestScore + 1e-9) { best = p; bestScore = score; }
        }
        if (strided && c.TapsPerInput * best * vectors > MaxLaneUnrolledFmas) return 0;
        return best;
    }

    /// <summary>The most FMAs per input channel the lane kernel unrolls (its window's taps × positions × vectors); past it, one kernel row per loop step.</summary>
    public const int MaxLaneUnrolledFmas = 216;

    /// <summary>The share of its computed positions the flat kernel must keep for the lane kernel not to replace it.</summary>
    public const double MinLaneShare = 0.85;

    /// <summary>The widest input row the row-permute kernel takes: one Vector512 with a lane to spare.</summary>
    public const int MaxRowPermuteWidth = 15;

    /// <summary>
    /// Whether a depthwise (or few-channels-per-group) 2d conv on planes narrower than a Vector512 computes each output row
    /// as one Vector512 straight from the unpadded input (with AVX-512): an input row is one load, and each tap's columns
    /// for the output row (stride, padding and dilation included) one two-source permute of it against zero, so there is
    /// no padded copy. The copy and the kernels over it cost MobileNetV2 224²'s 14² → 7² depthwise conv about 200 ns
    /// per channel, against 441 multiply-adds. Plain zero padding only; the input copy is per task (TaskCopy) or none,
    /// the norm folded or absent, no pooling or residual add; an input plane of at least 16 floats (a row's vector
    /// may start earlier in the plane, never before it) and an output plane of at least 16 (its copy out is whole vectors).
    /// </summary>
    public static bool PlanRowPermute(ChainPlan chain) =>
        chain.Conv is { Rank: 2, Groups: > 1, Outer: null, Winograd: null, Prologue: null, PreAct: null, InputPool: null, Transposed: null } c
        && (chain.TaskCopy || !c.PaddedCopy)
        && !chain.ComputesStatistics && chain.Pool is null && !chain.HasSkip
        && c.SourceWidth <= MaxRowPermuteWidth && c.SourceHeight * c.SourceWidth >= 16
        && c.OutWidth <= 16 && c.OutHeight * c.OutWidth >= 16
        && c.OcBlock * c.InPerGroup * c.TapsPerInput <= 64;

    /// <summary>Channels per vector of the channel-lane kernel (one Vector256).</summary>
    public const int ChannelLaneWidth = 8;

    /// <summary>
    /// The smallest window (taps per channel) the channel-lane kernel takes: 5×5 and up. Measured with `probe` (one process,
    /// 1 thread) against the per-channel kernels: 5×5 on 28² (240 channels, SiLU) 351 → 262 µs, on 112² (32, ReLU) 401 →
    /// 304 µs, 7×7 on 56² (96, ReLU) 581 → 330 µs; a 3×3 window was faster on 56² (100 → 88 µs) but slower on 28² (74 → 88)
    /// and 112² (181 → 216): 9 taps do not pay for the two transposes.
    /// </summary>
    public const int MinChannelLaneTaps = 25;

    /// <summary>Output positions per register tile of the channel-lane kernel: 8 accumulators, enough FMAs in flight.</summary>
    public const int ChannelLaneTile = 8;

    /// <summary>
    /// Whether a depthwise 2d conv with a window of at least <see cref="MinChannelLaneTaps"/> taps (EfficientNet's and
    /// MobileNetV3's 5×5, ConvNeXt's 7×7) runs the channel-lane kernel where Vector256 is accelerated: each task interleaves
    /// its 8-channel groups' input rows as [row][column][8] (zero-padded: no padded copy), each tile of 8 output positions of
    /// a row keeps 8 accumulators of 8 channels, and every tap is one weight vector (packed [tap][channel]) for the 8
    /// positions' aligned input loads; the tile is activated and the outputs are transposed back to their planes. The
    /// flat and row kernels it replaces compute one channel per vector: every tap then loads each of their vectors again,
    /// unaligned, from a window shifted by one column, and a 7×7 depthwise conv on 56² ran at 0.59× ONNX Runtime (51
    /// GFLOP/s). Channels a multiple of 8 (a channel multiplier of 1), plain zero padding (the input copy per task or none),
    /// the norm folded or absent, no pooling or residual add; planes too small for the other lane kernels keep them.
    /// </summary>
    public static bool PlanChannelLanes(ChainPlan chain) =>
        chain.Conv is { Rank: 2, Winograd: null, Prologue: null, PreAct: null, InputPool: null, Transposed: null, Padding: 0 } c
        && c.Groups == c.InChannels && c.OutChannels == c.InChannels && c.InChannels % ChannelLaneWidth == 0
        && c.TapsPerInput >= MinChannelLaneTaps
        && (chain.TaskCopy || !c.PaddedCopy)
        && !chain.RowPermute && !chain.DepthwiseLanes
        && !chain.ComputesStatistics && !chain.TrainingForward && chain.Pool is null && !chain.HasSkip;

    /// <summary>The most positions of a zero-padded input plane the depthwise lane kernel transposes into its stack buffer (× 16 channels: 16 KB).</summary>
    public const int MaxDepthwiseLanePlane = 256;

    /// <summary>
    /// Whether a depthwise 2d conv on a plane too small for <see cref="PlanRowPermute"/> (under 16 floats in or out:
    /// MobileNetV2 96²'s 3×3 planes) computes 16 channels per Vector512 with AVX-512: each group of 16 channels' planes is
    /// transposed into a zero-padded [row][column][channel] stack buffer, every output position is one vector of taps
    /// FMAs (the weights packed [tap][channel]), and the outputs are transposed back. The pixel kernel it replaces ran
    /// one channel at a time in scalar (2.8× ONNX Runtime's time on 960 channels of 3×3). Any kernel, stride and dilation;
    /// the padding in the input copy (per task, or none), the norm folded or absent, no pooling or residual add. A task
    /// then runs a multiple of 16 channels (<see cref="ChainPlan.BlocksPerTask"/>).
    /// </summary>
    public static bool PlanDepthwiseLanes(ChainPlan chain) =>
        chain.Conv is { Rank: 2, Winograd: null, Prologue: null, PreAct: null, InputPool: null, Transposed: null, Padding: 0 } c
        && c.Groups == c.InChannels && c.OutChannels == c.InChannels
        && (chain.TaskCopy || !c.PaddedCopy)
        && !chain.RowPermute && c.OcBlock == 1
        && !chain.ComputesStatistics && !chain.TrainingForward && chain.Pool is null && !chain.HasSkip
        && (c.SourceHeight * c.SourceWidth < 16 || c.OutHeight * c.OutWidth < 16)
        && (c.SourceHeight + 2 * c.CopyPaddingH) * (c.SourceWidth + 2 * c.CopyPadding) <= MaxDepthwiseLanePlane; // it reads the unpadded input, whatever copy the other kernels make

    /// <summary>
    /// Consecutive channel blocks of one sample per task of a fused conv chain whose blocks are too little work to be a
    /// task each: a depthwise conv onto 7×7 does 441 multiply-adds per channel, less than a task's hand-off, its copy and
    /// its scratch rents. (It did not by itself fix MobileNetV2 224²'s features.14 depthwise, 204 µs for 576 channels against
    /// ORT's 28: the per-channel padded copy was the cost there, which <see cref="PlanRowPermute"/> removes.) A task then runs about <see cref="MinBandMacs"/> of blocks in a loop, its scratch rented once, keeping at least
    /// <see cref="MaxTasksPerSample"/> tasks per sample for the threads. Only chains whose row bands are not split
    /// (<see cref="ChainPlan.MaxRowBands"/> 1: bands and runs of blocks are two answers to the same question) and whose
    /// norm is folded or absent; each block computes what it computes alone, so the values do not depend on the grouping.
    /// </summary>
    public static int PlanBlocksPerTask(ChainPlan chain)
    {
        if (chain.Conv is not { Winograd: null } c || chain.ComputesStatistics || chain.MaxRowBands != 1) return 1;
        long blockMacs = (long)c.OcBlock * c.OutSpatial * c.InPerGroup * c.TapsPerInput;
        long byWork = (MinBandMacs + blockMacs - 1) / blockMacs;
        return (int)Math.Max(1, Math.Min(byWork, c.BlocksPerSample / MaxTasksPerSample));
    }

    /// <summary>
    /// A strided 2d conv on a plane too narrow for a row of vectors runs the flat kernel over its column-phased copy, whose
    /// flat row spans Stride rows of the copy per output row: 49 of 199 positions kept for ResNet-18's 14² → 7² conv. Split
    /// into Stride² quarter planes instead (rows as well as columns by their remainder), every tap of output (oh, ox) reads
    /// position oh · PhaseWidth + ox of one quarter, and the flat row is PhaseWidth per output row (49 of 55 kept there).
    /// Only for the plain zero-padded copy, equal strides, and a window the flat kernel unrolls whole (its tap offsets are
    /// then constants); the quarter planes must still hold one whole Vector512 of flat positions.
    /// </summary>
    /// <remarks>
    /// A row of 16 columns or more (<see cref="ConvPlan.Vectorized512"/>) that is not a whole number of Vector512s runs the
    /// Vector512 row kernel, whose last vector is shifted back over columns it computed already: it computes 32 columns
    /// for ResNet-18's 28-wide layer2.0.conv1 (87.5 % kept) and 32 for a 20-wide row (62.5 %). Its flat kernel over the
    /// quarters keeps 96 % and 93 %; the planner proposes the flat kernel for such rows, and this keeps it where the
    /// polyphase copy applies and the flat kernel keeps at least <see cref="MinFlatGain"/> times the row kernel's share
    /// (else the row kernel runs, over the column-phased copy).
    /// </remarks>
    private static ConvPlan PlanPolyphase(ConvPlan c)
    {
        bool wide = c.Flat512 && c.Vectorized512 && c.Stride >= 2; // a candidate the row kernel runs if the quarters do not pay
        ConvPlan rows = c with { Flat512 = false };
        if (c is not { Rank: 2, Flat512: true, Outer: null, Prologue: null, PreAct: null, InputPool: null, Transposed: null, Winograd: null }
            || c.Stride < 2 || c.ColumnPhases != c.Stride)
            return wide ? rows : c;
        ConvPlan quarters = c with { Polyphase = true };
        if (quarters.FlatEnd < FlatMinPositions || quarters.FlatUnroll(quarters.OcBlock) != WindowUnroll.Window) return wide ? rows : c;
        // The Vector256 row kernels (rows of 8–15 columns) read the quarters too: quarter row oh is output row oh's origin,
        // and each tap adds its quarter's constant offset, so they also need the whole window unrolled.
        if (quarters.Vectorized && quarters.RowUnroll(VectorWidth, quarters.OcBlock) != WindowUnroll.Window) return wide ? rows : c;
        if (wide && FlatShare(quarters) < MinFlatGain * RowShare(quarters)) return rows;
        return quarters;
    }

    /// <summary>How much larger a share of its computed positions the flat kernel must keep than the Vector512 row kernel to replace it on a wide strided row.</summary>
    public const double MinFlatGain = 1.05;

    /// <summary>The share of the positions the flat kernel computes over a block's plane that are outputs.</summary>
    public static double FlatShare(ConvPlan c) => (double)c.OutHeight * c.OutWidth / c.FlatComputed;

    /// <summary>The share of the columns the Vector512 row kernel computes per output row that are outputs (whole vectors of 16, the last shifted back).</summary>
    public static double RowShare(ConvPlan c) => (double)c.OutWidth / ((c.OutWidth + 15) / 16 * 16);

    /// <summary>
    /// Whether each (sample, group) task of a grouped conv copies its own input planes, zero-padded (and in column
    /// phases when strided), into a buffer of its own, instead of the whole input being copied first. It pays when a
    /// group's planes are read by one task only (one channel block per group: a depthwise conv): the shared copy would
    /// write the whole padded tensor and the kernels read it back, twice the traffic of the kernels themselves, while a
    /// task's copy is read from L1/L2 right after it is made. Dense convs keep the shared copy, read by every block.
    /// Only the plain zero-padded copy, for tasks of whole planes (the eval forward of a chain with a folded or no norm).
    /// </summary>
    public static bool PlanTaskCopy(ChainPlan chain) =>
        chain.Conv is { Winograd: null, Groups: > 1, BlocksPerGroup: 1, PaddedCopy: true, Prologue: null, Transposed: null, InputPool: null, PreAct: null }
        && !chain.ComputesStatistics && !chain.TrainingForward && chain.MaxRowBands == 1;

    /// <summary>
    /// The chain's prologue (its Upsample, its padding layer, its conv's padding_mode) resolved against the input dims, or
    /// null when the conv reads a plain (zero-padded) copy. A padding layer's reflect padding must be less than the
    /// upsampled input in its dim, as in PyTorch (FN0023).
    /// </summary>
    private static ProloguePlan? PlanPrologue(ChainSpec chain, ConvSpec c, int inD, int inH, int inW,
        Action<Microsoft.CodeAnalysis.DiagnosticDescriptor, object[]> report)
    {
        PrologueSpec? p = chain.Prologue;
        bool convMode = c.PaddingMode != PadMode.Zeros && Enumerable.Range(0, c.Rank).Any(a => c.PaddingAt(a) > 0);
        if (p is null && !convMode) return null;
        int scale = p is { Scale: > 0 } ? p.Scale : 1;
        if (p is { PadLayer: LayerKind.ReflectionPad2d })
        {
            int h = inH * scale, w = inW * scale;
            string upsampled = scale > 1 ? $" (the input upsampled ×{scale})" : "";
            if (Math.Max(p.Left, p.Right) >= w || Math.Max(p.Top, p.Bottom) >= h)
            {
                report(PaddingTooLarge, new object[] { chain.MethodName,
                    $"ReflectionPad2d ({p.Left}, {p.Right}, {p.Top}, {p.Bottom}) pads an input of {h}×{w}{upsampled}, but reflect padding must be less than the input size in its dim" });
                return null;
            }
        }
        return new ProloguePlan(inD, inH, inW, scale, p?.Upsample ?? UpsampleKind.Nearest, p?.AlignCorners ?? false,
            p?.PadLayer ?? LayerKind.Unknown, p?.Left ?? 0, p?.Right ?? 0, p?.Top ?? 0, p?.Bottom ?? 0,
            (p?.PadLayer ?? LayerKind.Unknown).PaddingLayerMode(), c.PaddingMode);
    }

    /// <summary>A conv's reflect padding must be less than, its circular padding at most, each dim it pads (FN0023); true when it is not.</summary>
    private static bool CheckConvPaddingMode(ChainSpec chain, ConvSpec c, string layer, int[] dims, Action<Microsoft.CodeAnalysis.DiagnosticDescriptor, object[]> report)
    {
        if (Enumerable.Range(0, c.Rank).All(a => c.PaddingAt(a) <= 0)) return false;
        bool tooLarge = c.PaddingMode switch
        {
            PadMode.Reflect => dims.Where((d, a) => c.PaddingAt(a) >= d).Any(),
            PadMode.Circular => dims.Where((d, a) => c.PaddingAt(a) > d).Any(),
            _ => false,
        };
        if (!tooLarge) return false;
        string rule = c.PaddingMode == PadMode.Reflect ? "less than" : "at most";
        string written = c.Axes is null ? $"Padding = {c.Padding}" : $"Paddings = {ConvAxes.Tuple(c.Axes.Padding)}";
        report(PaddingTooLarge, new object[] { chain.MethodName,
            $"{layer} pads with padding_mode '{c.PaddingMode.ToString().ToLowerInvariant()}' and {written}, but its input is {string.Join("×", dims)}: the padding must be {rule} the input size in every dim" });
        return true;
    }

    /// <summary>
    /// ConvTranspose2d as the convolution the kernels run: a stride-1 Conv2d with the flipped, transposed weight (packed at
    /// load) over a copy of the input with stride − 1 zeros between its rows and columns and dilation·(k − 1) − padding
    /// zero rows and columns before them (output_padding more after), so every epilogue of a Conv2d chain applies. The
    /// copy has the output's size plus dilation·(k − 1), and every output column is interior. It multiplies the inserted
    /// zeros too: about stride² times the FMAs the transposed convolution needs (splitting the output into stride²
    /// phases, each a small conv over the input with a subset of the taps, would not; not built).
    /// </summary>
    private static (ConvPlan? Conv, int[] Output) PlanTransposed(ChainSpec chain, ConvSpec c, string layer, int inC, int inH, int inW,
        Action<Microsoft.CodeAnalysis.DiagnosticDescriptor, object[]> report, Func<double, string, bool> tooLarge, List<DiagnosticInfo> diagnostics)
    {
        void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor d, params object[] args) => report(d, args);
        if (c.OutputPadding < 0) { Report(NonPositiveSize, chain.MethodName, $"{layer} output_padding", "zero or more", c.OutputPadding); return (null, Array.Empty<int>()); }
        if (c.OutputPadding >= c.Stride && c.OutputPadding >= c.Dilation)
        {
            Report(TransposedOutputPadding, chain.MethodName, layer, c.OutputPadding, c.Stride, c.Dilation);
            return (null, Array.Empty<int>());
        }
        long span = (long)c.Dilation * (c.KernelSize - 1);
        long outH = (long)(inH - 1) * c.Stride - 2L * c.Padding + span + c.OutputPadding + 1;
        long outW = (long)(inW - 1) * c.Stride - 2L * c.Padding + span + c.OutputPadding + 1;
        if (outH <= 0 || outW <= 0)
        {
            Report(TransposedOutputEmpty, chain.MethodName, layer, outH, outW, $"{inH}×{inW}");
            return (null, Array.Empty<int>());
        }
        if (tooLarge((double)c.OutChannels * outH * outW, $"the output of {layer}")
            || tooLarge((double)inC * (outH + span) * (outW + span), $"the zero-upsampled input of {layer}")
            || tooLarge((double)c.OutChannels * (inC / c.Groups) * c.KernelSize * c.KernelSize, $"the weight of {layer}"))
            return (null, Array.Empty<int>());
        int oh = (int)outH, ow = (int)outW, readH = (int)(outH + span), readW = (int)(outW + span);
        bool vectorized = ow >= VectorWidth;
        bool fusedEval = chain.Norm is null || chain.Norm.Kind.IsBatchNorm() && chain.Norm.TrackRunningStats
            || chain.Norm.Kind.IsInstanceNorm() && chain.Norm.TrackRunningStats;
        bool flat = fusedEval && ow % 16 != 0 && (oh - 1) * readW + ow >= FlatMinPositions;
        if (!vectorized)
            diagnostics.Add(DiagnosticInfo.Create(ScalarFallback, chain.Location, chain.MethodName,
                $"the conv output rows have {ow} columns, fewer than one Vector256 of {VectorWidth}" +
                (flat ? " (where Vector512 is accelerated, the flat Vector512 kernel runs it instead)" : "")));
        var plan = new ConvPlan(c.Name, 2, inC, c.OutChannels, c.Groups, c.KernelSize, 1, 0, c.Dilation, c.Bias,
            1, readH, readW, 1, oh, ow, Math.Min(ConvOcBlock, c.OutChannels / c.Groups), 0, ow, vectorized, 0, flat, 1,
            new TransposedConv(c.Stride, c.Padding, c.OutputPadding, inH, inW));
        return (plan, new[] { c.OutChannels, oh, ow });
    }

    /// <summary>
    /// The most row bands per (sample, channel block) task of a fused 2d conv chain (its norm folded or absent): up to
    /// <see cref="MaxTasksPerSample"/> tasks per sample, each band at least one row and about <see cref="MinBandMacs"/>
    /// of work. How many of them a call uses depends on its threads and batch (Parallelism.RowBands). Chains that
    /// compute statistics take bands fixed by the shape instead (<see cref="PlanStatBands"/>); 1d (one row) and 3d fused
    /// chains keep whole planes.
    /// </summary>
    public static int PlanMaxRowBands(ChainPlan chain, int? tasksPerSample = null)
    {
        if (chain.Conv is not { Rank: 2 } c || chain.Norm is { EvalMode: not NormMode.Folded }) return 1;
        int blocks = tasksPerSample ?? c.BlocksPerSample; // the tasks before bands: channel blocks, or runs of them
        long work = (long)c.OutChannels * c.OutHeight * c.OutWidth * c.InPerGroup * c.TapsPerInput; // multiply-adds per sample
        long byWork = Math.Max(1, work / blocks / MinBandMacs);
        return (int)Math.Min(Math.Min((MaxTasksPerSample + blocks - 1) / blocks, chain.BandedRows), byWork);
    }

    /// <summary>
    /// Row bands of a conv chain that computes its statistics (InstanceNorm, GroupNorm, LayerNorm, BatchNorm with batch
    /// statistics), fixed here from the shape and never from the threads: each band accumulates partial moments of its rows
    /// and the normalize step merges the bands in band order, so the band count decides the order of the double additions.
    /// Were it chosen per call from the thread count (as the fused chains' <see cref="PlanMaxRowBands"/>), 1 and 2 threads
    /// would round differently. It makes up to <see cref="MaxTasksPerSample"/> tasks per sample with the tasks the chain
    /// already has (its channel blocks when every run lies inside one; else the sample), at least one row and about
    /// <see cref="MinBandMacs"/> of work per band, at most <see cref="MaxStatSlotsPerSample"/> slots per sample. Not banded (1): 1d chains (one row), chains with pooling (a window
    /// reads rows of two bands, which normalize at different times), training forwards (one thread), and Winograd chains (their tile groups are the bands).
    /// </summary>
    public static int PlanStatBands(ChainPlan chain)
    {
        if (chain.Conv is not { Rank: >= 2, Winograd: null } c || chain.Pool is not null // Winograd's tile groups are its bands
            || chain.Norm is not { EvalMode: NormMode.RunStatistics or NormMode.BatchStatistics } n) return 1;
        int tasks = n.EvalMode == NormMode.BatchStatistics || RunsWithinBlocks(chain) ? c.BlocksPerSample : 1;
        if (tasks >= MaxTasksPerSample) return 1;
        long work = (long)c.OutChannels * c.OutSpatial * c.InPerGroup * c.TapsPerInput; // multiply-adds per sample
        long byWork = Math.Max(1, work / tasks / MinBandMacs);
        // Each band keeps a Moments (96 bytes) per run of the sample: LayerNorm over rows has a run per row.
        long bySlots = Math.Max(1, MaxStatSlotsPerSample / StatSlotsPerBand(chain));
        return (int)Math.Min(Math.Min(Math.Min((MaxTasksPerSample + tasks - 1) / tasks, c.OutHeight), byWork), bySlots);
    }

    /// <summary>The most partial-moment slots the bands of one sample keep together (about 400 KB).</summary>
    public const int MaxStatSlotsPerSample = 4096;

    /// <summary>Partial-moment slots one band of one sample keeps: one per channel (batch statistics) or per run.</summary>
    public static int StatSlotsPerBand(ChainPlan chain) => chain.Norm!.EvalMode == NormMode.BatchStatistics
        ? chain.Conv!.OutChannels
        : (int)((long)chain.Conv!.OutChannels * chain.Conv.OutSpatial / chain.Norm.RunLength);

    /// <summary>Whether every statistics run of a run-statistics conv chain lies inside one channel block, so (sample, block) tasks can own their runs.</summary>
    public static bool RunsWithinBlocks(ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        int length = chain.Norm!.RunLength, spatial = c.OutSpatial;
        for (int g = 0; g < c.Groups; g++)
            for (int oc = g * c.OutPerGroup; oc < (g + 1) * c.OutPerGroup; oc += c.OcBlock)
            {
                int end = Math.Min(oc + c.OcBlock, (g + 1) * c.OutPerGroup);
                if (oc * spatial % length != 0 || end * spatial % length != 0) return false;
            }
        return true;
    }

    /// <summary>
    /// Resolves a norm against the shape it receives (C first, then the spatial dims) and decides where its
    /// statistics come from: folded running statistics, the batch, or runs of one sample.
    /// </summary>
    private static NormPlan? PlanNorm(ChainSpec chain, NormSpec n, int[] shape, string producer,
        Action<Microsoft.CodeAnalysis.DiagnosticDescriptor, object[], (string, string)[]?> reportFix)
    {
        void report(Microsoft.CodeAnalysis.DiagnosticDescriptor d, object[] args) => reportFix(d, args, null);
        string attribute = n.Kind.IsBatchNorm() ? "BatchNorm" : n.Kind.IsInstanceNorm() ? "InstanceNorm" : n.Kind.ToString();
        (string, string)[] SetProperty(string property, string value) => new[]
        {
            (FixProperties.Attribute, attribute), (FixProperties.LayerName, n.Name), (FixProperties.Property, property), (FixProperties.Value, value),
        };
        int channels = shape[0];
        int spatial = shape.Skip(1).Aggregate(1, (a, d) => a * d);
        string what = $"{n.Kind}" + (n.Name.Length > 0 ? $" '{n.Name}'" : "");
        if (n.Kind != LayerKind.LayerNorm)
        {
            if (n.NumFeatures < 0) { report(NonPositiveSize, new object[] { chain.MethodName, $"{what} num_features", "positive (or 0 to infer it)", n.NumFeatures }); return null; }
            if (n.NumFeatures != 0 && n.NumFeatures != channels)
            {
                bool group = n.Kind == LayerKind.GroupNorm; // PyTorch's GroupNorm calls it num_channels
                reportFix(NormFeatureMismatch, new object[] { chain.MethodName, what, n.NumFeatures, channels, producer,
                    group ? "num_channels" : "num_features", group ? "NumChannels" : "NumFeatures" },
                    SetProperty(group ? "NumChannels" : "NumFeatures", channels.ToString()));
                return null;
            }
        }

        NormMode eval, run = NormMode.RunStatistics;
        NormMode? training = null;
        int runLength = spatial, groups = 0;
        bool elementwise = false;
        if (n.Kind.IsBatchNorm())
        {
            eval = n.TrackRunningStats ? NormMode.Folded : NormMode.BatchStatistics;
            training = NormMode.BatchStatistics;
            runLength = 0;
        }
        else if (n.Kind.IsInstanceNorm())
        {
            eval = n.TrackRunningStats ? NormMode.Folded : run;
            if (n.TrackRunningStats) training = run;
        }
        else if (n.Kind == LayerKind.GroupNorm)
        {
            groups = n.NumGroups;
            if (groups <= 0) { report(NonPositiveSize, new object[] { chain.MethodName, $"{what} num_groups", "positive", groups }); return null; }
            if (channels % groups != 0)
            {
                report(GroupsDoNotDivide, new object[] { chain.MethodName, $"{what} has num_groups = {groups}, which does not divide the {channels} channels it receives from {producer}" });
                return null;
            }
            eval = run;
            runLength = channels / groups * spatial;
        }
        else
        {
            int[] normalized = n.NormalizedShape.ToArray();
            bool matches = normalized.Length >= 1 && normalized.Length <= shape.Length
                && normalized.SequenceEqual(shape.Skip(shape.Length - normalized.Length));
            if (!matches)
            {
                string example = string.Join(", ", shape.Skip(1).Any() ? shape.Skip(1) : shape);
                reportFix(NormalizedShapeMismatch, new object[] { chain.MethodName, string.Join(", ", normalized), string.Join(", ", shape), example },
                    SetProperty(FixProperties.Constructor, example));
                return null;
            }
            eval = run;
            elementwise = true;
            runLength = normalized.Aggregate(1, (a, d) => a * d);
        }
        return new NormPlan(n.Kind, n.Name, channels, n.Eps, n.Affine, n.Kind == LayerKind.LayerNorm ? n.Affine && n.Bias : n.Affine,
            elementwise, n.NormalizedShape, groups, n.TrackRunningStats, n.Momentum, n.CumulativeAverage, eval, training, runLength);
    }

}
