using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// The eval forward of a conv chain that computes its statistics, split into the row bands the plan fixed
/// (<see cref="ChainPlan.StatBands"/>), so a batch of one still has a task for every thread. Two jobs:
/// <list type="number">
/// <item>MomentsTask, per (sample, channel block, band) — or (sample, band) when a run spans channel blocks: the band's conv
/// rows, stored raw, and their moments added to the band's own slots (one Moments per statistics slot per band of each
/// sample, leased from the chain's MomentSlots for the call).</item>
/// <item>NormalizeTask, per (sample, channel block, band): each run's (or channel's) partial moments merged in band order
/// (batch statistics: samples in order, each sample's bands in order, once, on the calling thread between the jobs), then
/// the band's rows normalized, the affine, any skip and the activation applied in place.</item>
/// </list>
/// The band count comes from the shape, never from the threads, and every merge runs in the same order, so the result is
/// the same bits at any thread count.
/// </summary>
internal static class BandedStatisticsEmitter
{
    private const string Ref = "ref float";

    private static bool BatchStats(NormMode mode) => mode == NormMode.BatchStatistics;

    /// <summary>Whether a moments task covers one channel block (its runs, or its channels' batch slots, are its own) or the whole sample.</summary>
    private static bool BlockTasks(ChainPlan chain, NormMode mode) => BatchStats(mode) || ModelPlanner.RunsWithinBlocks(chain);

    /// <summary>The summary line of the banded Run method.</summary>
    public static string RunSummary(ChainPlan chain, NormMode mode) =>
        $"/// <summary>Two jobs on the worker threads: (sample, {(BlockTasks(chain, mode) ? "channel block, " : "")}row band) tasks store the conv output and each band's partial moments; " +
        $"then (sample, channel block, row band) tasks normalize with the bands' moments merged in band order{(BatchStats(mode) ? " (over every sample)" : "")}.</summary>";

    /// <summary>The body of Run after the input copy: lease the slots, the two jobs, give the slots back.</summary>
    public static void EmitRunBody(SourceWriter w, ChainPlan chain, NormMode mode)
    {
        string count = BlockTasks(chain, mode) ? "batch * BlocksPerSample * StatBands" : "batch * StatBands";
        w.Comment($"Partial moments: BandSlots per (sample, band){(BatchStats(mode) ? ", then OutC merged ones" : "")}, leased for this call (reused: no allocation).");
        w.Line($"int lease = Leases.Rent(batch * StatBands * BandSlots{(BatchStats(mode) ? " + OutC" : "")}, batch);");
        using (w.Block("try"))
        {
            if (!BatchStats(mode))
            {
                w.Comment($"Enough (sample, {(BlockTasks(chain, mode) ? "block" : "run")}) tasks for the threads (or one thread): each task runs its bands one after the other, then");
                w.Comment("normalizes them while they are in cache; the same bands and merges as the split jobs below, so the same bits.");
                using (w.Block($"if (Parallelism.RowBands({(BlockTasks(chain, mode) ? "batch * BlocksPerSample" : "batch")}, StatBands) == 1)"))
                {
                    w.Line(chain.HasSkip
                        ? $"Parallelism.For(xs, y, skip, lease, {(BlockTasks(chain, mode) ? "batch * BlocksPerSample" : "batch")}, static (ref float x0, ref float y0, ref float s0, int lease, int task, KernelArguments a) => WholeTask(ref x0, ref y0, ref s0, task, Leases.Get(lease), a), a);"
                        : $"Parallelism.For(xs, y, lease, {(BlockTasks(chain, mode) ? "batch * BlocksPerSample" : "batch")}, static (ref float x0, ref float y0, int lease, int task, KernelArguments a) => WholeTask(ref x0, ref y0, task, Leases.Get(lease), a), a);");
                    w.Line("return;");
                }
            }
            w.Comment("1. Conv rows and their moments, band by band.");
            w.Line($"Parallelism.For(xs, y, lease, {count}, static (ref float x0, ref float y0, int lease, int task, KernelArguments a) => MomentsTask(ref x0, ref y0, task, Leases.Get(lease).Slots, a), a);");
            if (BatchStats(mode))
            {
                w.Comment("Each channel's moments over the batch: samples in order, each sample's bands in order.");
                w.Line("MergeBatchMoments(Leases.Get(lease).Slots, batch);");
            }
            w.Comment("2. Normalize (affine" + (chain.HasSkip ? ", + skip" : "") + (chain.Activation is not null ? ", activation" : "") + ") band by band, in place.");
            w.Line(chain.HasSkip
                ? "Parallelism.For(xs, y, skip, lease, batch * BlocksPerSample * StatBands, static (ref float x0, ref float y0, ref float s0, int lease, int task, KernelArguments a) => NormalizeTask(ref y0, ref s0, task, Leases.Get(lease), a), a);"
                : "Parallelism.For(xs, y, lease, batch * BlocksPerSample * StatBands, static (ref float x0, ref float y0, int lease, int task, KernelArguments a) => NormalizeTask(ref y0, task, Leases.Get(lease), a), a);");
        }
        using (w.Block("finally")) w.Line("Leases.Return(lease);");
    }

    /// <summary>The tasks, the merge and the span normalizers of the banded forward.</summary>
    public static void EmitTasks(SourceWriter w, ChainPlan chain, NormMode mode)
    {
        w.Line(BatchStats(mode)
            ? "private const int BandSlots = OutC; // Moments per (sample, band): one per channel"
            : "private const int BandSlots = Runs; // Moments per (sample, band): one per statistics run");
        w.Line();
        EmitMomentsTask(w, chain, mode);
        w.Line();
        if (!BatchStats(mode)) { EmitWholeTask(w, chain, mode); w.Line(); }
        if (BatchStats(mode)) { EmitMergeBatchMoments(w); w.Line(); }
        EmitNormalizeTask(w, chain, mode);
        if (!BatchStats(mode)) { w.Line(); EmitNormalizeRows(w, chain); }
        w.Line();
        if (chain.Norm!.Elementwise) EmitNormalizeElementwiseRows(w, chain);
        else EmitNormalizeChannelRows(w, chain);
    }

    private static void DecodeBlockTask(SourceWriter w)
    {
        w.Line("int n = task / (BlocksPerSample * StatBands), block = task / StatBands % BlocksPerSample, band = task % StatBands, inGroup = block % BlocksPerGroup;");
        w.Line("int oc = block / BlocksPerGroup * OutPerGroup + inGroup * Block;");
        w.Line("int rowStart = band * ConvH / StatBands, rowEnd = (band + 1) * ConvH / StatBands; // this band's rows (of every plane)");
    }

    private static void EmitMomentsTask(SourceWriter w, ChainPlan chain, NormMode mode)
    {
        ConvPlan c = chain.Conv!;
        bool blockTasks = BlockTasks(chain, mode);
        w.Line(blockTasks
            ? "/// <summary>Task = sample × channel block × row band: the band's raw conv outputs of the block, and their moments in the band's own slots.</summary>"
            : "/// <summary>Task = sample × row band: the band's raw conv outputs of every channel block in order (a run spans blocks), and their moments in the band's own slots.</summary>");
        using (w.Block($"private static void MomentsTask({Ref} x0, {Ref} y0, int task, Moments[] slots, KernelArguments a)"))
        {
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            if (blockTasks) DecodeBlockTask(w);
            else
            {
                w.Line("int n = task / StatBands, band = task % StatBands;");
                w.Line("int rowStart = band * ConvH / StatBands, rowEnd = (band + 1) * ConvH / StatBands; // this band's rows (of every plane)");
            }
            w.Line($"{Ref} xn = ref {Unsafe}.Add(ref x0, n * XSize);");
            w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
            w.Line("Span<Moments> stats = slots.AsSpan((n * StatBands + band) * BandSlots, BandSlots); // this band's slots of sample n");
            string Call(int r, string oc) => ConvEmitter.BlockCall(chain, r, mode, "xn", oc, $"{Unsafe}.Add(ref yn, {oc} * ConvSpatial)", rows: ", rowStart, rowEnd");
            if (!blockTasks)
            {
                w.Line("stats.Clear();");
                ConvEmitter.ForEachBlock(w, chain, (r, oc) => w.Line(Call(r, oc)));
                return;
            }
            void Body(int r)
            {
                w.Line(BatchStats(mode)
                    ? $"stats.Slice(oc, {r}).Clear(); // the block's channels"
                    : $"stats.Slice(oc * ConvSpatial / RunLength, {r} * ConvSpatial / RunLength).Clear(); // the block's runs");
                w.Line(Call(r, "oc"));
            }
            if (c.TailChannels == 0) Body(c.OcBlock);
            else
            {
                using (w.Block("if (inGroup < FullBlocks)")) Body(c.OcBlock);
                using (w.Block("else")) Body(c.TailChannels);
            }
        }
    }

    /// <summary>One (sample, block) — or one sample when a run spans blocks — with all its bands: MomentsTask for each band, then NormalizeTask for each.</summary>
    private static void EmitWholeTask(SourceWriter w, ChainPlan chain, NormMode mode)
    {
        bool blockTasks = BlockTasks(chain, mode);
        w.Line(blockTasks
            ? "/// <summary>Task = sample × channel block, every band: the band tasks of both jobs in order, on one thread (the normalize step reads the block in cache).</summary>"
            : "/// <summary>Task = sample, every band: the band tasks of both jobs in order, on one thread.</summary>");
        using (w.Block($"private static void WholeTask({Ref} x0, {Ref} y0{ConvEmitter.SkipRef(chain, "s0")}, int task, MomentSlots.Lease lease, KernelArguments a)"))
        {
            if (blockTasks)
            {
                w.Line("for (int band = 0; band < StatBands; band++) MomentsTask(ref x0, ref y0, task * StatBands + band, lease.Slots, a);");
                w.Line($"for (int band = 0; band < StatBands; band++) NormalizeTask(ref y0{ConvEmitter.SkipArg(chain, "s0")}, task * StatBands + band, lease, a);");
            }
            else
            {
                w.Line("for (int band = 0; band < StatBands; band++) MomentsTask(ref x0, ref y0, task * StatBands + band, lease.Slots, a);");
                w.Line($"for (int t = 0; t < BlocksPerSample * StatBands; t++) NormalizeTask(ref y0{ConvEmitter.SkipArg(chain, "s0")}, task * BlocksPerSample * StatBands + t, lease, a);");
            }
        }
    }

    private static void EmitMergeBatchMoments(SourceWriter w)
    {
        w.Line("/// <summary>Each channel's batch moments into slot batch·StatBands·OutC + channel: every (sample, band) merged in that order.</summary>");
        using (w.Block("private static void MergeBatchMoments(Moments[] slots, int batch)"))
        {
            w.Line("int merged = batch * StatBands * OutC;");
            using (w.Block("for (int c = 0; c < OutC; c++)"))
            {
                w.Line("Moments m = default;");
                w.Line("for (int s = 0; s < batch * StatBands; s++) m.Merge(slots[s * OutC + c]);");
                w.Line("slots[merged + c] = m;");
            }
        }
    }

    private static void EmitNormalizeTask(SourceWriter w, ChainPlan chain, NormMode mode)
    {
        ConvPlan c = chain.Conv!;
        w.Line($"/// <summary>Task = sample × channel block × row band: the band's rows of the block's channels normalized{(chain.HasSkip ? ", + skip" : "")}{(chain.Activation is { } a ? ", then " + ActivationName(a) : "")}, in place.</summary>");
        using (w.Block($"private static void NormalizeTask({Ref} y0{ConvEmitter.SkipRef(chain, "s0")}, int task, MomentSlots.Lease lease, KernelArguments a)"))
        {
            w.Line("NormState norm = a.Norm!;");
            DecodeBlockTask(w);
            w.Line(c.TailChannels == 0 ? "const int channels = Block;" : $"int channels = inGroup < FullBlocks ? Block : {c.TailChannels};");
            w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
            if (chain.HasSkip) w.Line($"{Ref} sn = ref {Unsafe}.Add(ref s0, n * OutputSize); // the skip, laid out as yn");
            if (BatchStats(mode))
                w.Line("Moments[] merged = lease.Slots; // channel c's batch moments at lease.Batch · StatBands · OutC + c");
            else
                w.Line("ref Moments sample = ref lease.Slots[n * StatBands * BandSlots]; // sample n's bands, BandSlots apart");
            using (w.Block("for (int ch = oc; ch < oc + channels; ch++)"))
            {
                if (BatchStats(mode))
                {
                    w.Line("ref Moments m = ref merged[lease.Batch * StatBands * OutC + ch];");
                    using (w.Block("for (int od = 0; od < ConvD; od++)"))
                    {
                        w.Line("int start = ch * ConvSpatial + (od * ConvH + rowStart) * ConvW, length = (rowEnd - rowStart) * ConvW;");
                        w.Line($"NormalizeChannelRows(ref {Unsafe}.Add(ref yn, start){ConvEmitter.SkipArg(chain, $"{Unsafe}.Add(ref sn, start)")}, ch, length, m.Mean, m.Variance, norm);");
                    }
                }
                else
                    using (w.Block("for (int od = 0; od < ConvD; od++)"))
                    {
                        w.Line("int start = ch * ConvSpatial + (od * ConvH + rowStart) * ConvW;");
                        w.Line($"NormalizeRows(ref yn{ConvEmitter.SkipArg(chain, "sn")}, ref sample, ch, start, start + (rowEnd - rowStart) * ConvW, norm);");
                    }
            }
        }
    }

    private static void EmitNormalizeRows(SourceWriter w, ChainPlan chain)
    {
        bool elementwise = chain.Norm!.Elementwise;
        w.Line("/// <summary>");
        w.Line("/// Elements [start, end) of one sample (rows of channel <paramref name=\"channel\"/>), run by run: each run's moments merged over the");
        w.Line("/// bands in band order (every task that touches the run merges the same partials in the same order: the same bits), then normalized.");
        w.Line("/// </summary>");
        using (w.Block($"private static void NormalizeRows({Ref} zn{ConvEmitter.SkipRef(chain, "sn")}, ref Moments sample, int channel, int start, int end, NormState norm)"))
        using (w.Block("for (int run = start / RunLength; run * RunLength < end; run++)"))
        {
            w.Line("Moments m = default;");
            w.Line($"for (int b = 0; b < StatBands; b++) m.Merge({Unsafe}.Add(ref sample, b * BandSlots + run));");
            w.Line("int from = Math.Max(start, run * RunLength), to = Math.Min(end, run * RunLength + RunLength);");
            w.Line(elementwise
                ? $"NormalizeElementwiseRows(ref {Unsafe}.Add(ref zn, from){ConvEmitter.SkipArg(chain, $"{Unsafe}.Add(ref sn, from)")}, from - run * RunLength, to - from, m.Mean, m.Variance, norm);"
                : $"NormalizeChannelRows(ref {Unsafe}.Add(ref zn, from){ConvEmitter.SkipArg(chain, $"{Unsafe}.Add(ref sn, from)")}, channel, to - from, m.Mean, m.Variance, norm);");
        }
    }

    internal static void EmitNormalizeChannelRows(SourceWriter w, ChainPlan chain)
    {
        NormPlan n = chain.Norm!;
        w.Line("/// <summary>Normalizes <paramref name=\"length\"/> values of one channel with its γ and β folded into one scale and shift (as NormalizeChannel does for a whole plane).</summary>");
        using (w.Block($"private static void NormalizeChannelRows({Ref} z{ConvEmitter.SkipRef(chain, "skip")}, int channel, int length, double mean, double variance, NormState norm)"))
        {
            w.Line("float invStd = (float)(1 / Math.Sqrt(variance + Eps));");
            w.Line(n.Affine ? "float scale = norm.Gamma![channel] * invStd, shift = norm.Beta![channel];" : "float scale = invStd, shift = 0f; // affine=False");
            w.Line($"NormalizeSpan(ref z{ConvEmitter.SkipArg(chain, "skip")}, length, mean, scale, shift);");
        }
    }

    internal static void EmitNormalizeElementwiseRows(SourceWriter w, ChainPlan chain)
    {
        NormPlan n = chain.Norm!;
        string affine = n.Affine ? (n.AffineBias ? "·γ[offset + i] + β[offset + i]" : "·γ[offset + i]") : "";
        w.Line($"/// <summary>LayerNorm over <paramref name=\"length\"/> elements from position <paramref name=\"offset\"/> of a run: z[i] = (z[i] − mean)/√(var+ε){affine}{(chain.HasSkip ? " + skip[i]" : "")}{(chain.Activation is { } a ? ", then " + ActivationName(a) : "")}, in place (the same arithmetic as NormalizeElementwise).</summary>");
        using (w.Block($"private static void NormalizeElementwiseRows({Ref} z{ConvEmitter.SkipRef(chain, "skip")}, int offset, int length, double mean, double variance, NormState norm)"))
        {
            w.Line("float invStd = (float)(1 / Math.Sqrt(variance + Eps));");
            w.Line("(float hi, float lo) = NormState.Split(mean);");
            if (n.Affine) w.Line($"ref float gamma = ref {Unsafe}.Add(ref MemoryMarshal.GetArrayDataReference(norm.Gamma!), offset);");
            if (n.AffineBias) w.Line($"ref float beta = ref {Unsafe}.Add(ref MemoryMarshal.GetArrayDataReference(norm.Beta!), offset);");
            string Vexpr(string vec, string i)
            {
                string e = $"(({vec}.LoadUnsafe(ref z, (nuint)({i})) - vHi) - vLo) * vInvStd";
                if (n.Affine) e = $"{e} * {vec}.LoadUnsafe(ref gamma, (nuint)({i}))";
                if (n.AffineBias) e = $"{e} + {vec}.LoadUnsafe(ref beta, (nuint)({i}))";
                if (chain.HasSkip) e = $"{e} + {vec}.LoadUnsafe(ref skip, (nuint)({i}))";
                return Activate(chain.Activation, e);
            }
            string Sexpr()
            {
                string e = $"((Unsafe.Add(ref z, i) - hi) - lo) * invStd";
                if (n.Affine) e = $"{e} * Unsafe.Add(ref gamma, i)";
                if (n.AffineBias) e = $"{e} + Unsafe.Add(ref beta, i)";
                if (chain.HasSkip) e = $"{e} + Unsafe.Add(ref skip, i)";
                return Activate(chain.Activation, e);
            }
            foreach (var (vec, lanes) in new[] { ("Vector512", 16), ("Vector256", 8) })
                using (w.Block($"if ({vec}.IsHardwareAccelerated && length >= {lanes})"))
                {
                    w.Line($"{vec}<float> vHi = {vec}.Create(hi), vLo = {vec}.Create(lo), vInvStd = {vec}.Create(invStd);");
                    w.Comment("The last vector overlaps the one before it: compute it first, from raw values, and store it last.");
                    w.Line($"{vec}<float> last = {Vexpr(vec, $"length - {lanes}")};");
                    w.Line($"for (int i = 0; i < length - {lanes}; i += {lanes})");
                    w.Line($"    {vec}.StoreUnsafe({Vexpr(vec, "i")}, ref z, (nuint)i);");
                    w.Line($"{vec}.StoreUnsafe(last, ref z, (nuint)(length - {lanes}));");
                    w.Line("return;");
                }
            w.Line("for (int i = 0; i < length; i++)");
            w.Line($"    Unsafe.Add(ref z, i) = {Sexpr()};");
        }
    }
}
