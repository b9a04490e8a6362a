using System.Collections.Generic;
using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Convolution kernels for every rank (a Conv1d is one row, a Conv2d one plane, a Conv3d D planes): a Vector256
/// block kernel per channel-block size (8 output columns × up to 4 output channels of accumulators, the whole
/// window unrolled), a checked scalar pixel kernel for border columns and the scalar path, and the Run methods
/// that order blocks, samples, statistics, normalization and pooling for the chain's norm mode.
/// </summary>
internal static class ConvEmitter
{
    private const string Ref = "ref float";

    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        if (c.Winograd is not null) { WinogradEmitter.Emit(w, chain); return; } // the plan chose Winograd F(4×4, 3×3)
        w.Line($"private const int InC = {c.InChannels}, InD = {c.InDepth}, InH = {c.CopyRows}, InW = {c.RowPitch};{(c.Polyphase ? " // a plane of the copy: Stride² quarter planes of SubRows × PhaseW" : c.ColumnPhases > 1 ? " // InW: the copy's row pitch" : "")}");
        if (c.Polyphase)
            w.Line($"private const int PaddedW = {c.InWidth}, PhaseW = {c.PhaseWidth}, SubRows = {c.SubRows}; // padded (y, x) is at row y / Stride, slot x / Stride of quarter (y % Stride, x % Stride)");
        else if (c.ColumnPhases > 1)
            w.Line($"private const int PaddedW = {c.InWidth}, PhaseW = {c.PhaseWidth}; // a padded row of PaddedW columns is stored as Stride segments of PhaseW: segment q holds columns q, q + Stride, …");
        w.Line($"private const int OutC = {c.OutChannels}, ConvD = {c.OutDepth}, ConvH = {c.OutHeight}, ConvW = {c.OutWidth}, ConvSpatial = ConvD * ConvH * ConvW;");
        w.Line($"private const int Kernel = {c.Kernel}, Stride = {c.Stride}, Padding = {c.Padding}, Dilation = {c.Dilation};{(c.IsCubic ? "" : " // the width dim's (columns)")}");
        if (!c.IsCubic)
            w.Line($"private const int KernelD = {c.KernelD}, KernelH = {c.KernelH}, StrideD = {c.StrideD}, StrideH = {c.StrideH}, DilationD = {c.DilationD}, DilationH = {c.DilationH}; // the depth and height dims': kernel_size {c.AxesText(c.KernelD, c.KernelH, c.Kernel)}, stride {c.StrideText}, dilation {c.DilationText}");
        if (c.Prologue is { } pr)
        {
            w.Line($"private const int SourceD = {c.SourceDepth}, SourceH = {c.SourceHeight}, SourceW = {c.SourceWidth}; // the caller's input; In* are the copy the prologue makes of it");
            w.Line($"/// <summary>The prologue: {PrologueText(c)}. Each position of the copy is mapped once to the input positions it reads.</summary>");
            string mode(PadMode m) => $"global::FusedNorm.PaddingMode.{m}";
            w.Line($"private static readonly InputPrologue Prologue = new InputPrologue(SourceD, SourceH, SourceW, scale: {pr.Scale}, " +
                   $"upsample: global::FusedNorm.UpsampleMode.{pr.Upsample}, alignCorners: {(pr.AlignCorners ? "true" : "false")}, " +
                   $"left: {pr.Left}, right: {pr.Right}, top: {pr.Top}, bottom: {pr.Bottom}, layerMode: {mode(pr.LayerMode)}, " +
                   $"convPadding: {c.CopyPadding}, convMode: {mode(pr.ConvMode)}, rank: {c.Rank}, phases: {c.ColumnPhases}, copyDepth: InD, copyHeight: InH, copyPitch: InW" +
                   (c.IsCubic ? "" : $", convPaddingDepth: {c.CopyPaddingD}, convPaddingHeight: {c.CopyPaddingH}") + ");");
            int planeSize = c.InDepth * c.CopyRows * c.RowPitch;
            w.Line($"private const int CopyPlanes = {System.Math.Max(1, 16384 / planeSize)}; // planes per copy task: about 64 KB of floats");
        }
        else if (c.Transposed is { } transposed)
        {
            w.Line($"private const int SourceH = {c.SourceHeight}, SourceW = {c.SourceWidth}; // the caller's input; In* are its zero-upsampled copy");
            w.Line($"private const int UpStride = {transposed.Stride}, UpPad = {c.UpsamplePadding}; // input (y, x) lies at (UpPad + y·UpStride, UpPad + x·UpStride) of the copy");
            int planeSize = c.InDepth * c.CopyRows * c.RowPitch;
            w.Line($"private const int CopyPlanes = {System.Math.Max(1, 16384 / planeSize)}; // planes per copy task: about 64 KB of floats");
        }
        else if (c.PaddedCopy)
        {
            w.Line($"private const int SourceD = {c.SourceDepth}, SourceH = {c.SourceHeight}, SourceW = {c.SourceWidth}; // the caller's input; In* are its {(c.PreActOnlyCopy ? "pre-activated" : "zero-padded")} copy");
            w.Line($"private const int PadD = {c.CopyPaddingD}, PadH = {c.CopyPaddingH}, PadW = {c.CopyPadding};");
            int planeSize = c.InDepth * c.CopyRows * c.RowPitch;
            if (!chain.TaskCopy) w.Line($"private const int CopyPlanes = {System.Math.Max(1, 16384 / planeSize)}; // planes per copy task: about 64 KB of floats");
        }
        if (c.PreAct is not null)
            w.Line($"private const int SourcePlane = {c.SourceDepth * c.SourceHeight * c.SourceWidth}; // one plane of the caller's input, pre-activated as the copy is made");
        if (chain.TaskCopy)
        {
            w.Line($"private const int SourcePlane = SourceD * SourceH * SourceW, SourceSize = InC * SourcePlane; // a plane and a sample of the caller's input; each task copies its group's planes, padded, into a buffer of its own");
            w.Line("private static readonly ScratchPool Planes = new(InPerGroup * InD * InH * InW); // those buffers, shared by every thread (no allocation once warm)");
        }
        if (c.InputPool is { } ip)
            w.Line($"private const int RawH = {ip.RawHeight}, RawW = {ip.RawWidth}; // the chain's input planes, pooled ({ip.Kind} {ip.Kernel}, stride {ip.Stride}, padding {ip.Padding}) to SourceH × SourceW as they are copied");
        w.Line($"private const int XSize = InC * InD * InH * InW; // one sample as the kernels read it{(c.PaddedCopy ? " (padded)" : "")}");
        w.Line($"private const int Groups = {c.Groups}, InPerGroup = InC / Groups, OutPerGroup = OutC / Groups;");
        w.Line($"private const int Block = {c.OcBlock}, Taps = InPerGroup * {c.TapsPerInput}; // weights per output channel");
        w.Line($"private const int FullBlocks = {c.FullBlocks}, BlocksPerGroup = {c.BlocksPerGroup}, BlocksPerSample = Groups * BlocksPerGroup;");
        if (chain.Norm?.EvalMode is null or NormMode.Folded)
        {
            w.Line($"private const int MaxRowBands = {chain.MaxRowBands}; // a task is (sample, channel block, band of {(chain.Pool is null ? "output" : "pooled")} rows); each call picks 1..MaxRowBands bands");
            if (chain.BlocksPerTask > 1)
                w.Line($"private const int BlocksPerTask = {chain.BlocksPerTask}, TasksPerSample = (BlocksPerSample + BlocksPerTask - 1) / BlocksPerTask; // a task runs consecutive blocks: one block is too little work for a task");
        }
        if (chain.StatBands > 1)
        {
            w.Line($"private const int StatBands = {chain.StatBands}; // row bands of every (sample, {(chain.Norm!.EvalMode == NormMode.BatchStatistics || RunsWithinBlocks(chain) ? "channel block" : "sample")}), fixed by the shape so the moments merge in the same order at any thread count");
            w.Line("private static readonly MomentSlots Leases = new(); // this chain's partial moments, one lease per call in flight (reused: no allocation)");
        }
        if (c.Vectorized) w.Line($"private const int InteriorStart = {c.InteriorStart}, InteriorEnd = {c.InteriorEnd};");
        if (c.Flat512) w.Line($"private const int FlatPitch = {(c.Stride == 1 || c.Polyphase ? "InW" : "Stride * InW")}, FlatLength = ConvH * FlatPitch, FlatEnd = (ConvH - 1) * FlatPitch + ConvW; // a channel's outputs as one flat row (row oh at oh * FlatPitch{(c.Polyphase ? ": a quarter plane's width" : c.Stride == 1 ? ", the padded width" : ": Stride rows of the phased copy")})");
        if (chain.Pool is { } p) w.Line(PoolEmitter.ShapeConstants(p));
        if (FlatRows(chain)) w.Line("private static readonly ScratchPool FlatRows = new(Block * FlatLength); // each task's flat rows, shared by every thread (no allocation once warm)");
        if (chain.Pool is not null && chain.Norm?.EvalMode is null or NormMode.Folded)
            w.Line(chain.LanePositions > 0
                ? "private static readonly ScratchPool ConvRows = new(BlocksPerTask * Block * ConvSpatial); // each task's blocks of conv output (the lane kernel's run of them at once), read by the pool, shared by every thread"
                : "private static readonly ScratchPool ConvRows = new(Block * ConvSpatial); // each task's block of conv output, read by the pool, shared by every thread");
        if (chain.Pool is not null && chain.HasSkip) w.Line(PoolEmitter.AddSizeConstant);
        if (chain.Norm is { RunLength: > 0 } n && (n.EvalMode == NormMode.RunStatistics || n.TrainingMode == NormMode.RunStatistics))
            w.Line($"private const int RunLength = {n.RunLength}, Runs = OutC * ConvSpatial / RunLength; // elements per statistics run, runs per sample");
        w.Line();

        string taps = c.IsCubic ? string.Join(", ", Enumerable.Repeat("K", c.Rank)) : c.Rank switch { 1 => "KW", 2 => "KH, KW", _ => "KD, KH, KW" };
        w.Line($"/// <summary>Packs weights [OutC, InPerGroup, {taps}] as [block][ic][taps][channel in block].</summary>");
        if (chain.LanePositions > 0)
        {
            w.Line($"/// <remarks>With AVX-512 the lane kernel runs, which reads blocks of 16 channels ([block of 16][ic][taps][16]: one Vector512 per tap).</remarks>");
            w.Line($"public static float[] PackWeights(float[] weight) => WeightPacking.PackConv(weight, OutC, Taps, OutPerGroup, {Avx512} ? 16 : Block);");
        }
        else if (chain.ChannelLanes)
        {
            w.Line($"/// <remarks>Where Vector256 is accelerated the channel-lane kernel runs, which reads [tap][channel] (one Vector256 per tap for 8 channels).</remarks>");
            w.Line($"public static float[] PackWeights(float[] weight) => Vector256.IsHardwareAccelerated ? WeightPacking.PackDepthwiseLanes(weight, OutC, Taps) : WeightPacking.PackConv(weight, OutC, Taps, OutPerGroup, Block);");
        }
        else if (chain.DepthwiseLanes)
        {
            w.Line($"/// <remarks>With AVX-512 the depthwise lane kernel runs, which reads [tap][channel] (one Vector512 per tap for 16 channels).</remarks>");
            w.Line($"public static float[] PackWeights(float[] weight) => {Avx512} ? WeightPacking.PackDepthwiseLanes(weight, OutC, Taps) : WeightPacking.PackConv(weight, OutC, Taps, OutPerGroup, Block);");
        }
        else
            w.Line($"public static float[] PackWeights(float[] weight) => WeightPacking.PackConv(weight, OutC, Taps, OutPerGroup, Block);");
        w.Line();

        NormMode? eval = chain.Norm?.EvalMode is NormMode.Folded ? null : chain.Norm?.EvalMode;
        NormMode? training = chain.TrainingForward ? chain.Norm!.TrainingMode : null;
        EmitRun(w, chain, "Run", eval, training: false);
        if (training is not null) { w.Line(); EmitRun(w, chain, "RunTraining", training, training: true); }

        bool fused = eval is null; // some path stores activated outputs directly
        bool stats = eval is not null || training is not null;
        var blockSizes = new List<int> { c.OcBlock };
        if (c.TailChannels > 0) blockSizes.Add(c.TailChannels);
        var widths = new List<int>();
        if (c.Vectorized512 && !chain.ChannelLanes) widths.Add(16); // a channel-lane chain runs it where Vector256 is accelerated, the scalar kernel elsewhere
        if (c.Vectorized && !chain.ChannelLanes) widths.Add(8);
        foreach (int lanes in widths)
            foreach (int r in blockSizes)
            {
                if (fused && !(lanes == 16 && c.Flat512)) { w.Line(); EmitVectorBlock(w, chain, r, null, lanes); }
                if (eval is { } e) { w.Line(); EmitVectorBlock(w, chain, r, e, lanes); }
                if (training is { } t && t != eval) { w.Line(); EmitVectorBlock(w, chain, r, t, lanes); }
            }
        if (fused && c.Flat512 && !chain.ChannelLanes)
            foreach (int r in blockSizes) { w.Line(); EmitFlatBlock(w, chain, r); }
        if (fused && chain.RowPermute)
            foreach (int r in blockSizes) { w.Line(); EmitRowPermuteBlock(w, chain, r); }
        if (fused && chain.LanePositions > 0)
            for (int vectors = 1; vectors <= chain.BlocksPerTask / 2; vectors++) { w.Line(); EmitLaneTiles(w, chain, vectors); }
        if (fused && chain.DepthwiseLanes) { w.Line(); EmitDepthwiseLanes(w, chain); }
        if (fused && chain.ChannelLanes) { w.Line(); EmitChannelLanes(w, chain); }
        if (fused) { w.Line(); EmitScalarBlock(w, chain, null); w.Line(); EmitPixel(w, chain, null); }
        foreach (NormMode mode in new[] { eval, training }.Where(m => m is not null).Select(m => m!.Value).Distinct())
        {
            w.Line(); EmitScalarBlock(w, chain, mode);
            w.Line(); EmitPixel(w, chain, mode);
        }
        if (stats) { w.Line(); NormEmitter.EmitNormalizers(w, chain); }
        if (chain.Pool is not null) { w.Line(); PoolEmitter.Emit(w, chain); }
        if (fused && c.Flat512 && !c.FlatInPlace && !chain.ChannelLanes) { w.Line(); if (chain.HasSkip) EmitKeepColumnsAdd(w, chain); else EmitKeepColumns(w); }
        foreach (int lanes in widths)
            if (c.Stride > 1 && c.ColumnPhases == 1) { w.Line(); EmitStridedLoad(w, c, lanes); }
        if (c.InputPool is not null) { w.Line(); EmitCopyInput(w, c); }
        if (c.PreAct is not null) { w.Line(); EmitCopyPreActivated(w, c); }
    }

    /// <summary>
    /// The copy of a pre-activated input: each plane through the BatchNorm's scale and shift of its channel and the
    /// activation (Kernels.PreActivation), then copied as the conv reads it, so any padding is added after and stays 0.
    /// </summary>
    private static void EmitCopyPreActivated(SourceWriter w, ConvPlan c)
    {
        w.Line($"/// <summary>Planes first … first + count − 1 of the input: each {PreActText(c)}, then copied as the conv reads it (its padding added after, so it stays 0).</summary>");
        using (w.Block($"private static void CopyPreActivated({Ref} x0, {Ref} p0, int first, int count, KernelArguments a)"))
        {
            w.Line("PreActivation pre = a.PreActivation!;");
            if (c.PreActOnlyCopy)
            {
                w.Comment("The conv neither pads nor strides: the pre-activated planes are the copy.");
                w.Line("pre.ApplyPlanes(ref x0, ref p0, first, count, SourcePlane);");
                return;
            }
            w.Line("float[] plane = ArrayPool<float>.Shared.Rent(SourcePlane);");
            using (w.Block("try"))
            {
                w.Line($"{Ref} t0 = ref MemoryMarshal.GetArrayDataReference(plane);");
                using (w.Block("for (int p = first; p < first + count; p++)"))
                {
                    w.Line($"pre.ApplyPlane(ref {Unsafe}.Add(ref x0, p * SourcePlane), ref t0, p % InC, SourcePlane);");
                    string target = $"ref {Unsafe}.Add(ref p0, p * InD * InH * InW)";
                    w.Line(c.Prologue is not null
                        ? $"Prologue.CopyPlanes(ref t0, {target}, 0, 1);"
                        : c.Transposed is not null
                        ? $"UpsampledInput.CopyPlanes(ref t0, {target}, 0, 1, SourceH, SourceW, InH, InW, UpStride, UpPad);"
                        : c.ColumnPhases > 1
                        ? $"PaddedInput.CopyPlanesPhased(ref t0, {target}, 0, 1, SourceD, SourceH, SourceW, PadD, PadH, PadW, Stride);"
                        : $"PaddedInput.CopyPlanes(ref t0, {target}, 0, 1, SourceD, SourceH, SourceW, PadD, PadH, PadW);");
                }
            }
            using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(plane);");
        }
    }

    /// <summary>What the pre-activation does, in PyTorch's terms: "BatchNorm2d 'bn1' (running statistics) then ReLU".</summary>
    internal static string PreActText(ConvPlan c)
    {
        PreActPlan p = c.PreAct!;
        string norm = p.HasNorm ? $"{p.NormKind} '{p.NormName}' (running statistics: x·α + β per channel)" : "";
        string act = p.Activation is { } a ? ActivationModule(a) : "";
        return norm.Length > 0 && act.Length > 0 ? $"{norm} then {act}" : norm + act;
    }

    /// <summary>The copy of an input pooled as it is read: each plane pooled into a rented buffer, then copied as the conv reads it.</summary>
    private static void EmitCopyInput(SourceWriter w, ConvPlan c)
    {
        InputPoolPlan p = c.InputPool!;
        w.Line($"/// <summary>Planes first … first + count − 1 of the input: each {p.Kind}-pooled (RawH × RawW → SourceH × SourceW), then copied as the conv reads it.</summary>");
        using (w.Block($"private static void CopyInput({Ref} x0, {Ref} p0, int first, int count)"))
        {
            w.Line("float[] pooled = ArrayPool<float>.Shared.Rent(SourceH * SourceW);");
            using (w.Block("try"))
            using (w.Block("for (int p = first; p < first + count; p++)"))
            {
                w.Line($"PooledInput.PoolPlane(ref {Unsafe}.Add(ref x0, p * RawH * RawW), pooled, RawH, RawW, SourceH, SourceW, {p.Kernel}, {p.Stride}, {p.Padding}, max: {(p.IsMax ? "true" : "false")}, countIncludePad: {(p.CountIncludePad ? "true" : "false")});");
                string source = "ref MemoryMarshal.GetArrayDataReference(pooled)", target = $"ref {Unsafe}.Add(ref p0, p * InD * InH * InW)";
                w.Line(c.Transposed is not null
                    ? $"UpsampledInput.CopyPlanes({source}, {target}, 0, 1, SourceH, SourceW, InH, InW, UpStride, UpPad);"
                    : c.ColumnPhases > 1
                    ? $"PaddedInput.CopyPlanesPhased({source}, {target}, 0, 1, SourceD, SourceH, SourceW, PadD, PadH, PadW, Stride);"
                    : $"PaddedInput.CopyPlanes({source}, {target}, 0, 1, SourceD, SourceH, SourceW, PadD, PadH, PadW);");
            }
            using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(pooled);");
        }
    }

    /// <summary>What the prologue does, in PyTorch's terms: "nearest upsample ×2, ReflectionPad2d (1, 1, 1, 1), conv padding 0".</summary>
    internal static string PrologueText(ConvPlan c)
    {
        ProloguePlan p = c.Prologue!;
        var parts = new List<string>();
        if (p.Scale > 1 || p.Upsample == UpsampleKind.Bilinear)
            parts.Add($"{p.Upsample.ToString().ToLowerInvariant()} upsample ×{p.Scale}{(p.AlignCorners ? " (align_corners)" : "")} ({p.SourceHeight}×{p.SourceWidth} → {p.SourceHeight * p.Scale}×{p.SourceWidth * p.Scale})");
        if (p.PadLayer != LayerKind.Unknown) parts.Add($"{p.PadLayer} ({p.Left}, {p.Right}, {p.Top}, {p.Bottom})");
        parts.Add(c.Pads ? $"the conv's {p.ConvMode.ToString().ToLowerInvariant()} padding {c.PaddingText}" : "no conv padding");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// The generated constant that holds <paramref name="name"/> (Kernel, Stride, Dilation) on the depth or height dim: the one
    /// shared constant for a cubic kernel, else its own (StrideH): the bare names are the width dim's.
    /// </summary>
    private static string Axis(ConvPlan c, string name, char dim) => c.IsCubic ? name : name + dim;

    /// <summary>The skip parameter (", ref float name") of a method of a chain with a residual add, else nothing.</summary>
    internal static string SkipRef(ChainPlan chain, string name) => chain.HasSkip ? $", {Ref} {name}" : "";
    /// <summary>The skip argument (", ref expression") for a chain with a residual add, else nothing.</summary>
    internal static string SkipArg(ChainPlan chain, string expression) => chain.HasSkip ? $", ref {expression}" : "";

    private static string Suffix(NormMode? mode) => mode switch { NormMode.BatchStatistics => "_BatchStats", NormMode.RunStatistics => "_RunStats", _ => "" };
    private static string VectorName(ChainPlan chain, int r, NormMode? mode, int lanes = 8) => $"{Tag(chain)}_R{r}{Suffix(mode)}_V{lanes * 32}";

    private static void EmitRun(SourceWriter w, ChainPlan chain, string name, NormMode? mode, bool training)
    {
        ConvPlan c = chain.Conv!;
        // Fused chains split into (sample, channel block) tasks, run statistics into samples; both run on
        // Parallelism's workers. Batch statistics and training forwards reduce across the batch: one thread, unless the
        // plan split the chain into statistics row bands (eval forwards only).
        bool threaded = !training && mode != NormMode.BatchStatistics;
        bool runBlockTasks = mode == NormMode.RunStatistics && RunsWithinBlocks(chain); // else a run-statistics chain's task is a sample
        // Statistics chains the plan split into row bands: two jobs of (sample, block, band) tasks, BandedStatisticsEmitter.
        bool banded = !training && mode is not null && chain.StatBands > 1;
        if (banded) threaded = false;
        w.Line(banded ? BandedStatisticsEmitter.RunSummary(chain, mode!.Value) : mode switch
        {
            null => "/// <summary>Tasks of (sample, channel block, row band) on the worker threads; the activation and any pooling run in the block's epilogue.</summary>",
            NormMode.RunStatistics => "/// <summary>" + (threaded ? "One task per sample on the worker threads" : "Sample by sample") + ": each block stores its outputs and adds them to their run's moments; every run a block completes is normalized (affine, activation) while it is still in cache.</summary>",
            _ => "/// <summary>Channel block by channel block, every sample: the moments of a channel span the whole batch, so a block is normalized once all samples are computed.</summary>",
        });
        if (training) w.Line("/// <remarks>Training mode: also updates the running statistics, as PyTorch does.</remarks>");
        string skipSpan = chain.HasSkip ? "ReadOnlySpan<float> skip, " : "";
        using (w.Block($"public static void {name}(ReadOnlySpan<float> x, {skipSpan}Span<float> y, int batch, KernelArguments a)"))
        {
            if (c.PreAct is not null)
                w.Comment($"Pre-activation: {PreActText(c)} is applied to each input plane as the copy below is made; the input itself is not changed.");
            if (c.Prologue is not null)
            {
                w.Comment($"Copy the input through the prologue ({PrologueText(c)}) into the buffer the kernels read{(c.ColumnPhases > 1 ? $", its rows split into {c.ColumnPhases} column phases" : "")}:");
                w.Comment("the upsampled or padded input is never stored on its own. The planes are split over the worker threads.");
                w.Line("float[] padded = ArrayPool<float>.Shared.Rent(batch * XSize);");
                w.Line("Parallelism.For(x, padded, batch, (batch * InC + CopyPlanes - 1) / CopyPlanes, static (ref float x0, ref float p0, int batch, int task, KernelArguments a) =>");
                w.Line(c.PreAct is not null
                    ? "    CopyPreActivated(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), a), a);"
                    : "    Prologue.CopyPlanes(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes)), a);");
                w.Line("ReadOnlySpan<float> xs = new ReadOnlySpan<float>(padded, 0, batch * XSize);");
                w.Open("try");
            }
            else if (c.PaddedCopy && chain.TaskCopy && mode is null && !training)
            {
                w.Comment($"No shared copy: each task copies the input planes of its group into a {(c.ColumnPhases > 1 ? $"buffer of its own, zero-padded and in {c.ColumnPhases} column phases" : "zero-padded buffer of its own")} (only that task reads them).");
                w.Line("ReadOnlySpan<float> xs = x;");
            }
            else if (c.PaddedCopy)
            {
                if (c.PreActOnlyCopy)
                    w.Comment("Copy the input, pre-activated, into the buffer the kernels read (the conv itself neither pads nor strides).");
                else if (c.Transposed is not null)
                    w.Comment("ConvTranspose2d: copy the input with UpStride − 1 zeros between its rows and columns and UpPad around, the input the equivalent stride-1 conv reads.");
                else if (c.ColumnPhases > 1)
                    w.Comment($"Copy the input into a buffer{(c.Pads ? $" zero-padded ({c.PaddingText} on each side)" : "")} whose rows are split into {c.ColumnPhases} column phases: a tap's inputs for consecutive output columns are then consecutive.");
                else
                    w.Comment($"Copy the input into a zero-padded buffer ({c.PaddingText} on each side): every window then lies inside it, with no bounds tests.");
                w.Comment(c.PreActOnlyCopy ? "The planes are split over the worker threads." : "The planes are split over the worker threads; only the padding is zeroed.");
                w.Line("float[] padded = ArrayPool<float>.Shared.Rent(batch * XSize);");
                w.Line("Parallelism.For(x, padded, batch, (batch * InC + CopyPlanes - 1) / CopyPlanes, static (ref float x0, ref float p0, int batch, int task, KernelArguments a) =>");
                if (c.InputPool is not null)
                    w.Line("    CopyInput(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes)), a);");
                else if (c.PreAct is not null)
                    w.Line("    CopyPreActivated(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), a), a);");
                else
                w.Line(c.Transposed is not null
                    ? "    UpsampledInput.CopyPlanes(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), SourceH, SourceW, InH, InW, UpStride, UpPad), a);"
                    : c.Polyphase
                    ? "    PaddedInput.CopyPlanesPolyphase(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), SourceH, SourceW, PadH, PadW, Stride), a);"
                    : c.ColumnPhases > 1
                    ? "    PaddedInput.CopyPlanesPhased(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), SourceD, SourceH, SourceW, PadD, PadH, PadW, Stride), a);"
                    : "    PaddedInput.CopyPlanes(ref x0, ref p0, task * CopyPlanes, Math.Min(CopyPlanes, batch * InC - task * CopyPlanes), SourceD, SourceH, SourceW, PadD, PadH, PadW), a);");
                w.Line("ReadOnlySpan<float> xs = new ReadOnlySpan<float>(padded, 0, batch * XSize);");
                w.Open("try");
            }
            else
                w.Line("ReadOnlySpan<float> xs = x;");
            if (banded)
                BandedStatisticsEmitter.EmitRunBody(w, chain, mode!.Value);
            else if (threaded)
            {
                if (mode is null)
                {
                    w.Comment("Row bands per (sample, block): 1 on one thread, else enough for a few tasks per thread. The tasks receive the count.");
                    string tasks = chain.BlocksPerTask > 1 ? "TasksPerSample" : "BlocksPerSample";
                    w.Line($"int bands = Parallelism.RowBands(batch * {tasks}, MaxRowBands);");
                    w.Line(chain.HasSkip
                        ? $"Parallelism.For(xs, y, skip, bands, batch * {tasks} * bands, static (ref float x0, ref float y0, ref float s0, int bands, int task, KernelArguments a) => BlockTask(ref x0, ref y0, ref s0, task, bands, a), a);"
                        : $"Parallelism.For(xs, y, bands, batch * {tasks} * bands, static (ref float x0, ref float y0, int bands, int task, KernelArguments a) => BlockTask(ref x0, ref y0, task, bands, a), a);");
                }
                else
                {
                    string task = runBlockTasks ? "RunBlockTask" : "SampleTask";
                    string count = runBlockTasks ? "batch * BlocksPerSample" : "batch";
                    w.Line(chain.HasSkip
                        ? $"Parallelism.For(xs, y, skip, batch, {count}, static (ref float x0, ref float y0, ref float s0, int batch, int task, KernelArguments a) => {task}(ref x0, ref y0, ref s0, task, a), a);"
                        : $"Parallelism.For(xs, y, batch, {count}, static (ref float x0, ref float y0, int batch, int task, KernelArguments a) => {task}(ref x0, ref y0, task, a), a);");
                }
            }
            else
            {
                w.Line($"{Ref} x0 = ref MemoryMarshal.GetReference(xs);");
                w.Line($"{Ref} y0 = ref MemoryMarshal.GetReference(y);");
                if (chain.HasSkip) w.Line($"{Ref} s0 = ref MemoryMarshal.GetReference(skip); // the residual add's tensor, laid out as y");
                w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
                w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
                w.Line("NormState norm = a.Norm!;");
                if (mode == NormMode.RunStatistics) EmitRunStatisticsRun(w, chain, training);
                else EmitBatchStatisticsRun(w, chain, training);
            }
            if (c.PaddedCopy && !(chain.TaskCopy && mode is null && !training))
            {
                w.Close();
                using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(padded);");
            }
        }
        if (banded)
        {
            w.Line();
            BandedStatisticsEmitter.EmitTasks(w, chain, mode!.Value);
        }
        if (threaded)
        {
            w.Line();
            if (mode is null) EmitBlockTask(w, chain);
            else if (runBlockTasks) EmitRunBlockTask(w, chain);
            else EmitSampleTask(w, chain);
        }
    }

    /// <summary>Whether every statistics run lies inside one channel block, so (sample, block) tasks can normalize on their own.</summary>
    private static bool RunsWithinBlocks(ChainPlan chain) => ModelPlanner.RunsWithinBlocks(chain);

    /// <summary>One (sample, channel block) of a run-statistics chain whose runs never cross a block.</summary>
    private static void EmitRunBlockTask(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        bool pool = chain.Pool is not null;
        NormPlan n = chain.Norm!;
        w.Line($"/// <summary>Task = sample × channel block: the block holds whole runs ({RunDescription(n)}), so it computes, normalizes{(pool ? " and pools" : "")} them on its own.</summary>");
        using (w.Block($"private static void RunBlockTask({Ref} x0, {Ref} y0{SkipRef(chain, "s0")}, int task, KernelArguments a)"))
        {
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("NormState norm = a.Norm!;");
            w.Line("int n = task / BlocksPerSample, block = task % BlocksPerSample, inGroup = block % BlocksPerGroup;");
            w.Line("int oc = block / BlocksPerGroup * OutPerGroup + inGroup * Block;");
            w.Line($"{Ref} xn = ref {Unsafe}.Add(ref x0, n * XSize);");
            w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
            if (chain.HasSkip) w.Line($"{Ref} sn = ref {Unsafe}.Add(ref s0, n * OutputSize);");
            w.Line("Moments[] stats = ArrayPool<Moments>.Shared.Rent(Runs); // slots of this block's runs only are used");
            if (pool) w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(OutC * ConvSpatial);");
            using (w.Block("try"))
            {
                w.Line(pool ? $"{Ref} zn = ref MemoryMarshal.GetArrayDataReference(scratch);" : $"{Ref} zn = ref yn; // normalized in place");
                void Body(int r)
                {
                    w.Line($"int first = oc * ConvSpatial / RunLength, end = (oc + {r}) * ConvSpatial / RunLength;");
                    w.Line("Array.Clear(stats, first, end - first);");
                    w.Line(BlockCall(chain, r, NormMode.RunStatistics, "xn", "oc", $"{Unsafe}.Add(ref zn, oc * ConvSpatial)"));
                    w.Line($"NormalizeRuns(ref zn{SkipArg(chain, "sn")}, stats, first, end, norm);");
                    if (pool) w.Line($"Pool({r}, ref {Unsafe}.Add(ref zn, oc * ConvSpatial), ref {Unsafe}.Add(ref yn, oc * PoolSpatial));");
                }
                if (c.TailChannels == 0) Body(c.OcBlock);
                else
                {
                    using (w.Block("if (inGroup < FullBlocks)")) Body(c.OcBlock);
                    using (w.Block("else")) Body(c.TailChannels);
                }
            }
            using (w.Block("finally"))
            {
                w.Line("ArrayPool<Moments>.Shared.Return(stats);");
                if (pool) w.Line("ArrayPool<float>.Shared.Return(scratch);");
            }
        }
    }

    /// <summary>
    /// One (sample, channel block, row band) of a fused chain, or with <see cref="ChainPlan.BlocksPerTask"/> above 1 a run
    /// of consecutive blocks of one sample: the task's scratch (its copy of a group's planes, the flat rows, the conv
    /// rows a pool reads) is rented once from the chain's ScratchPools (static, shared by every thread: no call allocates once warm, whichever thread
    /// runs which task, unlike ArrayPool.Shared's per-thread arrays) and reused by each block.
    /// </summary>
    private static void EmitBlockTask(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        bool pool = chain.Pool is not null, run = chain.BlocksPerTask > 1;
        bool flatRows = FlatRows(chain);
        w.Line(run
            ? "/// <summary>Task = sample × run of BlocksPerTask channel blocks × row band: the band's outputs of each block, one after another, activation and pooling included.</summary>"
            : "/// <summary>Task = sample × channel block × row band: the band's outputs of the block for one sample, activation and pooling included.</summary>");
        using (w.Block($"private static void BlockTask({Ref} x0, {Ref} y0{SkipRef(chain, "s0")}, int task, int bands, KernelArguments a)"))
        {
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line(run
                ? "int n = task / (TasksPerSample * bands), first = task / bands % TasksPerSample * BlocksPerTask, band = task % bands;"
                : "int n = task / (BlocksPerSample * bands), block = task / bands % BlocksPerSample, band = task % bands;");
            if (chain.Pool is { IsGlobal: true })
            {
                w.Line("const int poolStart = 0, poolEnd = 1; // one pooled row: the channel's mean");
                w.Line("const int rowStart = 0, rowEnd = ConvH; // global average pooling reads the whole plane (one band)");
            }
            else if (chain.Pool is { } bp)
            {
                w.Line("int poolStart = band * PoolH / bands, poolEnd = (band + 1) * PoolH / bands; // this band's pooled rows");
                string pad = bp.PaddingH > 0 ? $" - {bp.PaddingH}" : "";
                string first = bp.PaddingH > 0 ? $"Math.Max(0, poolStart * {bp.StrideH}{pad})" : $"poolStart * {bp.StrideH}";
                w.Line($"int rowStart = {first}, rowEnd = Math.Min(ConvH, (poolEnd - 1) * {bp.StrideH}{pad} + {bp.KernelH}); // the conv rows their windows read");
            }
            else
                w.Line("int rowStart = band * ConvH / bands, rowEnd = (band + 1) * ConvH / bands; // this band's output rows");
            if (!chain.TaskCopy) w.Line($"{Ref} xn = ref {Unsafe}.Add(ref x0, n * XSize);");
            w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
            if (chain.HasSkip)
                w.Line(pool
                    ? $"{Ref} sn = ref {Unsafe}.Add(ref s0, n * AddSize); // the skip tensor of this sample, laid out as the conv output (before pooling)"
                    : $"{Ref} sn = ref {Unsafe}.Add(ref s0, n * OutputSize); // the skip tensor of this sample, laid out as yn");
            string? group = chain.TaskCopy ? "xg" : null; // the task's own copy of its group's input planes (TaskCopy), else the kernels read xn
            string scratchRef = chain.HasSkip ? "z0" : "s0"; // s0 is the skip tensor in a chain with an add
            if (pool)
            {
                w.Comment("The block's conv output goes to a scratch buffer that stays in cache; only the pooled result is stored.");
                w.Line("float[] scratch = ConvRows.Rent();");
                w.Line($"{Ref} {scratchRef} = ref MemoryMarshal.GetArrayDataReference(scratch);");
            }
            if (chain.LanePositions > 0)
            {
                w.Open($"if ({Avx512})");
                w.Comment("16 output channels per Vector512 (weights packed in blocks of 16), the run's blocks at once: every position computed is kept.");
                w.Line("int last = Math.Min(first + BlocksPerTask, BlocksPerSample), oc = first * Block;");
                string laneDst = pool ? $"ref {scratchRef}" : $"ref {Unsafe}.Add(ref yn, oc * ConvSpatial)"; // with a pool: the run's planes in the scratch buffer
                string Lane(int v) => $"{LaneName(chain, v)}(ref xn, ref {Unsafe}.Add(ref w0, oc * Taps), ref {Unsafe}.Add(ref b0, oc), {laneDst}{(chain.HasSkip ? $", ref {Unsafe}.Add(ref sn, oc * ConvSpatial)" : "")}, rowStart * ConvW, rowEnd * ConvW);";
                int most = chain.BlocksPerTask / 2;
                for (int v = most; v >= 1; v--)
                    w.Line(v == most ? $"if (last - first == {2 * v}) {Lane(v)}" : v > 1 ? $"else if (last - first == {2 * v}) {Lane(v)}" : $"else {Lane(v)}");
                if (pool) w.Line($"Pool((last - first) * Block, ref {scratchRef}, ref {Unsafe}.Add(ref yn, oc * PoolSpatial), poolStart, poolEnd); // the run's planes, channel by channel");
                w.Close();
                w.Open("else");
            }
            if (chain.ChannelLanes)
            {
                w.Open("if (Vector256.IsHardwareAccelerated)");
                w.Comment("The run's channels 8 at a time, 8 per Vector256, over their interleaved input rows: no padded copy, aligned loads.");
                string source = chain.TaskCopy ? $"{Unsafe}.Add(ref x0, n * SourceSize + first * SourcePlane)" : $"{Unsafe}.Add(ref xn, first * InD * InH * InW)";
                w.Line($"{ChannelLaneName(chain)}(ref {source}, ref w0, ref b0, ref {Unsafe}.Add(ref yn, first * ConvSpatial), first, Math.Min(first + BlocksPerTask, BlocksPerSample), rowStart, rowEnd);");
                w.Close();
                w.Open("else");
            }
            if (chain.DepthwiseLanes)
            {
                w.Open($"if ({Avx512})");
                w.Comment("The run's channels 16 at a time, 16 per Vector512: no per-channel copy, no scalar pixel loop.");
                string source = chain.TaskCopy ? $"{Unsafe}.Add(ref x0, n * SourceSize + first * SourcePlane)" : $"{Unsafe}.Add(ref xn, first * InD * InH * InW)";
                w.Line($"{DepthwiseLaneName(chain)}(ref {source}, ref w0, ref b0, ref {Unsafe}.Add(ref yn, first * ConvSpatial), first, Math.Min(first + BlocksPerTask, BlocksPerSample), rowStart, rowEnd);");
                w.Close();
                w.Open("else");
            }
            // The per-block kernels' buffers, rented here: a lane kernel above (which needs neither) does not take them.
            if (chain.TaskCopy)
            {
                w.Line("float[] planes = Planes.Rent();");
                w.Line($"{Ref} xg = ref MemoryMarshal.GetArrayDataReference(planes);");
            }
            if (flatRows) w.Line("float[] flat = FlatRows.Rent(); // the Vector512 flat rows, before their kept columns are copied");
            if (run) w.Open("for (int block = first, last = Math.Min(first + BlocksPerTask, BlocksPerSample); block < last; block++)");
            w.Line("int inGroup = block % BlocksPerGroup, oc = block / BlocksPerGroup * OutPerGroup + inGroup * Block;");
            if (chain.RowPermute)
            {
                string source = chain.TaskCopy
                    ? $"{Unsafe}.Add(ref x0, n * SourceSize + oc / OutPerGroup * InPerGroup * SourcePlane)"
                    : $"{Unsafe}.Add(ref xn, oc / OutPerGroup * InPerGroup * InD * InH * InW)";
                string Call(int r) => $"{RowPermuteName(chain, r)}(ref {source}, ref {Unsafe}.Add(ref w0, oc * Taps), ref {Unsafe}.Add(ref b0, oc), ref {Unsafe}.Add(ref yn, oc * ConvSpatial), rowStart, rowEnd);";
                w.Open($"if ({Avx512})");
                w.Comment("Each output row is one Vector512 computed from the unpadded input rows: no copy.");
                if (c.TailChannels == 0) w.Line(Call(c.OcBlock));
                else w.Line($"if (inGroup < FullBlocks) {Call(c.OcBlock)} else {Call(c.TailChannels)}");
                w.Close();
                w.Open("else");
            }
            if (chain.TaskCopy)
            {
                w.Comment($"This group's {(c.InPerGroup == 1 ? "input plane" : "input planes")}, copied {(c.ColumnPhases > 1 ? $"zero-padded and in {c.ColumnPhases} column phases" : "zero-padded")} into the task's own buffer: no other task reads {(c.InPerGroup == 1 ? "it" : "them")}, so the kernel reads {(c.InPerGroup == 1 ? "it" : "them")} from cache.");
                w.Line(c.Polyphase
                    ? $"PaddedInput.CopyPlanesPolyphase(ref {Unsafe}.Add(ref x0, n * SourceSize + oc / OutPerGroup * InPerGroup * SourcePlane), ref xg, 0, InPerGroup, SourceH, SourceW, PadH, PadW, Stride);"
                    : c.ColumnPhases > 1
                    ? $"PaddedInput.CopyPlanesPhased(ref {Unsafe}.Add(ref x0, n * SourceSize + oc / OutPerGroup * InPerGroup * SourcePlane), ref xg, 0, InPerGroup, SourceD, SourceH, SourceW, PadD, PadH, PadW, Stride);"
                    : $"PaddedInput.CopyPlanes(ref {Unsafe}.Add(ref x0, n * SourceSize + oc / OutPerGroup * InPerGroup * SourcePlane), ref xg, 0, InPerGroup, SourceD, SourceH, SourceW, PadD, PadH, PadW);");
            }
            void Body(int r)
            {
                string dst = pool ? scratchRef : $"{Unsafe}.Add(ref yn, oc * ConvSpatial)";
                if (chain.ChannelLanes)
                {
                    // Only a CPU without Vector256 gets here: the scalar kernel (no vector kernel is emitted for it).
                    w.Line(BlockCall(chain, r, null, "xn", "oc", dst, group: group, scalarOnly: true));
                    return;
                }
                if (c.FlatInPlace)
                {
                    using (w.Block("if (Vector512.IsHardwareAccelerated)"))
                    {
                        w.Comment($"The block's plane as one flat row: here the output's own layout (no column to drop), so the tiles are stored in place{(chain.HasSkip ? " (the skip, laid out alike, added to each)" : "")}. A last tile");
                        w.Comment("shifted back over rows of another band stores the values that band stores, computed the same way.");
                        string skipArg = chain.HasSkip ? $"ref {Unsafe}.Add(ref sn, oc * ConvSpatial), " : "";
                        w.Line($"{FlatName(chain, r)}(ref {(group ?? $"{Unsafe}.Add(ref xn, oc / OutPerGroup * InPerGroup * InD * InH * InW)")}, ref {Unsafe}.Add(ref w0, oc * Taps), ref {Unsafe}.Add(ref b0, oc), ref {dst}, {skipArg}rowStart * FlatPitch, (rowEnd - 1) * FlatPitch + ConvW);");
                    }
                    w.Open("else");
                }
                else if (c.Flat512)
                {
                    using (w.Block("if (Vector512.IsHardwareAccelerated)"))
                    {
                        w.Comment("The block's plane as one flat row over the padded width: every tile is whole vectors. Then each row's ConvW columns are kept.");
                        w.Line($"{FlatName(chain, r)}(ref {(group ?? $"{Unsafe}.Add(ref xn, oc / OutPerGroup * InPerGroup * InD * InH * InW)")}, ref {Unsafe}.Add(ref w0, oc * Taps), ref {Unsafe}.Add(ref b0, oc), ref MemoryMarshal.GetArrayDataReference(flat), rowStart * FlatPitch, (rowEnd - 1) * FlatPitch + ConvW);");
                        w.Line(chain.HasSkip
                            ? $"KeepColumnsAdd({r}, flat, ref {dst}, ref {Unsafe}.Add(ref sn, oc * ConvSpatial), rowStart, rowEnd);"
                            : $"KeepColumns({r}, flat, ref {dst}, rowStart, rowEnd);");
                    }
                    w.Open("else");
                }
                w.Line(BlockCall(chain, r, null, "xn", "oc", dst, vector512: !c.Flat512, skip: chain.HasSkip ? $"{Unsafe}.Add(ref sn, oc * ConvSpatial)" : null, group: group));
                if (c.Flat512) w.Close();
                if (pool) w.Line($"Pool({r}, ref {scratchRef}, ref {Unsafe}.Add(ref yn, oc * PoolSpatial), poolStart, poolEnd);");
            }
            if (c.TailChannels == 0) Body(c.OcBlock);
            else
            {
                using (w.Block("if (inGroup < FullBlocks)")) Body(c.OcBlock);
                using (w.Block("else")) Body(c.TailChannels);
            }
            if (chain.RowPermute) w.Close();
            if (run) w.Close();
            if (flatRows) w.Line("FlatRows.Return(flat);");
            if (group is not null) w.Line("Planes.Return(planes);");
            if (chain.LanePositions > 0 || chain.DepthwiseLanes || chain.ChannelLanes) w.Close();
            if (pool) w.Line("ConvRows.Return(scratch);");
        }
    }

    /// <summary>Whether a fused chain's Vector512 flat kernel stores into flat rows of its own (then copies their kept columns) rather than into y.</summary>
    internal static bool FlatRows(ChainPlan chain) =>
        chain.Conv is { Flat512: true, FlatInPlace: false } && chain.Norm?.EvalMode is null or NormMode.Folded && !chain.ChannelLanes;

    /// <summary>One sample of a run-statistics chain: its blocks in order, each completed run normalized at once.</summary>
    private static void EmitSampleTask(SourceWriter w, ChainPlan chain)
    {
        bool pool = chain.Pool is not null;
        NormPlan n = chain.Norm!;
        w.Line("/// <summary>Task = one sample: its channel blocks in order, normalizing each run as soon as it is complete.</summary>");
        using (w.Block($"private static void SampleTask({Ref} x0, {Ref} y0{SkipRef(chain, "s0")}, int n, KernelArguments a)"))
        {
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("NormState norm = a.Norm!;");
            w.Comment($"One Moments per run of {n.RunLength} elements: {RunDescription(n)}.");
            w.Line("Moments[] stats = ArrayPool<Moments>.Shared.Rent(Runs);");
            if (pool) w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(OutC * ConvSpatial);");
            using (w.Block("try"))
                EmitSampleBody(w, chain, training: false);
            using (w.Block("finally"))
            {
                w.Line("ArrayPool<Moments>.Shared.Return(stats);");
                if (pool) w.Line("ArrayPool<float>.Shared.Return(scratch);");
            }
        }
    }

    /// <summary>The body for sample n: blocks, moments, normalization of completed runs, pooling.</summary>
    private static void EmitSampleBody(SourceWriter w, ChainPlan chain, bool training)
    {
        bool pool = chain.Pool is not null;
        w.Line($"{Ref} xn = ref {Unsafe}.Add(ref x0, n * XSize);");
        w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
        if (chain.HasSkip) w.Line($"{Ref} sn = ref {Unsafe}.Add(ref s0, n * OutputSize); // the residual add's tensor, laid out as yn");
        w.Line(pool ? $"{Ref} zn = ref MemoryMarshal.GetArrayDataReference(scratch);" : $"{Ref} zn = ref yn; // normalized in place");
        w.Line("Array.Clear(stats, 0, Runs);");
        w.Line("int normalized = 0; // runs normalized so far");
        ForEachBlock(w, chain, (r, oc) =>
        {
            w.Line(BlockCall(chain, r, NormMode.RunStatistics, "xn", oc, $"{Unsafe}.Add(ref zn, {oc} * ConvSpatial)"));
            w.Comment(pool ? "Normalize every run this block completed, then pool their channels." : "Normalize every run this block completed.");
            w.Line($"int complete = ({oc} + {r}) * ConvSpatial / RunLength;");
            using (w.Block("if (complete > normalized)"))
            {
                w.Line($"NormalizeRuns(ref zn{SkipArg(chain, "sn")}, stats, normalized, complete, norm{(training ? ", meanSum, varianceSum" : "")});");
                if (pool) w.Line("Pool(complete * RunLength / ConvSpatial - normalized * RunLength / ConvSpatial, ref Unsafe.Add(ref zn, normalized * RunLength), ref Unsafe.Add(ref yn, normalized * RunLength / ConvSpatial * PoolSpatial));");
                w.Line("normalized = complete;");
            }
        });
    }

    /// <param name="rows">The row range argument: the band's rows, or for a statistics kernel not split into bands every row.</param>
    /// <param name="group">A reference to the block's group of input planes when the task copied them itself (TaskCopy); else they are found in <paramref name="xn"/>.</param>
    internal static string BlockCall(ChainPlan chain, int r, NormMode? mode, string xn, string oc, string dst, bool vector512 = true, string? skip = null, string? rows = null, string? group = null, bool scalarOnly = false)
    {
        ConvPlan c = chain.Conv!;
        string stats = mode is null ? "" : ", stats";
        rows ??= mode is null ? ", rowStart, rowEnd" : ", 0, ConvH";
        string skipArg = skip is null ? "" : $", ref {skip}";
        string input = group ?? $"{Unsafe}.Add(ref {xn}, {oc} / OutPerGroup * InPerGroup * InD * InH * InW)";
        string args = $"ref {input}, ref {Unsafe}.Add(ref w0, {oc} * Taps), ref {Unsafe}.Add(ref b0, {oc}), ref {dst}{skipArg}{stats}, {oc}{rows}";
        string v512 = c.Vectorized512 && vector512 ? $"if (Vector512.IsHardwareAccelerated)\n    {VectorName(chain, r, mode, 16)}({args});\nelse " : "";
        return c.Vectorized && !scalarOnly
            ? $"{v512}if (Vector256.IsHardwareAccelerated)\n    {VectorName(chain, r, mode)}({args});\nelse\n    ConvScalar{Suffix(mode)}({r}, {args});"
            : $"ConvScalar{Suffix(mode)}({r}, {args});";
    }

    /// <summary>Loops the channel blocks of one sample (or of one batch step): every group, its full blocks, then its tail.</summary>
    internal static void ForEachBlock(SourceWriter w, ChainPlan chain, System.Action<int, string> body)
    {
        ConvPlan c = chain.Conv!;
        string groups = c.Groups == 1 ? "" : $" of each of the {c.Groups} groups";
        using (w.Block(c.Groups == 1 ? "" : "for (int g = 0; g < Groups; g++)"))
        {
            if (c.Groups == 1) w.Line("const int g = 0; // one group");
            w.Comment($"{c.FullBlocks} block(s) of {c.OcBlock} channels" + (c.TailChannels > 0 ? $", then {c.TailChannels}" : "") + groups);
            using (w.Block($"for (int oc = g * OutPerGroup; oc < g * OutPerGroup + {c.FullBlocks * c.OcBlock}; oc += Block)"))
                body(c.OcBlock, "oc");
            if (c.TailChannels > 0)
                using (w.Block($"for (int oc = g * OutPerGroup + {c.FullBlocks * c.OcBlock}; oc < g * OutPerGroup + OutPerGroup; oc += {c.TailChannels})"))
                    body(c.TailChannels, "oc");
        }
    }

    private static void EmitRunStatisticsRun(SourceWriter w, ChainPlan chain, bool training)
    {
        bool pool = chain.Pool is not null;
        NormPlan n = chain.Norm!;
        w.Comment($"One Moments per run of {n.RunLength} elements: {RunDescription(n)}.");
        w.Line("Moments[] stats = ArrayPool<Moments>.Shared.Rent(Runs);");
        if (pool)
        {
            w.Comment("A sample's conv output lives in a scratch buffer until it is normalized and pooled.");
            w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(OutC * ConvSpatial);");
        }
        if (training)
        {
            w.Comment("Training: the running statistics take the batch average of the instance means and unbiased variances.");
            w.Line("double[] meanSum = ArrayPool<double>.Shared.Rent(OutC), varianceSum = ArrayPool<double>.Shared.Rent(OutC);");
            w.Line("Array.Clear(meanSum, 0, OutC); Array.Clear(varianceSum, 0, OutC);");
        }
        using (w.Block("try"))
        {
            using (w.Block("for (int n = 0; n < batch; n++)"))
                EmitSampleBody(w, chain, training);
            if (training)
            {
                w.Line("double factor = norm.BeginUpdate();");
                w.Line("for (int c = 0; c < OutC; c++) norm.Update(c, meanSum[c] / batch, varianceSum[c] / batch, factor);");
            }
        }
        using (w.Block("finally"))
        {
            w.Line("ArrayPool<Moments>.Shared.Return(stats);");
            if (pool) w.Line("ArrayPool<float>.Shared.Return(scratch);");
            if (training) w.Line("ArrayPool<double>.Shared.Return(meanSum); ArrayPool<double>.Shared.Return(varianceSum);");
        }
    }

    private static void EmitBatchStatisticsRun(SourceWriter w, ChainPlan chain, bool training)
    {
        bool pool = chain.Pool is not null;
        ConvPlan c = chain.Conv!;
        w.Comment("One Moments per channel, over (batch, spatial).");
        w.Line("Moments[] stats = ArrayPool<Moments>.Shared.Rent(OutC);");
        w.Line("Array.Clear(stats, 0, OutC);");
        if (pool)
        {
            w.Comment("A channel block's conv output for every sample lives in a scratch buffer until it is normalized and pooled.");
            w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(batch * Block * ConvSpatial);");
        }
        if (training) w.Line("double factor = norm.BeginUpdate();");
        using (w.Block("try"))
        {
            if (pool) w.Line($"{Ref} s0 = ref MemoryMarshal.GetArrayDataReference(scratch);");
            ForEachBlock(w, chain, (r, oc) =>
            {
                // z: where sample n's planes of this block live until they are normalized (the output itself without pooling).
                string z = pool ? $"{Unsafe}.Add(ref s0, n * {r} * ConvSpatial)" : $"{Unsafe}.Add(ref y0, n * OutputSize + {oc} * ConvSpatial)";
                using (w.Block("for (int n = 0; n < batch; n++)"))
                {
                    w.Line($"{Ref} xn = ref {Unsafe}.Add(ref x0, n * XSize);");
                    w.Line($"{Ref} zn = ref {z};");
                    w.Line(BlockCall(chain, r, NormMode.BatchStatistics, "xn", oc, "zn"));
                }
                w.Comment("The block's channels now have their batch statistics: normalize every sample's planes" + (pool ? ", then pool them." : "."));
                using (w.Block($"for (int j = 0; j < {r}; j++)"))
                {
                    w.Line($"ref Moments m = ref stats[{oc} + j];");
                    if (training)
                    {
                        w.Line($"NormState.RequireMoreThanOne(m.Count, \"{chain.Type.ClassName}.{chain.MethodName}Training\");");
                        w.Line($"norm.Update({oc} + j, m.Mean, m.UnbiasedVariance, factor);");
                    }
                    using (w.Block("for (int n = 0; n < batch; n++)"))
                    {
                        w.Line($"{Ref} zn = ref {z};");
                        if (chain.HasSkip) w.Line($"{Ref} sz = ref {Unsafe}.Add(ref s0, n * OutputSize + {oc} * ConvSpatial); // the skip, laid out as y");
                        w.Line($"NormalizeChannel(ref {Unsafe}.Add(ref zn, j * ConvSpatial){SkipArg(chain, $"{Unsafe}.Add(ref sz, j * ConvSpatial)")}, {oc} + j, m.Mean, m.Variance, norm);");
                    }
                }
                if (pool)
                    using (w.Block("for (int n = 0; n < batch; n++)"))
                        w.Line($"Pool({r}, ref {z}, ref {Unsafe}.Add(ref y0, n * OutputSize + {oc} * PoolSpatial));");
            });
        }
        using (w.Block("finally"))
        {
            w.Line("ArrayPool<Moments>.Shared.Return(stats);");
            if (pool) w.Line("ArrayPool<float>.Shared.Return(scratch);");
        }
    }

    public static string RunDescription(NormPlan n) => n.Kind switch
    {
        _ when n.Kind.IsInstanceNorm() => "one channel's plane of one sample",
        LayerKind.GroupNorm => $"the {n.Channels / n.Groups} channels of one group of one sample",
        _ => $"normalized_shape [{string.Join(", ", n.NormalizedShape)}] of one sample",
    };

    private static string RowExpression(ConvPlan c) => c.Rank switch { 3 => "od * ConvH + oh", 2 => "oh", _ => "0" };

    /// <summary>The statistics slot of output channel oc + j on the current row.</summary>
    private static string Slot(NormMode mode, string j) => mode == NormMode.BatchStatistics
        ? $"oc + {j}"
        : $"((oc + {j}) * ConvSpatial + row * ConvW) / RunLength";

    private static void EmitVectorBlock(SourceWriter w, ChainPlan chain, int r, NormMode? mode, int lanes)
    {
        ConvPlan c = chain.Conv!;
        string V = lanes == 16 ? "Vector512" : "Vector256";
        string vec = V + "<float>";
        string statsParameter = mode is null ? "" : ", Span<Moments> stats";
        string epilogue = mode is null
            ? (chain.HasSkip ? "+ skip, " : "") + (chain.Activation is { } a ? ActivationName(a) + " in registers" : "no activation")
            : "stores raw outputs and adds them to their moments";
        string skipParameter = mode is null ? SkipRef(chain, "skip") : "";
        string rowsParameter = ", int rowStart, int rowEnd";
        w.Line($"/// <summary>{r} output channel(s), rows [rowStart, rowEnd){(c.Rank == 3 ? " of every plane" : "")}: {V} over {lanes} interior columns, scalar at the borders; {epilogue}.</summary>");
        using (w.Block($"private static void {VectorName(chain, r, mode, lanes)}({Ref} x, {Ref} w, {Ref} bias, {Ref} dst{skipParameter}{statsParameter}, int oc{rowsParameter})"))
        {
            w.Comment("Per-channel bias" + (chain.Norm?.EvalMode == NormMode.Folded && mode is null ? " (the norm folded in)" : "") + ", broadcast once.");
            for (int j = 0; j < r; j++)
                w.Line($"{vec} bias{j} = {V}.Create({Unsafe}.Add(ref bias, {j}));");
            if (c.Rank == 3) w.Open("for (int od = 0; od < ConvD; od++)");
            if (c.Rank >= 2) w.Open("for (int oh = rowStart; oh < rowEnd; oh++)");
            else w.Open("");
            if (c.Rank == 3) w.Line($"int id0 = od * {Axis(c, "Stride", 'D')} - Padding;");
            if (c.Rank >= 2) w.Line($"int ih0 = oh * {Axis(c, "Stride", 'H')} - Padding;");
            w.Line($"int row = {RowExpression(c)}; // output row within the channel plane");
            string pixelArgs = $"ref x, ref w, ref bias, ref dst{(mode is null ? SkipArg(chain, "skip") : ", stats")}, oc, {(c.Rank == 3 ? "od" : "0")}, {(c.Rank >= 2 ? "oh" : "0")}";
            if (c.InteriorStart > 0 || c.InteriorEnd < c.OutWidth)
            {
                w.Comment("Border columns: some taps fall in the zero padding, so they take the checked scalar path.");
                if (c.InteriorStart > 0) w.Line($"for (int bx = 0; bx < InteriorStart; bx++) ConvPixel{Suffix(mode)}({r}, {pixelArgs}, bx);");
                if (c.InteriorEnd < c.OutWidth) w.Line($"for (int bx = InteriorEnd; bx < ConvW; bx++) ConvPixel{Suffix(mode)}({r}, {pixelArgs}, bx);");
            }
            // Register tile: r channels × `tile` vectors of columns, as the plan chose it for this width and ISA.
            int tile = c.RowTileVectors(lanes, r);
            WindowUnroll unroll = c.RowUnroll(lanes, r);
            w.Line("int ox = InteriorStart;");
            if (tile > 1)
            {
                w.Comment($"Interior columns, {tile} vectors of {lanes} at a time: {r}×{tile} accumulators.");
                using (w.Block($"for (; ox + {tile * lanes} <= InteriorEnd; ox += {tile * lanes})"))
                    EmitInteriorTile(w, chain, r, mode, lanes, tile, fresh: false, unroll);
            }
            w.Comment($"{(tile > 1 ? "The remaining interior columns" : "Interior columns")}, one vector of {lanes} at a time; the last vector overlaps the one before instead of a scalar tail.");
            using (w.Block($"for (; ox < InteriorEnd; ox += {lanes})"))
            {
                if (mode is null) w.Line($"if (ox > InteriorEnd - {lanes}) ox = InteriorEnd - {lanes};");
                else
                {
                    w.Line("int fresh = 0; // the first lane not already counted by the previous vector");
                    w.Line($"if (ox > InteriorEnd - {lanes}) {{ fresh = ox - (InteriorEnd - {lanes}); ox = InteriorEnd - {lanes}; }}");
                }
                EmitInteriorTile(w, chain, r, mode, lanes, 1, fresh: mode is not null, unroll);
            }
            w.Close();
            if (c.Rank == 3) w.Close();
        }
    }

    private static string FlatName(ChainPlan chain, int r) => $"{Tag(chain)}_R{r}_Flat_V512";

    /// <summary>
    /// r output channels over the plane taken as one flat row of ConvH × FlatPitch positions: output (oh, ox) is flat
    /// position oh·FlatPitch + ox, and its window starts at the same position of the (for a stride, column-phased) input, so a vector
    /// of 16 consecutive positions reads 16 consecutive inputs even where it crosses a row. The InW − ConvW extra
    /// positions of each row are computed and dropped by KeepColumns; in exchange every tile is whole vectors (3 for a block of
    /// 8 channels, fewer on a plane of under 48 positions).
    /// </summary>
    private static void EmitFlatBlock(SourceWriter w, ChainPlan chain, int r)
    {
        ConvPlan c = chain.Conv!;
        const int lanes = 16;
        int cols = c.FlatVectors(r);
        string vec = "Vector512<float>";
        w.Line($"/// <summary>{r} output channel(s) as one flat row of {c.OutHeight}×{c.FlatPitch} positions ({c.FlatPitch - c.OutWidth} dropped per row), flat positions [start, end) of it, {cols} vectors of 16 per tile: {r}×{cols} accumulators; {(chain.Activation is { } a ? ActivationName(a) + " in registers" : "no activation")}.</summary>");
        string skip = c.FlatInPlace && chain.HasSkip ? $"{Ref} skip, " : ""; // stored in place: the skip is added to each tile
        using (w.Block($"private static void {FlatName(chain, r)}({Ref} x, {Ref} w, {Ref} bias, {Ref} flat, {skip}int start, int end)"))
        {
            w.Comment("Per-channel bias" + (chain.Norm?.EvalMode == NormMode.Folded ? " (the norm folded in)" : "") + ", broadcast once.");
            for (int j = 0; j < r; j++)
                w.Line($"{vec} bias{j} = Vector512.Create({Unsafe}.Add(ref bias, {j}));");
            if (cols == 1)
            {
                w.Comment("Single vectors of 16 positions (the plane holds fewer than 48), the last shifted back to end at end (or to start at 0): it");
                w.Comment($"recomputes a few positions the same way and ends at or before FlatEnd (≥ {lanes}), so no read passes the plane's last input.");
                w.Line("int q = start;");
                using (w.Block($"for (; q < end; q += {lanes})"))
                {
                    w.Line($"int p = q > end - {lanes} ? Math.Max(0, end - {lanes}) : q;");
                    EmitFlatTile(w, chain, r, 1, c.FlatUnroll(r));
                }
                return;
            }
            w.Comment($"Whole tiles of {cols * lanes} positions. The positions left after them run as single vectors when they fit in {FlatTailVectors}");
            w.Comment($"(the last one shifted back to end at end), else as one more whole tile shifted back to end at end (or to start at 0); either");
            w.Comment($"recomputes a few positions the same way and ends at or before FlatEnd (≥ {cols * lanes}), so no read passes the plane's last input.");
            w.Line("int p = start;");
            using (w.Block($"for (; p < end; p += {cols * lanes})"))
            {
                using (w.Block($"if (p > end - {cols * lanes})"))
                {
                    w.Line($"if (end - p <= {FlatTailVectors * lanes} && end >= {lanes}) break; // the single vectors below take the rest");
                    w.Line($"p = Math.Max(0, end - {cols * lanes});");
                }
                EmitFlatTile(w, chain, r, cols, c.FlatUnroll(r));
            }
            w.Comment($"The rest, {FlatTailVectors} vector(s) at most: {r} accumulators each, the last shifted back to end at end.");
            using (w.Block($"for (; p < end; p += {lanes})"))
            {
                w.Line($"if (p > end - {lanes}) p = end - {lanes};");
                EmitFlatTile(w, chain, r, 1, c.FlatUnroll(r));
            }
        }
    }

    private const string Avx512 = "global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported";
    private static string RowPermuteName(ChainPlan chain, int r) => $"{Tag(chain)}_R{r}_Rows_V512";

    /// <summary>
    /// r output channels, rows [rowStart, rowEnd), each output row one Vector512 (ChainPlan.RowPermute): straight from the
    /// unpadded input planes, whose rows are narrower than a vector. An input row is one load (shifted back to end inside
    /// the plane where it would pass the plane's end), and a tap's inputs for the output row are one two-source permute of
    /// it against zero: lane ox takes column ox · stride − padding + kw · dilation, the zero vector where that column is
    /// padding. Rows go to a stack tile with whole-vector stores (each spills into the next row, stored after it), then
    /// the band's rows are copied out.
    /// </summary>
    private static void EmitRowPermuteBlock(SourceWriter w, ChainPlan chain, int r)
    {
        ConvPlan c = chain.Conv!;
        int sh = c.SourceHeight, sw = c.SourceWidth, k = c.Kernel, s = c.Stride, d = c.Dilation;
        int pad = chain.TaskCopy ? c.CopyPadding : c.Padding, padH = chain.TaskCopy ? c.CopyPaddingH : c.Padding;
        int ow = c.OutWidth, taps = c.TapsPerInput;
        string act = chain.Activation is { } a ? ActivationName(a) + " in registers" : "no activation";
        w.Line($"/// <summary>{r} output channel(s), rows [rowStart, rowEnd): each output row of {ow} one Vector512 from the unpadded {sh}×{sw} input rows (a load and a permute per tap, zero for the padding), no copy; {act}.</summary>");
        using (w.Block($"private static void {RowPermuteName(chain, r)}({Ref} x, {Ref} w, {Ref} bias, {Ref} dst, int rowStart, int rowEnd)"))
        {
            string X86 = "global::System.Runtime.Intrinsics.X86.Avx512F";
            w.Comment($"Lane ox of tap column kw reads input column ox · {s} − {pad} + kw · {d} of the row's vector; 16 (a lane of the zero vector) where that is padding or past the output row.");
            for (int kw = 0; kw < k; kw++)
            {
                var lanes = Enumerable.Range(0, 16).Select(ox =>
                {
                    int col = ox * s - pad + kw * d;
                    return ox < ow && col >= 0 && col < sw ? col : 16;
                });
                w.Line($"Vector512<int> col{kw} = Vector512.Create({string.Join(", ", lanes)});");
            }
            w.Line("Vector512<float> zero = Vector512<float>.Zero;");
            w.Comment($"The band's rows of the {r} channel(s), row by row ([row][channel], {ow} apart): a store's spill past its {ow} lanes lands where the next store goes.");
            w.Line($"Span<float> tile = stackalloc float[{r} * {c.OutHeight} * {ow} + 16];");
            w.Line($"{Ref} t0 = ref MemoryMarshal.GetReference(tile);");
            using (w.Block("for (int oh = rowStart; oh < rowEnd; oh++)"))
            {
                for (int j = 0; j < r; j++) w.Line($"Vector512<float> acc{j} = Vector512.Create({Unsafe}.Add(ref bias, {j}));");
                bool icLoop = c.InPerGroup > 1;
                if (icLoop) w.Open("for (int ic = 0; ic < InPerGroup; ic++)");
                w.Line($"{Ref} plane = ref {Unsafe}.Add(ref x, {(icLoop ? $"ic * {sh * sw}" : "0")});");
                for (int kh = 0; kh < k; kh++)
                {
                    w.Line($"// kernel row {kh}: input row oh · {s} − {padH} + {kh * d}");
                    using (w.Block(""))
                    {
                        w.Line($"int ih = oh * {s} - {padH} + {kh * d};");
                        using (w.Block($"if ((uint)ih < {sh}u)"))
                        {
                            w.Line($"int at = Math.Min(ih * {sw}, {sh * sw - 16}); // the vector ends inside the plane: row ih starts at lane ih · {sw} − at");
                            w.Line("Vector512<float> row = Vector512.LoadUnsafe(ref plane, (nuint)at);");
                            w.Line($"Vector512<int> shift = Vector512.Create(ih * {sw} - at);");
                            for (int kw = 0; kw < k; kw++)
                            {
                                w.Line($"Vector512<float> tap{kw} = {X86}.PermuteVar16x32x2(row, col{kw} + shift, zero);");
                                for (int j = 0; j < r; j++)
                                {
                                    string weight = icLoop ? $"(ic * {taps} + {kh * k + kw}) * {r} + {j}" : $"{(kh * k + kw) * r + j}";
                                    w.Line($"acc{j} = Vector512.FusedMultiplyAdd(tap{kw}, Vector512.Create({Unsafe}.Add(ref w, {weight})), acc{j});");
                                }
                            }
                        }
                    }
                }
                if (icLoop) w.Close();
                for (int j = 0; j < r; j++)
                    w.Line($"Vector512.StoreUnsafe({Activate(chain.Activation, $"acc{j}")}, ref t0, (nuint)(((oh - rowStart) * {r} + {j}) * {ow}));");
            }
            if (r == 1)
            {
                w.Comment("Copy the band's rows out: whole vectors, the last shifted back to end at the band's end (the same values again).");
                w.Line($"int count = (rowEnd - rowStart) * {ow};");
                w.Line($"{Ref} out0 = ref {Unsafe}.Add(ref dst, rowStart * {ow});");
                using (w.Block("if (count >= 16)"))
                using (w.Block("for (int i = 0; ; i += 16)"))
                {
                    w.Line("if (i > count - 16) i = count - 16;");
                    w.Line("Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref t0, (nuint)i), ref out0, (nuint)i);");
                    w.Line("if (i == count - 16) break;");
                }
                w.Line($"else tile.Slice(0, count).CopyTo(MemoryMarshal.CreateSpan(ref out0, count));");
            }
            else
            {
                w.Comment("Copy the band's rows out to each channel's plane.");
                w.Line("for (int oh = rowStart; oh < rowEnd; oh++)");
                w.Line($"    for (int j = 0; j < {r}; j++)");
                w.Line($"        tile.Slice(((oh - rowStart) * {r} + j) * {ow}, {ow}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref dst, j * ConvSpatial + oh * {ow}), {ow}));");
            }
        }
    }

    /// <summary>How many input channels ahead the lane kernel prefetches its weights.</summary>
    private const int LanePrefetchChannels = 8;

    private static string LaneName(ChainPlan chain, int vectors) => $"{Tag(chain)}_C{16 * vectors}_Lanes_V512";

    private static string ChannelLaneName(ChainPlan chain) => $"{Tag(chain)}_C8_ChannelLanes_V256";

    /// <summary>
    /// A depthwise conv with a large window (ChainPlan.ChannelLanes), channels [first, last) of one sample, 8 per Vector256:
    /// each group of 8 channels' input rows for output rows [rowStart, rowEnd) is interleaved as [row][column][8], zero-padded
    /// (Winograd.InterleaveRows: 8×8 transposes), then each tile of ChannelLaneTile output positions of a row keeps one
    /// accumulator per position, and each tap is one weight vector (packed [tap][channel]) for the tile's aligned input
    /// loads. The tile is activated into [position][8] and the band's outputs are transposed back to the 8 planes.
    /// </summary>
    private static void EmitChannelLanes(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        int sh = c.SourceHeight, sw = c.SourceWidth, top = c.CopyPaddingH, left = c.CopyPadding, cols = sw + 2 * left;
        int kh = c.KernelH, kw = c.Kernel, taps = kh * kw, s = c.Stride, sH = c.StrideH, d = c.Dilation, dH = c.DilationH;
        int p = System.Math.Min(ModelPlanner.ChannelLaneTile, c.OutWidth);
        int maxRows = (c.OutHeight - 1) * sH + (kh - 1) * dH + 1; // input rows of the whole plane's windows
        // The window unrolled whole while its FMAs stay well inside the JIT's budget, else one kernel row per loop step.
        bool whole = taps * p <= MaxChannelLaneUnrolledFmas;
        string act = chain.Activation is { } a ? ActivationName(a) : "no activation";
        w.Line($"private static readonly ScratchPool LaneRows = new({maxRows * cols * 8}); // a task's interleaved input rows: [row][column][8 channels], {cols} columns (the padding included)");
        w.Line($"private static readonly ScratchPool LaneOutputs = new({c.OutHeight * c.OutWidth * 8}); // a task's band of outputs, [position][8 channels], before they go back to the planes");
        w.Line();
        w.Line($"/// <summary>Depthwise {kh}×{kw} (stride {s}) on {sh}×{sw} planes, 8 channels per Vector256: rows interleaved as [row][column][8], tiles of {p} positions × {taps} taps, {act}, transposed back.</summary>");
        using (w.Block($"private static void {ChannelLaneName(chain)}({Ref} x, {Ref} w, {Ref} bias, {Ref} y, int first, int last, int rowStart, int rowEnd)"))
        {
            w.Line("float[] rowsBuffer = LaneRows.Rent(), outputs = LaneOutputs.Rent();");
            w.Line($"{Ref} xt = ref MemoryMarshal.GetArrayDataReference(rowsBuffer);");
            w.Line($"{Ref} yt = ref MemoryMarshal.GetArrayDataReference(outputs);");
            w.Line($"int rows = (rowEnd - 1 - rowStart) * {sH} + {(kh - 1) * dH + 1}; // the band's windows' input rows, from padded row rowStart · {sH}");
            using (w.Block("for (int c0 = first; c0 < last; c0 += 8)"))
            {
                w.Line($"Winograd.InterleaveRows(ref {Unsafe}.Add(ref x, (c0 - first) * {sh * sw}), 8, {sh}, {sw}, {left}, rowStart * {sH} - {top}, rows, {cols}, ref xt);");
                w.Line("Vector256<float> b = Vector256.LoadUnsafe(ref bias, (nuint)c0);");
                w.Line($"{Ref} wc = ref {Unsafe}.Add(ref w, c0); // tap t's weights for the 8 channels at t · OutC");
                using (w.Block("for (int oh = rowStart; oh < rowEnd; oh++)"))
                {
                    w.Line($"{Ref} xr = ref {Unsafe}.Add(ref xt, (oh - rowStart) * {sH * cols * 8}); // the row's windows' first input row");
                    w.Line($"{Ref} yr = ref {Unsafe}.Add(ref yt, (oh - rowStart) * ConvW * 8);");
                    using (w.Block($"for (int ow = 0; ow < ConvW; ow += {p})"))
                    {
                        w.Line($"if (ow > ConvW - {p}) ow = ConvW - {p}; // the last tile shifted back: a few positions again, the same values");
                        w.Line($"{Ref} xw = ref {Unsafe}.Add(ref xr, ow * {s * 8}); // position ow's window");
                        w.Line($"Vector256<float> {string.Join(", ", Enumerable.Range(0, p).Select(u => $"acc{u} = b"))};");
                        if (!whole)
                        {
                            w.Open($"for (int i = 0; i < {kh}; i++)");
                            w.Line($"{Ref} xi = ref {Unsafe}.Add(ref xw, i * {dH * cols * 8});");
                            w.Line($"{Ref} wi = ref {Unsafe}.Add(ref wc, i * {kw} * OutC);");
                        }
                        for (int i = 0; i < (whole ? kh : 1); i++)
                            for (int j = 0; j < kw; j++)
                            {
                                int tap = i * kw + j;
                                w.Line(whole
                                    ? $"Vector256<float> w{tap} = Vector256.LoadUnsafe(ref wc, (nuint)({tap} * OutC)); // tap ({i}, {j})"
                                    : $"Vector256<float> w{j} = Vector256.LoadUnsafe(ref wi, (nuint)({j} * OutC)); // tap (i, {j})");
                                w.Line(string.Join(" ", Enumerable.Range(0, p).Select(u =>
                                    $"acc{u} = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref {(whole ? "xw" : "xi")}, {((whole ? i * dH * cols : 0) + u * s + j * d) * 8}), w{(whole ? tap : j)}, acc{u});")));
                            }
                        if (!whole) w.Close();
                        if (chain.Activation is not null && p % 2 == 0)
                        {
                            // Two positions' 8 channels are 16 consecutive floats of the tile: with AVX-512 the activation runs on
                            // Vector512 pairs (half the instructions of a costly one such as GELU; the same operations lane by lane).
                            using (w.Block("if (Vector512.IsHardwareAccelerated)"))
                                for (int u = 0; u < p; u += 2)
                                    w.Line($"{Activate(chain.Activation, $"Vector512.Create(acc{u}, acc{u + 1})")}.StoreUnsafe(ref yr, (nuint)((ow + {u}) * 8));");
                            w.Open("else");
                        }
                        for (int u = 0; u < p; u++)
                            w.Line($"{Activate(chain.Activation, $"acc{u}")}.StoreUnsafe(ref yr, (nuint)((ow + {u}) * 8));");
                        if (chain.Activation is not null && p % 2 == 0) w.Close();
                    }
                }
                w.Line($"ChannelLanes.StorePlanes(ref yt, (rowEnd - rowStart) * ConvW, ref {Unsafe}.Add(ref y, (c0 - first) * ConvSpatial + rowStart * ConvW), ConvSpatial); // back to the 8 channels' planes");
            }
            w.Line("LaneRows.Return(rowsBuffer);");
            w.Line("LaneOutputs.Return(outputs);");
        }
    }

    /// <summary>The most FMAs the channel-lane kernel unrolls per tile (taps × positions); past it, one kernel row per loop step.</summary>
    private const int MaxChannelLaneUnrolledFmas = 640;

    private static string DepthwiseLaneName(ChainPlan chain) => $"{Tag(chain)}_C16_Channels_V512";

    /// <summary>
    /// A depthwise conv on a tiny plane (ChainPlan.DepthwiseLanes), channels [first, last) of one sample, 16 per Vector512:
    /// each group of 16 channels' input planes is transposed into a zero-padded [row][column][channel] stack buffer (the
    /// padding written once, never overwritten), each output position of rows [rowStart, rowEnd) is one vector of the
    /// window's FMAs from the bias (weights packed [tap][channel]), activated, and the outputs are transposed back to the
    /// channels' planes. A last group of fewer than 16 channels computes all 16 lanes and stores its own.
    /// </summary>
    private static void EmitDepthwiseLanes(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        int sh = c.SourceHeight, sw = c.SourceWidth, top = c.CopyPaddingH, left = c.CopyPadding, ph = sh + 2 * top, pw = sw + 2 * left;
        int kh = c.KernelH, kw = c.Kernel, taps = kh * kw;
        string act = chain.Activation is { } a ? ActivationName(a) : "no activation";
        w.Line($"/// <summary>Depthwise {kh}×{kw} on {sh}×{sw} planes (padded to {ph}×{pw}), 16 channels per Vector512: planes transposed to [row][column][channel], {taps} FMAs per output position, {act}, transposed back.</summary>");
        using (w.Block($"private static void {DepthwiseLaneName(chain)}({Ref} x, {Ref} w, {Ref} bias, {Ref} y, int first, int last, int rowStart, int rowEnd)"))
        {
            w.Line($"Span<float> xt = stackalloc float[{ph * pw * 16}]; // [row][column][channel] of 16 zero-padded planes: the padding is cleared once and never written");
            w.Line("xt.Clear();");
            w.Line($"Span<float> yt = stackalloc float[{c.OutHeight * c.OutWidth * 16}]; // [position][channel]");
            w.Line("Span<float> bt = stackalloc float[16]; // a last group's biases, zero past its channels");
            w.Line($"{Ref} xt0 = ref MemoryMarshal.GetReference(xt);");
            w.Line($"{Ref} yt0 = ref MemoryMarshal.GetReference(yt);");
            using (w.Block("for (int c0 = first; c0 < last; c0 += 16)"))
            {
                w.Line("int count = Math.Min(16, last - c0);");
                w.Line($"{Ref} xc = ref {Unsafe}.Add(ref x, (c0 - first) * {sh * sw}); // channel c0's input plane");
                using (w.Block("for (int j = 0; j < count; j++)"))
                using (w.Block($"for (int r = 0; r < {sh}; r++)"))
                using (w.Block($"for (int q = 0; q < {sw}; q++)"))
                    w.Line($"{Unsafe}.Add(ref xt0, ((r + {top}) * {pw} + q + {left}) * 16 + j) = {Unsafe}.Add(ref xc, j * {sh * sw} + r * {sw} + q);");
                w.Line("Vector512<float> b;");
                w.Line("if (c0 + 16 <= OutC) b = Vector512.LoadUnsafe(ref bias, (nuint)c0);");
                using (w.Block("else"))
                {
                    w.Line($"for (int j = 0; j < 16; j++) bt[j] = j < count ? {Unsafe}.Add(ref bias, c0 + j) : 0f;");
                    w.Line("b = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(bt));");
                }
                w.Line($"{Ref} wc = ref {Unsafe}.Add(ref w, c0); // tap t's weights for the 16 channels at t · OutC (packed with 16 floats to spare)");
                using (w.Block("for (int oh = rowStart; oh < rowEnd; oh++)"))
                using (w.Block("for (int ow = 0; ow < ConvW; ow++)"))
                {
                    w.Line($"{Ref} xw = ref {Unsafe}.Add(ref xt0, (oh * {c.StrideH * pw} + ow * {c.Stride}) * 16); // the window's first input");
                    w.Line("Vector512<float> acc = b;");
                    for (int i = 0; i < kh; i++)
                        w.Line(string.Join(" ", Enumerable.Range(0, kw).Select(j =>
                            $"acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xw, {(i * c.DilationH * pw + j * c.Dilation) * 16}), Vector512.LoadUnsafe(ref wc, {(i * kw + j)} * OutC), acc);")));
                    w.Line($"{Activate(chain.Activation, "acc")}.StoreUnsafe(ref yt0, (nuint)((oh * ConvW + ow) * 16));");
                }
                w.Comment("Back to the channels' planes.");
                using (w.Block("for (int j = 0; j < count; j++)"))
                using (w.Block("for (int p = rowStart * ConvW; p < rowEnd * ConvW; p++)"))
                    w.Line($"{Unsafe}.Add(ref y, (c0 - first + j) * ConvSpatial + p) = {Unsafe}.Add(ref yt0, p * 16 + j);");
            }
        }
    }

    /// <summary>
    /// 16 · <paramref name="vectors"/> output channels (consecutive blocks of 8, two per Vector512) over output positions
    /// [start, end) of the plane, taken across rows in tiles of ChainPlan.LanePositions: per input channel and tap, one
    /// weight vector per 16 channels (packed, with AVX-512, [block of 16][ic][taps][16]) and one broadcast input per
    /// position feed vectors × positions FMAs. The last tile shifts back to end at end (the same
    /// values again). The tile goes through a stack buffer to the channels' planes, with the residual add and activation.
    /// </summary>
    private static void EmitLaneTiles(SourceWriter w, ChainPlan chain, int vectors)
    {
        ConvPlan c = chain.Conv!;
        int p = chain.LanePositions, k = c.Kernel, chunk = chain.LaneChunk;
        string act = chain.Activation is { } a ? ActivationName(a) : "no activation";
        // With passes over chunks of the input channels: a group of tiles runs each pass, its accumulators kept in a
        // buffer between passes ([tile of the group][position][channel]); the first pass starts from the bias, the last stores.
        int groupTiles = System.Math.Max(1, ModelPlanner.LaneGroupFloats / (p * 16 * vectors));
        w.Line(chunk == 0
            ? $"/// <summary>{16 * vectors} output channels × tiles of {p} positions across rows: {vectors}×{p} Vector512 accumulators, every position kept; {(chain.HasSkip ? "+ skip, then " : "")}{act} as the tile is stored.</summary>"
            : $"/// <summary>{16 * vectors} output channels × tiles of {p} positions across rows: {vectors}×{p} Vector512 accumulators, every position kept; in passes over {chunk} input channels at a time (their weights, {16 * vectors * chunk * c.TapsPerInput * 4 / 1024} KB, stay in L2 for the group's tiles), a group of up to {groupTiles} tiles' accumulators kept between passes; {(chain.HasSkip ? "+ skip, then " : "")}{act} as the last pass stores.</summary>");
        using (w.Block($"private static void {LaneName(chain, vectors)}({Ref} x, {Ref} w, {Ref} bias, {Ref} dst{(chain.HasSkip ? $", {Ref} skip" : "")}, int start, int end)"))
        {
            for (int v = 0; v < vectors; v++) w.Line($"Vector512<float> bias{v} = Vector512.LoadUnsafe(ref bias, {16 * v});");
            w.Line($"Span<float> tile = stackalloc float[{p * 16 * vectors}]; // [position][channel]");
            w.Line($"{Ref} t0 = ref MemoryMarshal.GetReference(tile);");
            if (chunk > 0)
            {
                w.Line($"Span<float> partial = stackalloc float[{groupTiles * p * 16 * vectors}]; // the group's accumulators between passes: [tile][position][channel]");
                w.Line($"{Ref} pa = ref MemoryMarshal.GetReference(partial);");
                w.Open($"for (int g = start; g < end; g += {groupTiles * p})");
                w.Line($"int groupEnd = Math.Min(end, g + {groupTiles * p});");
                w.Open($"for (int c0 = 0; c0 < InPerGroup; c0 += {chunk})");
                w.Line($"int c1 = Math.Min(InPerGroup, c0 + {chunk});");
                w.Open($"for (int q = g, slot = 0; q < groupEnd; q += {p}, slot++)");
            }
            else
                w.Open($"for (int q = start; q < end; q += {p})");
            w.Line($"int q0 = q > end - {p} ? Math.Max(0, end - {p}) : q; // the last tile ends at end");
            // Stride 1: row oh's windows start at row oh of the copy. Strided: at oh · FlatPitch, as in the flat kernel.
            string pitch = c.Stride == 1 && c.StrideH == 1 ? "InW" : "FlatPitch";
            for (int u = 0; u < p; u++)
                w.Line($"nint o{u} = (q0 + {u}) / ConvW * {pitch} + (q0 + {u}) % ConvW; // position q0 + {u}: its window's first input");
            if (chunk > 0)
            {
                w.Line($"{Ref} pt = ref {Unsafe}.Add(ref pa, slot * {p * 16 * vectors});");
                w.Line($"Vector512<float> {string.Join(", ", Enumerable.Range(0, vectors).SelectMany(v => Enumerable.Range(0, p).Select(u => $"acc{v}_{u}")))};");
                using (w.Block("if (c0 == 0)"))
                    for (int v = 0; v < vectors; v++)
                        w.Line(string.Join(" ", Enumerable.Range(0, p).Select(u => $"acc{v}_{u} = bias{v};")));
                using (w.Block("else"))
                    for (int v = 0; v < vectors; v++)
                        w.Line(string.Join(" ", Enumerable.Range(0, p).Select(u => $"acc{v}_{u} = Vector512.LoadUnsafe(ref pt, {(u * vectors + v) * 16});")));
            }
            else
                for (int v = 0; v < vectors; v++)
                    w.Line($"Vector512<float> {string.Join(", ", Enumerable.Range(0, p).Select(u => $"acc{v}_{u} = bias{v}"))};");
            // The window unrolled whole where it is small (a 3×3 window: 9 taps × the tile's FMAs per input channel), else one
            // kernel row at a time: each tap's input is then one broadcast at a constant displacement from the channel's row.
            bool whole = c.TapsPerInput * p * vectors <= ModelPlanner.MaxLaneUnrolledFmas;
            using (w.Block(chunk > 0 ? "for (int ic = c0; ic < c1; ic++)" : "for (int ic = 0; ic < InPerGroup; ic++)"))
            {
                if (!whole) w.Open($"for (int kh = 0; kh < {c.KernelH}; kh++)");
                string row = whole ? "" : $" + kh * {Axis(c, "Dilation", 'H')} * InW";
                string wrow = whole ? "" : $" + kh * {k}";
                w.Line($"{Ref} xc = ref {Unsafe}.Add(ref x, ic * InD * InH * InW{row}); // input channel ic{(whole ? "" : ", this tap row")}, relative to each window");
                w.Line($"{Ref} wc = ref {Unsafe}.Add(ref w, {(whole ? $"ic * {c.TapsPerInput * 16}" : $"(ic * {c.TapsPerInput}{wrow}) * 16")}); // the first 16 channels' taps{(whole ? "" : " of this row")}; the next 16's are 16 · Taps further");
                if (whole)
                {
                    w.Comment($"The weights {LanePrefetchChannels} input channels on, asked for now: at batch 1 they come from memory, one pass per call.");
                    for (int v = 0; v < vectors; v++)
                        for (int line = 0; line < c.TapsPerInput; line++)
                            w.Line($"Prefetch.ToL2(ref wc, {LanePrefetchChannels * c.TapsPerInput * 16 + line * 16}{(v == 0 ? "" : $" + {v * 16} * Taps")});");
                }
                for (int kh = 0; kh < (whole ? c.KernelH : 1); kh++)
                    for (int kw = 0; kw < k; kw++)
                    {
                        int tap = kh * k + kw;
                        int disp = whole ? c.TapOffset(kh * c.DilationH, kw * c.Dilation) : kw * c.Dilation; // tap (kh, kw) from the window's first input
                        string at = disp == 0 ? "" : $" + {disp}";
                        for (int v = 0; v < vectors; v++)
                            w.Line($"Vector512<float> w{v}_{tap} = Vector512.LoadUnsafe(ref wc, (nuint)({(v == 0 ? $"{tap * 16}" : $"{tap * 16} + {v * 16} * Taps")}));");
                        for (int u = 0; u < p; u++)
                        {
                            w.Line($"Vector512<float> x{u}_{tap} = Vector512.Create({Unsafe}.Add(ref xc, o{u}{at})){(c.TapsPerInput == 1 ? ";" : $"; // tap ({(whole ? kh.ToString() : "kh")}, {kw})")}");
                            for (int v = 0; v < vectors; v++)
                                w.Line($"acc{v}_{u} = Vector512.FusedMultiplyAdd(w{v}_{tap}, x{u}_{tap}, acc{v}_{u});");
                        }
                    }
                if (!whole) w.Close();
            }
            if (chunk > 0)
            {
                using (w.Block("if (c1 < InPerGroup)"))
                {
                    w.Comment("Not the last pass: the accumulators wait in the group's buffer.");
                    for (int u = 0; u < p; u++)
                        w.Line(string.Join(" ", Enumerable.Range(0, vectors).Select(v => $"Vector512.StoreUnsafe(acc{v}_{u}, ref pt, (nuint)({(u * vectors + v) * 16}));")));
                    w.Line("continue;");
                }
            }
            for (int u = 0; u < p; u++)
                for (int v = 0; v < vectors; v++)
                    w.Line($"Vector512.StoreUnsafe(acc{v}_{u}, ref t0, (nuint)({(u * vectors + v) * 16}));");
            w.Comment("Each position's channels to their planes" + (chain.HasSkip ? ", the skip added, then the activation." : chain.Activation is null ? "." : ", activated."));
            using (w.Block($"for (int u = 0; u < {p}; u++)"))
            {
                w.Line("int row = (q0 + u) / ConvW, ox = (q0 + u) % ConvW;");
                using (w.Block($"for (int j = 0; j < {16 * vectors}; j++)"))
                {
                    w.Line($"float acc = {Unsafe}.Add(ref t0, u * {16 * vectors} + j);");
                    EmitPixelStore(w, chain, null);
                }
            }
            w.Close();
            if (chunk > 0) { w.Close(); w.Close(); }
        }
    }

    /// <summary>The flat kernel's tail rule, which the planner's count of computed positions (ConvPlan.FlatComputed) reads too.</summary>
    private const int FlatTailVectors = ConvPlan.FlatTailVectors;

    /// <summary>One tile of the flat kernel at flat position p: <paramref name="cols"/> vectors of 16 positions × r channels, bias to store.</summary>
    private static void EmitFlatTile(SourceWriter w, ChainPlan chain, int r, int cols, WindowUnroll unroll)
    {
        ConvPlan c = chain.Conv!;
        const int lanes = 16;
        string vec = "Vector512<float>";
        string Acc(int j, int u) => $"acc{j}_{u}";
        for (int u = 0; u < cols; u++)
            w.Line($"{vec} " + string.Join(", ", Enumerable.Range(0, r).Select(j => $"{Acc(j, u)} = bias{j}")) + ";");
        w.Line(c.Stride == 1
            ? "int xo = p; // stride 1, no padding left to apply: the window of flat output p starts at flat input p"
            : c.Polyphase
            ? "int xo = p; // flat output p = oh · FlatPitch + ox: its window starts at row oh, slot ox of quarter (0, 0), which is position p of the polyphase copy"
            : "int xo = p; // flat output p = oh · FlatPitch + ox: its window starts at input row oh · Stride, slot ox of phase 0, which is position p of the phased copy");
        EmitWindow(w, c, r, lanes, cols, Acc, unroll);
        // With a residual add the activation comes after the add: stored in place, the tile adds the skip (laid out as the
        // flat row, which is the output's layout); else KeepColumnsAdd adds it as it copies the kept columns.
        bool addsSkip = chain.HasSkip && c.FlatInPlace;
        ActivationSpec? activation = chain.HasSkip && !addsSkip ? null : chain.Activation;
        w.Comment(chain.HasSkip && !addsSkip
            ? $"Epilogue: store {cols * lanes} flat positions of each channel; the skip is added (then the activation) as the kept columns are copied."
            : $"Epilogue: {(addsSkip ? "add the skip, " : "")}{(activation is { } act ? ActivationName(act) + " in registers, then " : "")}store {cols * lanes} flat positions of each channel.");
        for (int u = 0; u < cols; u++)
            for (int j = 0; j < r; j++)
            {
                string index = $"(nuint)({j} * FlatLength + p{(u == 0 ? "" : " + " + u * lanes)})";
                string value = addsSkip ? $"{Acc(j, u)} + Vector512.LoadUnsafe(ref skip, {index})" : Acc(j, u);
                w.Line($"Vector512.StoreUnsafe({Activate(activation, value)}, ref flat, {index});");
            }
    }

    /// <summary>KeepColumns for a chain with a residual add: each kept column gets its skip value added, then the activation.</summary>
    private static void EmitKeepColumnsAdd(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        string then = chain.Activation is { } a ? ", then " + ActivationName(a) : "";
        w.Line($"/// <summary>The ConvW real columns of flat rows [rowStart, rowEnd) (FlatPitch apart) plus the skip (laid out as the output planes){then}, into the block's output planes.</summary>");
        using (w.Block($"private static void KeepColumnsAdd(int r, float[] flat, {Ref} dst, {Ref} skip, int rowStart, int rowEnd)"))
        {
            w.Line($"{Ref} f0 = ref MemoryMarshal.GetArrayDataReference(flat);");
            using (w.Block("for (int j = 0; j < r; j++)"))
            using (w.Block("for (int oh = rowStart; oh < rowEnd; oh++)"))
            {
                w.Line($"{Ref} f = ref {Unsafe}.Add(ref f0, j * FlatLength + oh * FlatPitch);");
                w.Line("int at = j * ConvSpatial + oh * ConvW, ox = 0;");
                if (c.OutWidth >= 16)
                    using (w.Block("for (; ox < ConvW; ox += 16)"))
                    {
                        w.Line("if (ox > ConvW - 16) ox = ConvW - 16; // the last vector overlaps the one before: the same values again");
                        w.Line($"Vector512.StoreUnsafe({Activate(chain.Activation, $"Vector512.LoadUnsafe(ref f, (nuint)ox) + Vector512.LoadUnsafe(ref skip, (nuint)(at + ox))")}, ref dst, (nuint)(at + ox));");
                    }
                w.Line($"for (; ox < ConvW; ox++) {Unsafe}.Add(ref dst, at + ox) = {Activate(chain.Activation, $"{Unsafe}.Add(ref f, ox) + {Unsafe}.Add(ref skip, at + ox)")};");
            }
        }
    }

    private static void EmitKeepColumns(SourceWriter w)
    {
        w.Line("/// <summary>Copies the ConvW real columns of flat rows [rowStart, rowEnd) (FlatPitch apart) to the block's output planes.</summary>");
        using (w.Block($"private static void KeepColumns(int r, float[] flat, {Ref} dst, int rowStart, int rowEnd)"))
        {
            w.Line("for (int j = 0; j < r; j++)");
            w.Line("    for (int oh = rowStart; oh < rowEnd; oh++)");
            w.Line($"        new ReadOnlySpan<float>(flat, j * FlatLength + oh * FlatPitch, ConvW).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref dst, j * ConvSpatial + oh * ConvW), ConvW));");
        }
    }

    /// <summary>One register tile at column ox: r channels × cols vectors of accumulators over the whole window, then the epilogue.</summary>
    private static void EmitInteriorTile(SourceWriter w, ChainPlan chain, int r, NormMode? mode, int lanes, int cols, bool fresh, WindowUnroll unroll)
    {
        ConvPlan c = chain.Conv!;
        string V = lanes == 16 ? "Vector512" : "Vector256", vec = V + "<float>";
        string Acc(int j, int u) => cols == 1 ? $"acc{j}" : $"acc{j}_{u}";
        for (int u = 0; u < cols; u++)
            w.Line($"{vec} " + string.Join(", ", Enumerable.Range(0, r).Select(j => $"{Acc(j, u)} = bias{j}")) + ";");
        string rowOrigin = c.Rank switch { 3 => "(id0 * InH + ih0) * InW", 2 => "ih0 * InW", _ => "0" };
        if (c.Polyphase)
            w.Line("int xo = oh * InW + ox; // window origin: row oh, slot ox of quarter (0, 0) of the polyphase copy; each tap adds its quarter's offset");
        else if (c.ColumnPhases > 1)
            w.Line($"int xo = {rowOrigin} + ox; // window origin in input channel 0: column ox · Stride is slot ox of phase 0");
        else
            w.Line($"int xo = {rowOrigin} + ox * Stride - Padding; // window origin in input channel 0 (rows outside the input are skipped below)");
        EmitWindow(w, c, r, lanes, cols, Acc, unroll);
        if (mode is null)
            w.Comment($"Epilogue: {(chain.HasSkip ? "add the skip tile, " : "")}{(chain.Activation is { } act ? ActivationName(act) + " in registers, then " : "")}store {cols * lanes} columns of each channel.");
        else
            w.Comment($"Epilogue: store {cols * lanes} columns of each channel and add the new lanes to their moments.");
        for (int u = 0; u < cols; u++)
            for (int j = 0; j < r; j++)
            {
                string column = u == 0 ? "ox" : $"ox + {u * lanes}";
                if (mode is null)
                {
                    string index = $"(nuint)({j} * ConvSpatial + row * ConvW + {column})";
                    string value = chain.HasSkip ? $"{Acc(j, u)} + {V}.LoadUnsafe(ref skip, {index})" : Acc(j, u);
                    w.Line($"{V}.StoreUnsafe({Activate(chain.Activation, value)}, ref dst, {index});");
                }
                else
                {
                    w.Line($"{V}.StoreUnsafe({Acc(j, u)}, ref dst, (nuint)({j} * ConvSpatial + row * ConvW + {column}));");
                    w.Line($"stats[{Slot(mode.Value, j.ToString())}].Add({Acc(j, u)}{(fresh ? ", fresh" : "")});");
                }
            }
    }

    /// <summary>
    /// The whole window for one register tile: per input channel and tap, cols input vectors (from xo) and r broadcast
    /// weights feed r × cols FMAs into the accumulators named by <paramref name="acc"/>. <paramref name="unroll"/> says
    /// how much of it is straight-line code: every tap, one kernel row in a loop over the rows, or one tap in a loop.
    /// </summary>
    private static void EmitWindow(SourceWriter w, ConvPlan c, int r, int lanes, int cols, System.Func<int, int, string> acc, WindowUnroll unroll)
    {
        using (w.Block("for (int ic = 0; ic < InPerGroup; ic++)"))
        {
            w.Line($"{Ref} wk = ref {Unsafe}.Add(ref w, ic * {c.TapsPerInput} * {r}); // this input channel's {c.TapsPerInput} taps × {r} outputs");
            w.Line("int xc = xo + ic * InD * InH * InW;");
            if (unroll == WindowUnroll.Window)
            {
                int tap = 0;
                for (int kd = 0; kd < c.KernelD; kd++)
                    for (int kh = 0; kh < c.KernelH; kh++)
                    {
                        var checks = new List<string>();
                        if (c.Rank == 3 && c.Padding > 0) checks.Add($"(uint)(id0 + {kd * c.DilationD}) < InD");
                        if (c.Rank >= 2 && c.Padding > 0) checks.Add($"(uint)(ih0 + {kh * c.DilationH}) < InH");
                        w.Comment(c.Rank switch { 3 => $"kernel plane {kd}, row {kh}", 2 => $"kernel row {kh}", _ => "the kernel's taps" });
                        w.Open(checks.Count > 0 ? $"if ({string.Join(" && ", checks)})" : "");
                        for (int kw = 0; kw < c.Kernel; kw++, tap++)
                            EmitTap(w, c, r, lanes, cols, acc, "xc", c.Polyphase ? c.TapOffset(kh * c.DilationH, kw * c.Dilation) : (kd * c.DilationD * c.InHeight + kh * c.DilationH) * c.RowPitch + c.ColumnOffset(kw * c.Dilation), "wk", tap * r, kw.ToString(), tap.ToString(), $"tap {tap}, ");
                        w.Close();
                    }
                return;
            }
            w.Comment(unroll == WindowUnroll.Row
                ? $"The window a kernel row at a time ({c.Kernel} taps unrolled): the whole {c.KernelText} window unrolled would pass the JIT's optimization limits."
                : $"The window a tap at a time ({r}×{cols} FMAs unrolled): even one kernel row unrolled would pass the JIT's optimization limits.");
            string kernelD = Axis(c, "Kernel", 'D'), kernelH = Axis(c, "Kernel", 'H'), dilationD = Axis(c, "Dilation", 'D'), dilationH = Axis(c, "Dilation", 'H');
            if (c.Rank == 3) w.Open($"for (int kd = 0; kd < {kernelD}; kd++)");
            if (c.Rank >= 2) w.Open($"for (int kh = 0; kh < {kernelH}; kh++)");
            else w.Open("");
            if (c.Rank == 3 && c.Padding > 0) w.Line($"if ((uint)(id0 + kd * {dilationD}) >= InD) continue;");
            if (c.Rank >= 2 && c.Padding > 0) w.Line($"if ((uint)(ih0 + kh * {dilationH}) >= InH) continue;");
            string row = c.Rank switch { 3 => $"(kd * {kernelH} + kh)", 2 => "kh", _ => "0" };
            string rowOffset = c.IsCubic
                ? c.Rank switch { 3 => "(kd * InH + kh) * Dilation * InW", 2 => "kh * Dilation * InW", _ => "0" }
                : c.Rank switch { 3 => "(kd * DilationD * InH + kh * DilationH) * InW", 2 => "kh * DilationH * InW", _ => "0" };
            w.Line($"{Ref} wr = ref {Unsafe}.Add(ref wk, {row} * Kernel * {r}); // this kernel row's taps");
            w.Line($"int xr = xc + {rowOffset};");
            if (unroll == WindowUnroll.Row)
                for (int kw = 0; kw < c.Kernel; kw++)
                    EmitTap(w, c, r, lanes, cols, acc, "xr", c.ColumnOffset(kw * c.Dilation), "wr", kw * r, kw.ToString(), kw.ToString(), $"row tap {kw}, ");
            else
                using (w.Block("for (int kw = 0; kw < Kernel; kw++)"))
                {
                    w.Line($"{Ref} wt = ref {Unsafe}.Add(ref wr, kw * {r});");
                    w.Line(c.ColumnPhases > 1 ? "int xt = xr + kw * Dilation % Stride * PhaseW + kw * Dilation / Stride; // the tap's column phase and slot" : "int xt = xr + kw * Dilation;");
                    EmitTap(w, c, r, lanes, cols, acc, "xt", 0, "wt", 0, "tap", "tap", "");
                }
            w.Close();
            if (c.Rank == 3) w.Close();
        }
    }

    /// <summary>
    /// One tap: cols input vectors at <paramref name="xBase"/> + <paramref name="offset"/> and r weights at
    /// <paramref name="wBase"/> + <paramref name="weight"/>, r × cols FMAs. The names tell the input and weight locals apart.
    /// </summary>
    private static void EmitTap(SourceWriter w, ConvPlan c, int r, int lanes, int cols, System.Func<int, int, string> acc,
        string xBase, int offset, string wBase, int weight, string xName, string wName, string tapText)
    {
        string V = lanes == 16 ? "Vector512" : "Vector256", vec = V + "<float>";
        for (int u = 0; u < cols; u++)
        {
            bool contiguous = c.Stride == 1 || c.ColumnPhases > 1;
            int at = offset + u * lanes * (contiguous ? 1 : c.Stride);
            string load = contiguous ? $"{V}.LoadUnsafe(ref x, (nuint)({xBase} + {at}))" : $"LoadStrided{lanes}(ref x, {xBase} + {at})";
            w.Line($"{vec} x{xName}{(cols == 1 ? "" : "_" + u)} = {load};");
        }
        for (int j = 0; j < r; j++)
        {
            string broadcast = $"{V}.Create({Unsafe}.Add(ref {wBase}, {weight + j}))";
            if (cols == 1)
                w.Line($"{acc(j, 0)} = {V}.FusedMultiplyAdd(x{xName}, {broadcast}, {acc(j, 0)});");
            else
            {
                w.Line($"{vec} w{wName}_{j} = {broadcast}; // {tapText}channel {j}: broadcast once, used by {cols} vectors");
                for (int u = 0; u < cols; u++)
                    w.Line($"{acc(j, u)} = {V}.FusedMultiplyAdd(x{xName}_{u}, w{wName}_{j}, {acc(j, u)});");
            }
        }
    }

    private static void EmitScalarBlock(SourceWriter w, ChainPlan chain, NormMode? mode)
    {
        string statsParameter = mode is null ? SkipRef(chain, "skip") : ", Span<Moments> stats";
        string stats = mode is null ? SkipArg(chain, "skip") : ", stats";
        string rowsParameter = ", int rowStart, int rowEnd";
        w.Line("/// <summary>The scalar path: every output of r channels in rows [rowStart, rowEnd) through the checked pixel kernel.</summary>");
        using (w.Block($"private static void ConvScalar{Suffix(mode)}(int r, {Ref} x, {Ref} w, {Ref} bias, {Ref} dst{statsParameter}, int oc{rowsParameter})"))
        {
            if (RowOfChannelVectors(chain.Conv!))
            {
                if (mode is null) EmitChannelVectorTiles(w, chain);
                else EmitChannelVectorRows(w, chain, mode);
            }
            else if (mode is null && SingleChannelTiles(chain.Conv!)) EmitSingleChannelTiles(w, chain);
            w.Line("for (int od = 0; od < ConvD; od++)");
            w.Line("    for (int oh = rowStart; oh < rowEnd; oh++)");
            w.Line("        for (int ox = 0; ox < ConvW; ox++)");
            w.Line($"            ConvPixel{Suffix(mode)}(r, ref x, ref w, ref bias, ref dst{stats}, oc, od, oh, ox);");
        }
    }

    /// <summary>
    /// Whether a narrow plane's channel-vector path can take a whole output row at once: a 2d conv that reads its input with
    /// no padding of its own (a zero-padded copy or none needed) and no column phases, so no tap needs a bounds test.
    /// </summary>
    private static bool RowOfChannelVectors(ConvPlan c) =>
        c.ChannelVectorPixels && UncheckedNarrowPlane(c);

    /// <summary>A 2d conv whose rows are at most 8 columns and whose copy (or input) needs no bounds test: no padding of its own, no column phases.</summary>
    private static bool UncheckedNarrowPlane(ConvPlan c) =>
        c.Rank == 2 && c.Outer is null && c.Padding == 0 && c.ColumnPhases == 1 && c.Transposed is null && c.OutWidth <= 8;

    /// <summary>
    /// Rows narrower than a vector: every output position of a row at once, each with its own Vector256 of the block's 8
    /// channels, so the FMAs of one tap are independent (one accumulator alone waits on each FMA before the next) and each
    /// weight vector is loaded once for the whole row. No tap is bounds-tested (see <see cref="RowOfChannelVectors"/>).
    /// Each output still sums bias, then input channels and taps in the scalar loop's order, fused: the same bits.
    /// </summary>
    private static void EmitChannelVectorRows(SourceWriter w, ChainPlan chain, NormMode? mode)
    {
        ConvPlan c = chain.Conv!;
        int columns = c.OutWidth;
        w.Comment($"Rows too narrow for column vectors: each row's {columns} output position(s) at once, one Vector256 of the block's 8 channels each");
        w.Comment("(independent FMAs, one weight load per tap for the row); every tap is inside the input, so none is bounds-tested.");
        using (w.Block("if (Vector256.IsHardwareAccelerated && r == Block)"))
        {
            using (w.Block("for (int oh = rowStart; oh < rowEnd; oh++)"))
            {
                w.Line("int row = oh;");
                for (int u = 0; u < columns; u++)
                    w.Line($"Vector256<float> s{u} = Vector256.LoadUnsafe(ref bias);");
                using (w.Block("for (int ic = 0; ic < InPerGroup; ic++)"))
                using (w.Block($"for (int kh = 0; kh < {c.KernelH}; kh++)"))
                {
                    w.Line($"int xr = (ic * InD * InH + oh * {Axis(c, "Stride", 'H')} + kh * {Axis(c, "Dilation", 'H')}) * InW; // this tap row's input, column 0");
                    using (w.Block("for (int kw = 0; kw < Kernel; kw++)"))
                    {
                        w.Line($"Vector256<float> wv = Vector256.LoadUnsafe(ref w, (nuint)((ic * {c.TapsPerInput} + kh * Kernel + kw) * Block));");
                        w.Line("int xc = xr + kw * Dilation;");
                        for (int u = 0; u < columns; u++)
                            w.Line($"s{u} = Vector256.FusedMultiplyAdd(Vector256.Create({Unsafe}.Add(ref x, xc + {u} * Stride)), wv, s{u});");
                    }
                }
                for (int u = 0; u < columns; u++)
                    using (w.Block($"for (int j = 0, ox = {u}; j < Block; j++)"))
                    {
                        w.Line($"float acc = s{u}.GetElement(j);");
                        EmitPixelStore(w, chain, mode);
                    }
            }
            w.Line("return;");
        }
    }

    /// <summary>
    /// Whether a narrow plane of one output channel per block (a depthwise conv: nothing to vectorize across) takes the
    /// unchecked tiles of <see cref="EmitSingleChannelTiles"/>: the conditions of <see cref="RowOfChannelVectors"/>, so no
    /// tap needs a bounds test.
    /// </summary>
    private static bool SingleChannelTiles(ConvPlan c) =>
        !c.Vectorized && c.OcBlock == 1 && UncheckedNarrowPlane(c);

    /// <summary>Output positions per tile of <see cref="EmitChannelVectorTiles"/>: 12 accumulators, the weight vector and a broadcast fit AVX2's 16 registers.</summary>
    private const int ChannelVectorTile = 12;

    /// <summary>
    /// The fused eval form of <see cref="EmitChannelVectorRows"/>: tiles of up to <see cref="ChannelVectorTile"/> consecutive
    /// output positions of the plane, across rows (a 3×3 plane is one tile of 9, where a row held 3 accumulators, too few
    /// to hide the FMA's latency). The last tile is shifted back to end at the band's end (or to start at 0): it
    /// recomputes positions of the band before the same way and stores the same values. Statistics chains keep the rows,
    /// whose order of positions their moments follow.
    /// </summary>
    private static void EmitChannelVectorTiles(SourceWriter w, ChainPlan chain) => EmitPositionTiles(w, chain, channelVector: true);

    /// <summary>
    /// A narrow plane of a one-channel block (MobileNetV2's 3×3 depthwise convs at small inputs): the tiles of
    /// <see cref="EmitChannelVectorTiles"/> with one float accumulator per position, so the multiply-adds of a tap are
    /// independent, with no bounds test and no call per position. Each output sums bias, then taps, in the checked scalar
    /// loop's order and with its separate multiply and add: the same bits as that loop.
    /// </summary>
    private static void EmitSingleChannelTiles(SourceWriter w, ChainPlan chain) => EmitPositionTiles(w, chain, channelVector: false);

    /// <summary>
    /// Tiles of consecutive output positions across rows, each position with its own accumulator: a Vector256 of the
    /// block's 8 channels (<paramref name="channelVector"/>, fused multiply-adds) or one float for a one-channel block.
    /// </summary>
    private static void EmitPositionTiles(SourceWriter w, ChainPlan chain, bool channelVector)
    {
        ConvPlan c = chain.Conv!;
        int tile = System.Math.Min(ChannelVectorTile, c.OutHeight * c.OutWidth);
        if (channelVector)
        {
            w.Comment($"Rows too narrow for column vectors: tiles of {tile} consecutive output positions (across rows), one Vector256 of the block's 8 channels");
            w.Comment("each (independent FMAs, one weight load per tap for the tile); every tap is inside the input, so none is bounds-tested.");
        }
        else
        {
            w.Comment($"Rows too narrow for column vectors and one channel per block: tiles of {tile} consecutive output positions (across rows), one float");
            w.Comment("accumulator each (independent multiply-adds, each weight read once per tile); every tap is inside the input, so none is bounds-tested.");
        }
        using (w.Block(channelVector ? "if (Vector256.IsHardwareAccelerated && r == Block)" : "if (r == 1)"))
        {
            w.Line("int end = rowEnd * ConvW;");
            using (w.Block($"for (int q = rowStart * ConvW; q < end; q += {tile})"))
            {
                w.Line($"int q0 = q > end - {tile} ? Math.Max(0, end - {tile}) : q; // the last tile ends at end");
                for (int u = 0; u < tile; u++)
                    w.Line($"int o{u} = (q0 + {u}) / ConvW * {Axis(c, "Stride", 'H')} * InW + (q0 + {u}) % ConvW * Stride; // position q0 + {u}: its window's first input");
                if (channelVector)
                    for (int u = 0; u < tile; u++)
                        w.Line($"Vector256<float> s{u} = Vector256.LoadUnsafe(ref bias);");
                else
                    w.Line($"float {string.Join(", ", Enumerable.Range(0, tile).Select(u => $"s{u} = bias"))};");
                using (w.Block("for (int ic = 0; ic < InPerGroup; ic++)"))
                using (w.Block($"for (int kh = 0; kh < {c.KernelH}; kh++)"))
                {
                    w.Line($"int xr = (ic * InD * InH + kh * {Axis(c, "Dilation", 'H')}) * InW; // this tap row of input channel ic, relative to each window");
                    using (w.Block("for (int kw = 0; kw < Kernel; kw++)"))
                    {
                        w.Line(channelVector
                            ? $"Vector256<float> wv = Vector256.LoadUnsafe(ref w, (nuint)((ic * {c.TapsPerInput} + kh * Kernel + kw) * Block));"
                            : $"float wt = {Unsafe}.Add(ref w, ic * {c.TapsPerInput} + kh * Kernel + kw);");
                        w.Line($"{Ref} xt = ref {Unsafe}.Add(ref x, xr + kw * Dilation);");
                        for (int u = 0; u < tile; u++)
                            w.Line(channelVector
                                ? $"s{u} = Vector256.FusedMultiplyAdd(Vector256.Create({Unsafe}.Add(ref xt, o{u})), wv, s{u});"
                                : $"s{u} += {Unsafe}.Add(ref xt, o{u}) * wt;");
                    }
                }
                for (int u = 0; u < tile; u++)
                    if (channelVector)
                        using (w.Block($"for (int j = 0, row = (q0 + {u}) / ConvW, ox = (q0 + {u}) % ConvW; j < Block; j++)"))
                        {
                            w.Line($"float acc = s{u}.GetElement(j);");
                            EmitPixelStore(w, chain, null);
                        }
                    else
                        using (w.Block(""))
                        {
                            w.Line("const int j = 0; // the block's one channel");
                            w.Line($"int row = (q0 + {u}) / ConvW, ox = (q0 + {u}) % ConvW;");
                            w.Line($"float acc = s{u};");
                            EmitPixelStore(w, chain, null);
                        }
            }
            w.Line("return;");
        }
    }

    private static void EmitPixel(SourceWriter w, ChainPlan chain, NormMode? mode)
    {
        ConvPlan c = chain.Conv!;
        string statsParameter = mode is null ? SkipRef(chain, "skip") : ", Span<Moments> stats";
        w.Line("/// <summary>One output position of r channels with bounds checks: the zero padding is skipped, not read.</summary>");
        using (w.Block($"private static void ConvPixel{Suffix(mode)}(int r, {Ref} x, {Ref} w, {Ref} bias, {Ref} dst{statsParameter}, int oc, int od, int oh, int ox)"))
        {
            w.Line($"int id0 = od * {Axis(c, "Stride", 'D')} - Padding, ih0 = oh * {Axis(c, "Stride", 'H')} - Padding, iw0 = ox * Stride - Padding;");
            if (c.Rank < 3) w.Line(c.Rank == 2 ? "id0 = 0; // 2d: one plane" : "id0 = 0; ih0 = 0; // 1d: one row");
            w.Line("int row = od * ConvH + oh;");
            if (c.ChannelVectorPixels)
            {
                w.Comment("Rows too narrow for column vectors: a full block's 8 channels in one Vector256 instead (the packed");
                w.Comment("weights hold them side by side for each input channel and tap): each channel sums in the scalar loop's order, fused.");
                using (w.Block("if (Vector256.IsHardwareAccelerated && r == Block)"))
                {
                    w.Line($"Vector256<float> sum = Vector256.LoadUnsafe(ref bias);");
                    EmitWindowLoops(w, c, "sum = Vector256.FusedMultiplyAdd(Vector256.Create(" + InputAt(c) + $"), Vector256.LoadUnsafe(ref w, (nuint)((ic * {c.TapsPerInput} + tap) * Block)), sum);");
                    using (w.Block("for (int j = 0; j < Block; j++)"))
                    {
                        w.Line("float acc = sum.GetElement(j);");
                        EmitPixelStore(w, chain, mode);
                    }
                    w.Line("return;");
                }
            }
            using (w.Block("for (int j = 0; j < r; j++)"))
            {
                w.Line($"float acc = {Unsafe}.Add(ref bias, j);");
                EmitWindowLoops(w, c, $"acc += {InputAt(c)} * {Unsafe}.Add(ref w, (ic * {c.TapsPerInput} + tap) * r + j);");
                EmitPixelStore(w, chain, mode);
            }
        }
    }

    /// <summary>The input under tap (kd, kh, kw) of input channel ic, inside the bounds the window loops checked.</summary>
    private static string InputAt(ConvPlan c)
    {
        if (c.Polyphase) // quarter (ih % Stride, iw % Stride), row ih / Stride, slot iw / Stride
            return $"{Unsafe}.Add(ref x, ((ic * InD + id) * InH + (ih % Stride * Stride + iw % Stride) * SubRows + ih / Stride) * InW + iw / Stride)";
        string column = c.ColumnPhases > 1 ? "iw % Stride * PhaseW + iw / Stride" : "iw"; // where column iw lies in its row
        return $"{Unsafe}.Add(ref x, ((ic * InD + id) * InH + ih) * InW + {column})";
    }

    /// <summary>The checked loops over input channels and taps of one output position, with <paramref name="accumulate"/> inside.</summary>
    private static void EmitWindowLoops(SourceWriter w, ConvPlan c, string accumulate)
    {
        using (w.Block("for (int ic = 0; ic < InPerGroup; ic++)"))
        using (w.Block($"for (int kd = 0; kd < {c.KernelD}; kd++)"))
        {
            w.Line($"int id = id0 + kd * {Axis(c, "Dilation", 'D')};");
            w.Line("if ((uint)id >= InD) continue;");
            using (w.Block($"for (int kh = 0; kh < {c.KernelH}; kh++)"))
            {
                w.Line($"int ih = ih0 + kh * {Axis(c, "Dilation", 'H')};");
                w.Line(c.Polyphase ? "if ((uint)ih >= SubRows * Stride) continue; // the padded rows the quarters hold" : "if ((uint)ih >= InH) continue;");
                using (w.Block("for (int kw = 0; kw < Kernel; kw++)"))
                {
                    w.Line("int iw = iw0 + kw * Dilation;");
                    w.Line(c.ColumnPhases > 1 ? "if ((uint)iw >= PaddedW) continue;" : "if ((uint)iw >= InW) continue;");
                    w.Line($"int tap = (kd * {c.KernelH} + kh) * Kernel + kw;");
                    w.Line(accumulate);
                }
            }
        }
    }

    /// <summary>Stores channel j's sum acc: + skip and the activation, or into the statistics.</summary>
    private static void EmitPixelStore(SourceWriter w, ChainPlan chain, NormMode? mode)
    {
        if (mode is null && chain.HasSkip)
            w.Line($"{Unsafe}.Add(ref dst, j * ConvSpatial + row * ConvW + ox) = {Activate(chain.Activation, $"acc + {Unsafe}.Add(ref skip, j * ConvSpatial + row * ConvW + ox)")}; // + skip, then the activation");
        else if (mode is null)
            w.Line($"{Unsafe}.Add(ref dst, j * ConvSpatial + row * ConvW + ox) = {Activate(chain.Activation, "acc")};");
        else
        {
            w.Line($"{Unsafe}.Add(ref dst, j * ConvSpatial + row * ConvW + ox) = acc;");
            w.Line($"stats[{Slot(mode.Value, "j")}].Add(acc);");
        }
    }

    private static void EmitStridedLoad(SourceWriter w, ConvPlan c, int lanes)
    {
        string V = lanes == 16 ? "Vector512" : "Vector256";
        w.Line($"/// <summary>{lanes} inputs {c.Stride} apart, for a stride-{c.Stride} window.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"private static {V}<float> LoadStrided{lanes}({Ref} x, int offset)"))
        {
            w.Line($"return {V}.Create(");
            for (int k = 0; k < lanes; k++)
                w.Line($"    {Unsafe}.Add(ref x, offset + {k * c.Stride}){(k < lanes - 1 ? "," : ");")}");
        }
    }
}
