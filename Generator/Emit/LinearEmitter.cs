using System.Linq;
using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Linear kernels: each x[i] is broadcast against 8 output features per Vector256, with up to four vectors of
/// accumulators per pass over x; bias (norm folded in) starts the accumulators and the activation runs on them.
/// With a norm that needs statistics the pass stores raw outputs; the row (out_features floats, still in L1)
/// then gets its moments and is normalized, or, for batch statistics, each feature over the batch.
/// </summary>
internal static class LinearEmitter
{
    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        NormMode? eval = chain.Norm?.EvalMode is NormMode.Folded ? null : chain.Norm?.EvalMode;
        NormMode? training = chain.TrainingForward ? chain.Norm!.TrainingMode : null;
        bool stats = eval is not null || training is not null;

        w.Line($"private const int In = {l.InFeatures}, Out = {l.OutFeatures};");
        w.Line("private const int SamplesPerTask = 4; // rows that share each loaded weight vector");
        if (l.Vectorized)
        {
            w.Line($"private const int Lanes = {l.Lanes}, LaneBlocks = {l.LaneBlocks}; // packed blocks of {l.Lanes} output features; the last starts at Out - Lanes");
            w.Line($"private const int VectorsPerBlock = Lanes / 8, Blocks = {l.VectorBlocks}; // Vector256 vectors of 8 output features");
            if (SplitsPasses(l))
                w.Line($"private const int Passes = {l.Passes}, MaxChunks = {l.MaxPassChunks}; // full passes of {l.BlocksPerPass} vectors over x per sample; a batch under 4 splits them into up to MaxChunks tasks (1 MB of weights each at least)");
        }
        if (l.Vectorized512)
            w.Line($"private const int TileSamples = {ModelPlanner.LinearSamplesPerTile512}, TileBlocks = {ModelPlanner.LinearBlocksPerTile512}, TileGroups = {(l.LaneBlocks + ModelPlanner.LinearBlocksPerTile512 - 1) / ModelPlanner.LinearBlocksPerTile512}; // the Vector512 tile: 6 samples × 4 blocks of 16");
        if (stats)
        {
            w.Line("private const int OutC = Out, ConvSpatial = 1; // a Linear output is (N, features): one value per channel");
            if (chain.Norm!.RunLength > 0) w.Line($"private const int RunLength = {chain.Norm.RunLength}, Runs = Out / RunLength; // features per statistics run");
        }
        w.Line();
        w.Line(l.Vectorized
            ? $"/// <summary>Packs weight [Out, In] (norm already folded) as [block][in][{l.Lanes} outputs].</summary>"
            : "/// <summary>Keeps weight [Out, In] (norm already folded) as it is: the scalar path reads it row by row.</summary>");
        w.Line(l.Vectorized
            ? "public static float[] PackWeights(float[] weight) => WeightPacking.PackLinear(weight, Out, In, Lanes);"
            : "public static float[] PackWeights(float[] weight) => (float[])weight.Clone();");
        w.Line();
        if (l.Vectorized)
        {
            w.Line("/// <summary>Where Vector256 vector v's weights start in the packed layout (rows Lanes apart), and its first output feature.</summary>");
            w.Line($"private static int WeightsOf(int v) => v / VectorsPerBlock * In * Lanes + v % VectorsPerBlock * 8;");
            w.Line($"private static int OutputOf(int v) => Math.Min(v / VectorsPerBlock * Lanes, Out - Lanes) + v % VectorsPerBlock * 8;");
            w.Line();
        }

        if (chain.Softmax)
        {
            // Softmax needs a whole row, which the Vector512 tile tasks never hold: it runs after the kernels, row by row.
            EmitSoftmaxRun(w, "Run");
            w.Line();
            if (training is not null) { EmitSoftmaxRun(w, "RunTraining"); w.Line(); }
        }
        string suffix = chain.Softmax ? "Linear" : "";
        EmitRun(w, chain, "Run" + suffix, eval, false);
        if (training is not null) { w.Line(); EmitRun(w, chain, "RunTraining" + suffix, training, true); }
        w.Line();
        EmitRow(w, chain, activate: eval is null);
        if (stats && eval is null) { w.Line(); EmitRow(w, chain, activate: false); }
        if (stats) { w.Line(); NormEmitter.EmitNormalizers(w, chain); }
    }

    private static void EmitSoftmaxRun(SourceWriter w, string name)
    {
        w.Line($"/// <summary>The Linear chain ({name}Linear), then Softmax(dim=1) over each sample's Out features, in sample order.</summary>");
        using (w.Block($"public static void {name}(ReadOnlySpan<float> x, Span<float> y, int batch, KernelArguments a)"))
        {
            w.Line($"{name}Linear(x, y, batch, a);");
            w.Line("for (int n = 0; n < batch; n++) Activations.Softmax(y.Slice(n * Out, Out));");
        }
    }

    private static string RowName(bool activate) => activate ? "Row" : "RawRow";

    private static void EmitRun(SourceWriter w, ChainPlan chain, string name, NormMode? mode, bool training)
    {
        if (mode is null)
        {
            LinearPlan l = chain.Linear!;
            w.Line(l.Vectorized512
                ? "/// <summary>Vector512: tasks of 6 samples × 4 blocks of 16 outputs (a GEMM tile); else tasks of 4 samples: each weight vector loaded once serves every row of the task.</summary>"
                : "/// <summary>Tasks of 4 samples on the worker threads: each weight vector loaded once serves 4 rows.</summary>");
            using (w.Block($"public static void {name}(ReadOnlySpan<float> x, Span<float> y, int batch, KernelArguments a)"))
            {
                if (l.Vectorized512)
                {
                    using (w.Block("if (Vector512.IsHardwareAccelerated && batch >= TileSamples)"))
                    {
                        w.Comment("The last tile of samples starts at batch − 6 and recomputes a few rows (the same values) instead of a tail.");
                        w.Line("Parallelism.For(x, y, batch, (batch + TileSamples - 1) / TileSamples * TileGroups, static (ref float x0, ref float y0, int batch, int task, KernelArguments a) => TileTask(ref x0, ref y0, batch, task, a), a);");
                        w.Line("return;");
                    }
                }
                if (SplitsPasses(l))
                    using (w.Block("if (batch < SamplesPerTask && Vector256.IsHardwareAccelerated)"))
                    {
                        w.Comment($"A batch under 4 would be one task: split each sample's {l.Passes} passes over x instead, so every thread streams its share");
                        w.Comment("of the weights (one chunk on one thread). Each output is computed by the same pass either way: the same bits.");
                        w.Line("int chunks = Parallelism.RowBands(batch, MaxChunks);");
                        w.Line("Parallelism.For(x, y, chunks, batch * chunks, static (ref float x0, ref float y0, int chunks, int task, KernelArguments a) => PassesTask(ref x0, ref y0, task, chunks, a), a);");
                        w.Line("return;");
                    }
                w.Line("Parallelism.For(x, y, batch, (batch + SamplesPerTask - 1) / SamplesPerTask, static (ref float x0, ref float y0, int batch, int task, KernelArguments a) => RowsTask(ref x0, ref y0, batch, task, a), a);");
            }
            w.Line();
            EmitRowsTask(w, chain);
            if (SplitsPasses(l)) { w.Line(); EmitPassesTask(w, chain); }
            if (l.Vectorized512) { w.Line(); EmitTileTask(w, chain); }
            return;
        }
        using (w.Block($"public static void {name}(ReadOnlySpan<float> x, Span<float> y, int batch, KernelArguments a)"))
        {
            w.Line("ref float w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line("ref float b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("NormState norm = a.Norm!;");
            w.Line("ref float x0 = ref MemoryMarshal.GetReference(x);");
            w.Line("ref float y0 = ref MemoryMarshal.GetReference(y);");
            if (mode == NormMode.RunStatistics)
            {
                w.Line("Moments[] stats = ArrayPool<Moments>.Shared.Rent(Runs);");
                w.Open("try");
            }
            using (w.Block("for (int n = 0; n < batch; n++)"))
            {
                w.Line($"{RowName(mode is null)}(ref Unsafe.Add(ref x0, n * In), ref w0, ref b0, ref Unsafe.Add(ref y0, n * Out));");
                if (mode == NormMode.RunStatistics)
                {
                    w.Comment("The row is in L1: add each run's values to its moments, then normalize the runs.");
                    w.Line("Array.Clear(stats, 0, Runs);");
                    w.Line("for (int o = 0; o < Out; o++) stats[o / RunLength].Add(Unsafe.Add(ref y0, n * Out + o));");
                    w.Line("NormalizeRuns(ref Unsafe.Add(ref y0, n * Out), stats, 0, Runs, norm);");
                }
            }
            if (mode == NormMode.RunStatistics)
            {
                w.Close();
                using (w.Block("finally")) w.Line("ArrayPool<Moments>.Shared.Return(stats);");
            }
            if (mode == NormMode.BatchStatistics)
            {
                w.Comment("Batch statistics: each feature's moments over the batch, then normalize that feature in every row.");
                if (training) w.Line("double factor = norm.BeginUpdate();");
                using (w.Block("for (int o = 0; o < Out; o++)"))
                {
                    w.Line("Moments m = default;");
                    w.Line("for (int n = 0; n < batch; n++) m.Add(Unsafe.Add(ref y0, n * Out + o));");
                    if (training)
                    {
                        w.Line($"NormState.RequireMoreThanOne(m.Count, \"{chain.Type.ClassName}.{chain.MethodName}Training\");");
                        w.Line("norm.Update(o, m.Mean, m.UnbiasedVariance, factor);");
                    }
                    w.Line("for (int n = 0; n < batch; n++) NormalizeChannel(ref Unsafe.Add(ref y0, n * Out + o), o, m.Mean, m.Variance, norm);");
                }
            }
        }
    }

    /// <summary>Whether a batch under 4 splits each sample's passes over x into tasks (LinearPlan.MaxPassChunks).</summary>
    private static bool SplitsPasses(LinearPlan l) => l.MaxPassChunks >= 2;

    /// <summary>One sample's chunk of the full passes of <see cref="EmitRow"/> (the last chunk also runs the partial pass).</summary>
    private static void EmitPassesTask(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        int full = l.Passes, rest = l.VectorBlocks % l.BlocksPerPass;
        w.Line($"/// <summary>Task = sample × chunk of its {full} passes of {l.BlocksPerPass} vectors over x{(rest > 0 ? $" (the last chunk also the pass of {rest})" : "")}: as Row, split.</summary>");
        using (w.Block("private static void PassesTask(ref float x0, ref float y0, int task, int chunks, KernelArguments a)"))
        {
            w.Line("ref float w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line("ref float b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("int n = task / chunks, chunk = task % chunks;");
            w.Line("ref float x = ref Unsafe.Add(ref x0, n * In);");
            w.Line("ref float y = ref Unsafe.Add(ref y0, n * Out);");
            w.Line($"for (int pass = chunk * Passes / chunks; pass < (chunk + 1) * Passes / chunks; pass++) Pass{l.BlocksPerPass}_V256(ref x, ref w0, ref b0, ref y, pass * {l.BlocksPerPass});");
            if (rest > 0) w.Line($"if (chunk == chunks - 1) Pass{rest}_V256(ref x, ref w0, ref b0, ref y, {full * l.BlocksPerPass});");
        }
    }

    /// <summary>Up to 4 samples: a weight-sharing pass over all 4 rows when the task is full, else row by row.</summary>
    private static void EmitRowsTask(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        using (w.Block("private static void RowsTask(ref float x0, ref float y0, int batch, int task, KernelArguments a)"))
        {
            w.Line("ref float w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line("ref float b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("int n0 = task * SamplesPerTask, count = Math.Min(SamplesPerTask, batch - n0);");
            if (l.Vectorized)
            {
                using (w.Block("if (count == SamplesPerTask && Vector256.IsHardwareAccelerated)"))
                {
                    w.Comment("Two vectors of 8 outputs × 4 rows = 8 accumulators; each weight vector is loaded once for 4 rows.");
                    w.Line($"for (int block = 0; block + 2 <= Blocks; block += 2) Pass2x4_V256(ref Unsafe.Add(ref x0, n0 * In), ref w0, ref b0, ref Unsafe.Add(ref y0, n0 * Out), block);");
                    if (l.VectorBlocks % 2 == 1) w.Line("Pass1x4_V256(ref Unsafe.Add(ref x0, n0 * In), ref w0, ref b0, ref Unsafe.Add(ref y0, n0 * Out), Blocks - 1);");
                    w.Line("return;");
                }
            }
            w.Line("for (int n = n0; n < n0 + count; n++) Row(ref Unsafe.Add(ref x0, n * In), ref w0, ref b0, ref Unsafe.Add(ref y0, n * Out));");
        }
        if (l.Vectorized)
        {
            w.Line();
            EmitBatchPass(w, chain, 2);
            if (l.VectorBlocks % 2 == 1) { w.Line(); EmitBatchPass(w, chain, 1); }
        }
    }

    /// <summary>One Vector512 tile task: 6 samples × up to 4 blocks of 16 outputs.</summary>
    private static void EmitTileTask(SourceWriter w, ChainPlan chain)
    {
        LinearPlan l = chain.Linear!;
        int full = System.Math.Min(ModelPlanner.LinearBlocksPerTile512, l.LaneBlocks);
        int rest = l.LaneBlocks > ModelPlanner.LinearBlocksPerTile512 ? l.LaneBlocks % ModelPlanner.LinearBlocksPerTile512 : 0;
        w.Line("/// <summary>Task = (tile of 6 samples, group of 4 blocks of 16 outputs): the tile's rows of those outputs.</summary>");
        using (w.Block("private static void TileTask(ref float x0, ref float y0, int batch, int task, KernelArguments a)"))
        {
            w.Line("ref float w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line("ref float b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("int n0 = Math.Min(task / TileGroups * TileSamples, batch - TileSamples), first = task % TileGroups * TileBlocks;");
            string call(int g) => $"Pass{g}x6_V512(ref Unsafe.Add(ref x0, n0 * In), ref w0, ref b0, ref Unsafe.Add(ref y0, n0 * Out), first);";
            if (rest == 0) w.Line(call(full));
            else
            {
                w.Line($"if (first + {full} <= LaneBlocks) {call(full)}");
                w.Line($"else {call(rest)}");
            }
        }
        w.Line();
        EmitTilePass(w, chain, full);
        if (rest > 0) { w.Line(); EmitTilePass(w, chain, rest); }
    }

    /// <summary>
    /// g blocks of 16 outputs for 6 consecutive samples: 6g accumulators; per input feature, g weight loads and 6
    /// broadcasts feed 6g FMAs.
    /// </summary>
    private static void EmitTilePass(SourceWriter w, ChainPlan chain, int g)
    {
        const string vec = "Vector512<float>", V5 = "Vector512";
        const int samples = ModelPlanner.LinearSamplesPerTile512;
        w.Line($"/// <summary>{g * 16} output features of {samples} samples, {samples}×{g} accumulators of 16{(chain.Activation is { } a ? ", " + ActivationName(a) + " in registers" : "")}.</summary>");
        using (w.Block($"private static void Pass{g}x{samples}_V512(ref float x, ref float w, ref float bias, ref float y, int first)"))
        {
            for (int j = 0; j < g; j++) w.Line($"int o{j} = Math.Min((first + {j}) * 16, Out - 16);");
            for (int j = 0; j < g; j++) w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (first + {j}) * In * 16);");
            for (int j = 0; j < g; j++) w.Line($"{vec} bias{j} = {V5}.LoadUnsafe(ref bias, (nuint)o{j});");
            for (int sample = 0; sample < samples; sample++)
                w.Line($"{vec} " + string.Join(", ", Enumerable.Range(0, g).Select(j => $"acc{sample}_{j} = bias{j}")) + ";");
            using (w.Block("for (int i = 0; i < In; i++)"))
            {
                for (int j = 0; j < g; j++) w.Line($"{vec} wv{j} = {V5}.LoadUnsafe(ref w{j}, (nuint)(i * 16));");
                for (int sample = 0; sample < samples; sample++)
                {
                    w.Line($"{vec} x{sample} = {V5}.Create({Unsafe}.Add(ref x, {sample} * In + i));");
                    for (int j = 0; j < g; j++) w.Line($"acc{sample}_{j} = {V5}.FusedMultiplyAdd(x{sample}, wv{j}, acc{sample}_{j});");
                }
            }
            for (int sample = 0; sample < samples; sample++)
                for (int j = 0; j < g; j++)
                    w.Line($"{V5}.StoreUnsafe({Activate(chain.Activation, $"acc{sample}_{j}")}, ref y, (nuint)({sample} * Out + o{j}));");
        }
    }

    /// <summary>g vectors of 8 outputs for 4 consecutive samples (rows In apart in x, Out apart in y).</summary>
    private static void EmitBatchPass(SourceWriter w, ChainPlan chain, int g)
    {
        string vec = "Vector256<float>";
        w.Line($"/// <summary>{g * 8} output features of 4 samples in one pass over the weights{(chain.Activation is { } a ? ", " + ActivationName(a) + " in registers" : "")}.</summary>");
        using (w.Block($"private static void Pass{g}x4_V256(ref float x, ref float w, ref float bias, ref float y, int first)"))
        {
            for (int j = 0; j < g; j++) w.Line($"int o{j} = OutputOf(first + {j});");
            for (int j = 0; j < g; j++)
            {
                w.Line($"{vec} bias{j} = {V}.LoadUnsafe(ref bias, (nuint)o{j});");
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, WeightsOf(first + {j}));");
            }
            for (int sample = 0; sample < 4; sample++)
                w.Line($"{vec} " + string.Join(", ", Enumerable.Range(0, g).Select(j => $"acc{sample}_{j} = bias{j}")) + ";");
            using (w.Block("for (int i = 0; i < In; i++)"))
            {
                for (int j = 0; j < g; j++) w.Line($"{vec} wv{j} = {V}.LoadUnsafe(ref w{j}, (nuint)(i * Lanes));");
                for (int sample = 0; sample < 4; sample++)
                {
                    w.Line($"{vec} x{sample} = {V}.Create({Unsafe}.Add(ref x, {sample} * In + i));");
                    for (int j = 0; j < g; j++) w.Line($"acc{sample}_{j} = {V}.FusedMultiplyAdd(x{sample}, wv{j}, acc{sample}_{j});");
                }
            }
            for (int sample = 0; sample < 4; sample++)
                for (int j = 0; j < g; j++)
                    w.Line($"{V}.StoreUnsafe({Activate(chain.Activation, $"acc{sample}_{j}")}, ref y, (nuint)({sample} * Out + o{j}));");
        }
    }

    /// <summary>One sample's row: the vector passes (or the scalar dot products when Vector256 is not accelerated).</summary>
    private static void EmitRow(SourceWriter w, ChainPlan chain, bool activate)
    {
        LinearPlan l = chain.Linear!;
        string suffix = activate ? "" : "_Raw";
        w.Line(activate
            ? "/// <summary>One sample: out_features outputs with the bias and activation applied in registers.</summary>"
            : "/// <summary>One sample: out_features raw outputs (bias only), for the norm to normalize.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"private static void {RowName(activate)}(ref float x, ref float w, ref float bias, ref float y)"))
        {
            if (l.Vectorized)
            {
                int full = l.VectorBlocks / l.BlocksPerPass, rest = l.VectorBlocks % l.BlocksPerPass;
                using (w.Block("if (Vector256.IsHardwareAccelerated)"))
                {
                    w.Comment((full == 1 ? $"One pass of {l.BlocksPerPass} vectors" : $"{full} passes of {l.BlocksPerPass} vectors") + (rest > 0 ? $", then one of {rest}" : "") + " over x.");
                    if (full == 1) w.Line($"Pass{l.BlocksPerPass}{suffix}_V256(ref x, ref w, ref bias, ref y, 0);");
                    else if (full > 1) w.Line($"for (int block = 0; block < {full * l.BlocksPerPass}; block += {l.BlocksPerPass}) Pass{l.BlocksPerPass}{suffix}_V256(ref x, ref w, ref bias, ref y, block);");
                    if (rest > 0) w.Line($"Pass{rest}{suffix}_V256(ref x, ref w, ref bias, ref y, {full * l.BlocksPerPass});");
                    w.Line("return;");
                }
            }
            w.Line($"Scalar{suffix}(ref x, ref w, ref bias, ref y);");
        }

        if (l.Vectorized)
        {
            int rest = l.VectorBlocks % l.BlocksPerPass;
            w.Line();
            EmitPass(w, chain, l.BlocksPerPass, activate);
            if (rest > 0 && rest != l.BlocksPerPass) { w.Line(); EmitPass(w, chain, rest, activate); }
        }
        w.Line();
        EmitScalar(w, chain, activate);
    }

    private static void EmitPass(SourceWriter w, ChainPlan chain, int g, bool activate)
    {
        string vec = "Vector256<float>";
        string suffix = activate ? "" : "_Raw";
        var act = activate ? chain.Activation : null;
        w.Line($"/// <summary>{g * 8} output features (vectors first..first+{g - 1}) in one pass over x{(act is { } a ? ", " + ActivationName(a) + " in registers" : "")}.</summary>");
        using (w.Block($"private static void Pass{g}{suffix}_V256(ref float x, ref float w, ref float bias, ref float y, int first)"))
        {
            w.Comment("Where each vector's 8 outputs start; the last block of the layer starts at Out - Lanes so it never runs past the end.");
            for (int j = 0; j < g; j++)
                w.Line($"int o{j} = OutputOf(first + {j});");
            for (int j = 0; j < g; j++)
                w.Line($"{vec} acc{j} = {V}.LoadUnsafe(ref bias, (nuint)o{j});");
            for (int j = 0; j < g; j++)
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, WeightsOf(first + {j}));");
            w.Comment("Broadcast x[i] against the i-th row of each packed block.");
            using (w.Block("for (int i = 0; i < In; i++)"))
            {
                w.Line($"{vec} xi = {V}.Create({Unsafe}.Add(ref x, i));");
                for (int j = 0; j < g; j++)
                    w.Line($"acc{j} = {V}.FusedMultiplyAdd(xi, {V}.LoadUnsafe(ref w{j}, (nuint)(i * Lanes)), acc{j});");
            }
            w.Comment($"Epilogue: {(act is { } ac ? ActivationName(ac) + " in registers, then " : "")}store.");
            for (int j = 0; j < g; j++)
                w.Line($"{V}.StoreUnsafe({Activate(act, $"acc{j}")}, ref y, (nuint)o{j});");
        }
    }

    private static void EmitScalar(SourceWriter w, ChainPlan chain, bool activate)
    {
        LinearPlan l = chain.Linear!;
        var act = activate ? chain.Activation : null;
        w.Line("/// <summary>The scalar path: one dot product per output feature.</summary>");
        using (w.Block($"private static void Scalar{(activate ? "" : "_Raw")}(ref float x, ref float w, ref float bias, ref float y)"))
        using (w.Block("for (int o = 0; o < Out; o++)"))
        {
            if (l.Vectorized)
            {
                w.Comment("Find o in the packed layout: its block, and its lane in that block.");
                w.Line("int block = Math.Min(o / Lanes, LaneBlocks - 1);");
                w.Line("int lane = o - Math.Min(block * Lanes, Out - Lanes);");
                w.Line($"ref float row = ref {Unsafe}.Add(ref w, block * In * Lanes + lane);");
                w.Line($"float acc = {Unsafe}.Add(ref bias, o);");
                w.Line($"for (int i = 0; i < In; i++) acc += {Unsafe}.Add(ref x, i) * {Unsafe}.Add(ref row, i * Lanes);");
            }
            else
            {
                w.Line($"ref float row = ref {Unsafe}.Add(ref w, o * In);");
                w.Line($"float acc = {Unsafe}.Add(ref bias, o);");
                w.Line($"for (int i = 0; i < In; i++) acc += {Unsafe}.Add(ref x, i) * {Unsafe}.Add(ref row, i);");
            }
            w.Line($"{Unsafe}.Add(ref y, o) = {Activate(act, "acc")};");
        }
    }
}
