using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>The "fusion plan" doc comment above each kernel class: what runs, in which order, on which path.</summary>
internal static class FusionPlanComment
{
    public static void Write(SourceWriter w, ChainPlan chain)
    {
        w.Line("/// <summary>");
        w.Line($"/// Fusion plan for {chain.Type.ClassName}.{chain.MethodName}: {Describe(chain).Replace("→", "+")}");
        w.Line("/// <code>");
        if (chain.Conv is { Winograd: not null })
            WinogradEmitter.WritePlan(w, chain);
        else if (chain.Conv is { } c)
        {
            w.Line($"/// conv    {ShapeText(chain.InputShape)} → {c.OutChannels}×{Spatial(c)}, {c.KernelText} window {UnrollText(chain)}, stride {c.StrideText}, padding {c.PaddingText}, dilation {c.DilationText}" +
                   (c.Groups > 1 ? $", {c.Groups} groups of {c.InPerGroup} → {c.OutPerGroup} channels" : ""));
            if (c.WinogradDeclined is { } declined)
                w.Line($"///         the direct kernel, not Winograd (F(4×4,3×3), or F(2×2,3×3) on planes under 8×8): {declined}");
            if (c.Identity)
                w.Line($"/// pass    a standalone {(chain.Norm is null ? "activation" : "norm")} pass, run as the identity depthwise 1×1 conv above (weight 1, bias 0: x·1 + 0 is x exactly) so that the {(chain.Norm is null ? "activation" : "norm and activation")} below run as its epilogue, with the conv chains' statistics, tiles and threads");
            if (c.PreAct is not null)
                w.Line($"/// preact  {ConvEmitter.PreActText(c)} of each input plane as the conv's input copy is made, before {(c.Prologue is not null ? "the prologue" : c.CopyPadding > 0 ? "the zero padding (which stays 0, as PyTorch pads the activated tensor)" : "the conv reads it")}; the input itself is not changed");
            if (c.InputPool is { } ip)
                w.Line($"/// prologue {ip.Kind} window {ip.Kernel}, stride {ip.Stride}, padding {ip.Padding} of each {ip.RawHeight}×{ip.RawWidth} input plane as the conv's input copy is made (the un-pooled input is not changed, so it can also be another chain's skip)");
            if (c.Transposed is { } t)
                w.Line($"/// upsample ConvTranspose2d (stride {t.Stride}, padding {t.Padding}, output_padding {t.OutputPadding}) of the {t.InHeight}×{t.InWidth} input, run as the stride-1 conv above with the flipped, transposed weight (packed at load) over a {c.InHeight}×{c.InWidth} copy: input (y, x) at ({c.UpsamplePadding} + {t.Stride}·y, {c.UpsamplePadding} + {t.Stride}·x), zeros elsewhere ({(t.Stride > 1 ? $"{t.Stride * t.Stride - 1} of every {t.Stride * t.Stride} multiplies are by an inserted zero" : "no inserted zeros")})");
            Norm(w, chain, "conv");
            if (chain.HasSkip)
                w.Line(chain.ComputesStatistics
                    ? "/// add     + skip in the normalize step, after the affine and before the activation, reading the skip as the step reads the run"
                    : chain.Conv!.Flat512 && !chain.Conv.FlatInPlace
                        ? "/// add     + skip on the register tile before the activation and the store, reading the skip tile by tile; the flat Vector512 path (its tiles cross rows) adds it, then activates, as it copies each row's kept columns"
                        : "/// add     + skip on the register tile before the activation and the store, reading the skip tile by tile");
            Activation(w, chain);
            if (chain.Pool is { IsGlobal: true })
                w.Line($"/// pool    AdaptiveAvgPool2d(1): each channel's plane summed in double, in a fixed order, from the block's scratch buffer still in cache → {ShapeText(chain.OutputShape)}; the conv output never reaches y");
            else if (chain.Pool is { } p)
                w.Line($"/// pool    {p.Kind} window {p.Kernel}, stride {p.Stride}, padding {p.Padding} → {ShapeText(chain.OutputShape)}, read from a scratch buffer still in cache; the conv output never reaches y");
            string blockCount = $"{c.FullBlocks} block(s) of {c.OcBlock}" + (c.TailChannels > 0 ? $" + 1 of {c.TailChannels}" : "") + " channels" + (c.Groups > 1 ? " per group" : "");
            w.Line(c.Vectorized
                ? $"/// tiles   {c.OcBlock} output channels × {Columns(c, 8)} (Vector256){(c.Vectorized512 ? $" or × {Columns(c, 16)} (Vector512)" : "")} of accumulators, then single vectors: {blockCount}"
                : $"/// tiles   no column tiles (rows narrower than a Vector256, see columns{(c.Flat512 ? " and flat" : "")}): {blockCount}");
            if (!chain.ComputesStatistics)
            {
                int blocks = c.BlocksPerSample;
                string rows = chain.Pool is null ? "output" : "pooled";
                if (chain.BlocksPerTask > 1)
                    w.Line($"/// tasks   sample × run of channel blocks{(chain.MaxRowBands > 1 ? " × row band" : "")}: {blocks} block(s) per sample in {(blocks + chain.BlocksPerTask - 1) / chain.BlocksPerTask} runs of up to {chain.BlocksPerTask} consecutive blocks ({(chain.LanePositions > 0 ? $"the lane kernel's {8 * chain.BlocksPerTask} channels" : $"a block alone is {(long)c.OcBlock * c.OutSpatial * c.InPerGroup * c.TapsPerInput} multiply-adds, too little for a task{(chain.DepthwiseLanes ? "; a multiple of 16, the depthwise lane kernel's vectors" : "")}")}){(chain.MaxRowBands > 1 ? $" × up to {chain.MaxRowBands} bands of the {chain.BandedRows} rows" : "")}, dealt to the worker threads; each task rents its scratch once");
                else
                w.Line(chain.MaxRowBands == 1
                    ? $"/// tasks   sample × channel block: {blocks} block(s) per sample, dealt to the worker threads; rows are not split into bands ({(c.Rank != 2 ? "only 2d chains are" : blocks >= ModelPlanner.MaxTasksPerSample ? "the blocks make enough tasks" : chain.BandedRows == 1 ? "one row" : "too little work per band")})"
                    : $"/// tasks   sample × channel block × row band: {blocks} block(s) × up to {chain.MaxRowBands} bands of the {chain.BandedRows} {rows} rows per sample, as many as give each thread about 4 tasks (1 band on one thread)");
            }
            else
                StatisticsTasks(w, chain);
            if (c.Flat512 && !chain.ChannelLanes)
                w.Line($"/// flat    Vector512 eval path: the {c.OutHeight}×{c.OutWidth} plane is one flat row of {c.FlatPitch} positions per output row ({(c.Stride == 1 ? (c.StrideH == 1 ? "the padded width" : $"{c.StrideH} rows of the padded copy") : c.Polyphase ? "a quarter plane's width" : $"{c.Stride} rows of the phased copy")}; {(c.FlatInPlace ? "the output's own layout, so the tiles are stored in place" + (chain.HasSkip ? ", the skip added to each tile first" : "") : $"{c.FlatPitch - c.OutWidth} extra positions per row, dropped")}), so every tile is {c.OcBlock} channels × {c.FlatVectors(c.OcBlock)}×16 positions instead of a partial vector per row");
            if (chain.LanePositions > 0)
                w.Line($"/// lanes   with AVX-512: {16 * (chain.BlocksPerTask / 2)} output channels per task as Vector512s of 16 (weights packed in blocks of 16) × tiles of {chain.LanePositions} output positions across rows, each input broadcast: all {c.OutHeight * c.OutWidth} positions of the plane computed once ({(c.OutHeight * c.OutWidth + chain.LanePositions - 1) / chain.LanePositions * chain.LanePositions - c.OutHeight * c.OutWidth} recomputed by the last tile){(c.Flat512 ? $", where the flat kernel computes {c.FlatComputed}" : "")}{(chain.LaneChunk > 0 ? $"; in passes over {chain.LaneChunk} of the {c.InPerGroup} input channels at a time, so a pass's weights stay in L2 for every tile (the sums run in the same order)" : "")}; the kernels below are the path without AVX-512");
            if (chain.DepthwiseLanes)
                w.Line($"/// lanes   with AVX-512: 16 channels per Vector512: each group of 16 channels' {c.SourceHeight}×{c.SourceWidth} input planes is transposed into a zero-padded [row][column][channel] buffer on the stack, each output position is one vector of {c.TapsPerInput} FMAs (weights packed [tap][channel]), and the outputs are transposed back; the kernels below are the path without AVX-512");
            if (chain.ChannelLanes)
                w.Line($"/// lanes   with Vector256: 8 channels per Vector256: a task's groups of 8 channels have their input rows interleaved as [row][column][8] (zero-padded, no padded copy), each tile of {System.Math.Min(ModelPlanner.ChannelLaneTile, c.OutWidth)} output positions of a row keeps one accumulator per position, and each of the {c.TapsPerInput} taps is one weight vector (packed [tap][channel]) for the tile's aligned input loads; the outputs are transposed back to their planes; the scalar kernel below is the path without Vector256");
            if (chain.RowPermute)
                w.Line($"/// rows    with AVX-512: each output row is one Vector512 computed straight from the unpadded {c.SourceHeight}×{c.SourceWidth} input rows: a row is one load and each tap's columns one permute of it (zero where the window covers padding), so no copy is made; {(chain.TaskCopy ? "the copy below is" : "the kernels below are")} the path without AVX-512");
            if (c.Prologue is not null)
                w.Line($"/// prologue {ConvEmitter.PrologueText(c)}: applied while the input is copied into the buffer the kernels read (one gathering pass, indices computed once), so no upsampled or padded tensor is stored and no tap is bounds-tested");
            else if (c.Pads && chain.TaskCopy)
                w.Line($"/// padding each task first copies its group's {(c.InPerGroup == 1 ? "input plane" : $"{c.InPerGroup} input planes")} into a zero-padded buffer of its own (no other task reads {(c.InPerGroup == 1 ? "it" : "them")}, so the kernel reads the copy from cache), so every output column is interior and no tap is bounds-tested");
            else if (c.Pads)
                w.Line($"/// padding the input is first copied into a zero-padded buffer, so every output column is interior and no tap is bounds-tested");
            if (c.Polyphase)
                w.Line($"/// phases  the {(c.Pads ? "padded " : "")}copy is split into {c.Stride * c.Stride} quarter planes of {c.SubRows}×{c.PhaseWidth} (rows and columns by their remainder mod {c.Stride}), so every tap of output (oh, ox) reads position oh · {c.PhaseWidth} + ox of one quarter: the flat row is {c.PhaseWidth} positions per output row, {c.PhaseWidth - c.OutWidth} dropped");
            else if (c.ColumnPhases > 1)
                w.Line($"/// phases  the {(c.Pads ? "padded " : "")}copy stores each row as {c.ColumnPhases} column phases of {c.PhaseWidth} (columns q, q + {c.Stride}, …), so a stride-{c.Stride} tap's inputs for consecutive output columns are consecutive: one vector load each");
            if (c.Vectorized)
                w.Line($"/// columns {c.InteriorStart}..{c.InteriorEnd - 1} are interior (no bounds tests, the last vector overlaps the one before); " +
                       (c.InteriorStart > 0 || c.InteriorEnd < c.OutWidth ? $"{c.InteriorStart + c.OutWidth - c.InteriorEnd} border column(s) take the checked scalar path" : "no border columns"));
            else
                w.Line(c.ChannelVectorPixels
                    ? "/// columns fewer than 8 interior columns, so no column vectors (diagnostic FN0201): each output position computes a full block's 8 channels as one Vector256" + (c.TailChannels > 0 ? ", the tail block in scalar" : "")
                    : "/// columns fewer than 8 interior columns: scalar path only (diagnostic FN0201)");
            w.Line($"/// weights packed once at load: [block][ic][taps][channel in block]{(chain.LanePositions > 0 ? ", blocks of 16 channels with AVX-512 (the lane kernel), of 8 without" : chain.DepthwiseLanes ? "; [tap][channel] with AVX-512 (the depthwise lane kernel)" : "")}");
        }
        else
        {
            LinearPlan l = chain.Linear!;
            w.Line($"/// linear  {l.InFeatures} → {l.OutFeatures}" + (chain.InputShape.Count > 1 ? $", input flattened from {ShapeInts(chain.InputShape)}" : "") + "; x[i] broadcast against 8 output features per vector");
            Norm(w, chain, "linear");
            Activation(w, chain);
            if (chain.Softmax)
                w.Line("/// softmax dim=1, after the kernels: each sample's row (still in cache) → exp(x − max) / Σ exp(x − max), max and sum in double, one row at a time in sample order");
            if (l.Vectorized512)
                w.Line($"/// tiles   Vector512, batch ≥ {ModelPlanner.LinearSamplesPerTile512}: {ModelPlanner.LinearSamplesPerTile512} samples × up to {ModelPlanner.LinearBlocksPerTile512} blocks of 16 outputs per task ({ModelPlanner.LinearSamplesPerTile512 * ModelPlanner.LinearBlocksPerTile512} accumulators), each weight vector serving {ModelPlanner.LinearSamplesPerTile512} samples; the last sample tile overlaps the one before");
            if (l.Vectorized)
                w.Line($"/// tiles   {(l.Vectorized512 ? "else " : "")}Vector256: {l.VectorBlocks} vector(s) of 8 outputs, {l.BlocksPerPass} per pass over x, 4 samples per task" + (l.OutFeatures % l.Lanes != 0 ? $"; the last block starts at {l.OutFeatures - l.Lanes} and overlaps the one before" : ""));
            else
                w.Line("/// tiles   fewer than 8 outputs: scalar path only (diagnostic FN0201)");
            if (l.Vectorized) w.Line($"/// weights packed once at load: [block][in][{l.Lanes} outputs]");
        }
        w.Line("/// scalar  the same plan in plain loops when Vector256 is not hardware accelerated");
        w.Line("/// </code>");
        w.Line("/// </summary>");
    }

    /// <summary>How the chain's vector kernels unroll the window (the plan bounds it per kernel method; see ConvPlan.RowUnroll).</summary>
    private static string UnrollText(ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        var kernels = new System.Collections.Generic.List<(string Label, WindowUnroll Unroll)>();
        foreach (int r in c.TailChannels > 0 ? new[] { c.OcBlock, c.TailChannels } : new[] { c.OcBlock })
        {
            string channels = r == c.OcBlock ? "" : $" {r}-channel";
            if (c.Flat512) kernels.Add(($"flat Vector512{channels}", c.FlatUnroll(r)));
            if (c.Vectorized512) kernels.Add(($"Vector512{channels}", c.RowUnroll(16, r)));
            if (c.Vectorized) kernels.Add(($"Vector256{channels}", c.RowUnroll(8, r)));
        }
        string Kernels(WindowUnroll kind) => string.Join(", ", kernels.Where(k => k.Unroll == kind).Select(k => k.Label));
        var parts = new System.Collections.Generic.List<string>();
        if (kernels.Any(k => k.Unroll == WindowUnroll.Row)) parts.Add($"a kernel row at a time, in a loop over the rows, in the {Kernels(WindowUnroll.Row)} kernel(s)");
        if (kernels.Any(k => k.Unroll == WindowUnroll.Tap)) parts.Add($"a tap at a time, in a loop over the taps, in the {Kernels(WindowUnroll.Tap)} kernel(s)");
        if (parts.Count == 0) return "unrolled";
        return $"unrolled {string.Join("; ", parts)} (the whole window would pass {ModelPlanner.MaxUnrolledFmas} FMAs per method; the JIT optimizes only methods within its size limits)";
    }

    private static string ShapeText(EquatableArray<int> shape) => string.Join("×", shape);
    private static string Columns(ConvPlan c, int lanes)
    {
        int tile = c.RowTileVectors(lanes, c.OcBlock);
        return tile == 1 ? $"{lanes} columns" : $"{tile}×{lanes} columns";
    }
    private static string Spatial(ConvPlan c) => c.Rank switch { 1 => $"{c.OutWidth}", 2 => $"{c.OutHeight}×{c.OutWidth}", _ => $"{c.OutDepth}×{c.OutHeight}×{c.OutWidth}" };

    private static void Norm(SourceWriter w, ChainPlan chain, string into)
    {
        if (chain.Norm is not { } n) return;
        string Mode(NormMode mode, bool banded = false) => mode switch
        {
            NormMode.Folded => $"running statistics folded into the {into} weights and bias at load: costs nothing here",
            NormMode.BatchStatistics => "batch statistics: mean and biased variance per channel over (batch, spatial); " +
                (banded ? "channels are normalized once every band of every sample has its moments (see tasks)" : "blocks run channel-major so a block's channels are normalized once every sample is computed"),
            _ => $"statistics per run of {n.RunLength} contiguous elements ({ConvEmitter.RunDescription(n)}); " +
                 (banded ? "runs are normalized once every row band has its moments (see tasks)" : "a run is normalized as soon as the block that completes it is stored"),
        };
        w.Line($"/// norm    {NormModule(n)}: {Mode(n.EvalMode, chain.StatBands > 1)}");
        if (n.EvalMode != NormMode.Folded || chain.TrainingForward)
        {
            w.Line("/// stats   accumulated in the store epilogue, per statistics slot, as double sums shifted by the slot's first value: Σ(x−K), Σ(x−K)²");
            w.Line("///         (no cancellation for large offsets); overlapping vector lanes are counted once; the normalize step reads them");
            w.Line("///         in cache: (x − mean) with the mean split in two floats, · γ/√(var+ε) + β, then the activation");
        }
        if (chain.TrainingForward && n.TrainingMode is { } t)
            w.Line($"/// train   {chain.MethodName}Training: {Mode(t)}" + (n.TrackRunningStats ? "; then running_mean/var (unbiased) are updated" : ""));
    }

    /// <summary>How the eval forward of a statistics chain splits into tasks: row bands fixed by the shape, or why not.</summary>
    private static void StatisticsTasks(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        NormPlan n = chain.Norm!;
        bool batch = n.EvalMode == NormMode.BatchStatistics, blocks = batch || ModelPlanner.RunsWithinBlocks(chain);
        if (chain.StatBands == 1)
        {
            string unit = batch ? "one thread: channel blocks in order over the whole batch" : blocks ? $"sample × channel block ({c.BlocksPerSample} per sample)" : "one task per sample (a run spans channel blocks)";
            string why = c.Rank == 1 ? "1d: one row" : chain.Pool is not null ? "the pool's windows would read rows of two bands" : (blocks ? c.BlocksPerSample : 1) >= ModelPlanner.MaxTasksPerSample ? "the blocks make enough tasks"
                : 2 * ModelPlanner.StatSlotsPerBand(chain) > ModelPlanner.MaxStatSlotsPerSample ? "too many statistics runs to keep per band" : "too little work per band";
            w.Line($"/// tasks   {unit}; not split into statistics row bands ({why})");
            return;
        }
        w.Line($"/// tasks   {chain.StatBands} row bands of the {c.OutHeight} conv rows{(c.Rank == 3 ? " of every plane" : "")}, a number fixed here from the shape, never from the threads. Two jobs:");
        w.Line($"///         1. sample × {(blocks ? $"channel block ({c.BlocksPerSample}) × " : "")}band: the band's conv rows stored raw{(blocks ? "" : ", every block in order (a run spans blocks)")}, their moments added to the band's own slots;");
        w.Line($"///         2. sample × channel block × band: each {(batch ? "channel's moments over (sample, band), merged once in that order," : "run's band moments merged in band order")} (re-based onto the first's shift:");
        w.Line("///         Σ(x−K) = Σ(x−K_b) + n_b·d, Σ(x−K)² = Σ(x−K_b)² + 2d·Σ(x−K_b) + n_b·d², d = K_b − K, no cancellation), then the band's rows normalized.");
        if (!batch)
            w.Line($"///         A call with enough (sample{(blocks ? ", block" : "")}) tasks for its threads (or one thread) runs both jobs' band tasks of each in one task, in order.");
        w.Line("///         Fixed bands and a fixed merge order: the same bits at any thread count.");
    }

    private static void Activation(SourceWriter w, ChainPlan chain)
    {
        if (chain.Activation is { } a)
            w.Line(chain.ComputesStatistics
                ? $"/// act     {ActivationName(a)} in the normalize step, on the normalized values in registers"
                : $"/// act     {ActivationName(a)} on the accumulators in registers, before the store");
    }
}
