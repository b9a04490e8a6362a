using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Plan;

// The Plan stage's output: every shape resolved to a constant and every kernel decision made, as plain
// equatable values. Emit only formats these; it decides nothing.

/// <summary>
/// A convolution (1d, 2d or 3d; a cubic kernel, or per-dim values in <see cref="Outer"/>) with everything resolved. Internally every rank is (D, H, W):
/// a Conv1d has D = H = 1, a Conv2d D = 1. The vector path computes <see cref="OcBlock"/> output channels at a
/// time, eight output columns per Vector256, over the interior columns [<see cref="InteriorStart"/>,
/// <see cref="InteriorEnd"/>) where every tap is inside the row; the last vector overlaps the one before it
/// instead of running a scalar tail. Border columns take the checked scalar path. Blocks never cross a group.
/// </summary>
public sealed record ConvPlan(
    string Name,
    int Rank,
    int InChannels, int OutChannels, int Groups,
    int Kernel, int Stride, int Padding, int Dilation, bool Bias,
    int InDepth, int InHeight, int InWidth, int OutDepth, int OutHeight, int OutWidth,
    int OcBlock,
    int InteriorStart, int InteriorEnd,
    bool Vectorized,
    int CopyPadding = 0,
    bool Flat512 = false,
    int ColumnPhases = 1,
    TransposedConv? Transposed = null,
    InputPoolPlan? InputPool = null,
    ProloguePlan? Prologue = null,
    OuterAxes? Outer = null,
    PreActPlan? PreAct = null,
    bool Identity = false,
    WinogradPlan? Winograd = null, string? WinogradDeclined = null,
    bool Polyphase = false)
{
    // Identity: a standalone norm/activation chain's pass, run as this conv with groups = channels, a 1×1 kernel, weight 1
    // and no bias (built at load, not read from the state_dict): x·1 + 0 is x exactly, and the epilogue is the chain.
    /// <summary>
    /// Kernel, stride, dilation and padding are the same on every dim (<see cref="Outer"/> is null): the generated code names
    /// one value of each. Otherwise <see cref="Kernel"/>, <see cref="Stride"/>, <see cref="Dilation"/> and <see cref="CopyPadding"/>
    /// are the width dim's, and <see cref="Outer"/> holds the depth and height dims' (PyTorch's tuples, e.g. kernel_size (1, 7)).
    /// </summary>
    public bool IsCubic => Outer is null;
    public int StrideD => Rank == 3 ? Outer?.StrideD ?? Stride : 1;
    public int StrideH => Rank >= 2 ? Outer?.StrideH ?? Stride : 1;
    public int DilationD => Rank == 3 ? Outer?.DilationD ?? Dilation : 1;
    public int DilationH => Rank >= 2 ? Outer?.DilationH ?? Dilation : 1;
    /// <summary>The zero (or prologue) padding the input copy has on each side of the depth and height dims (CopyPadding: the width's).</summary>
    public int CopyPaddingD => Rank == 3 ? Outer?.PaddingD ?? CopyPadding : 0;
    public int CopyPaddingH => Rank >= 2 ? Outer?.PaddingH ?? CopyPadding : 0;

    /// <summary>
    /// Columns of one padded row in the copy the kernels read: with <see cref="ColumnPhases"/> &gt; 1 (a strided conv)
    /// the row is stored as that many segments of <see cref="PhaseWidth"/> (segment q holds columns q, q + stride, …), so
    /// a tap's inputs for consecutive output columns are consecutive; rows are <see cref="RowPitch"/> apart.
    /// </summary>
    public int PhaseWidth => (InWidth + ColumnPhases - 1) / ColumnPhases;
    public int RowPitch => Polyphase ? PhaseWidth : ColumnPhases * PhaseWidth;
    /// <summary>
    /// Rows of one quarter plane of a <see cref="Polyphase"/> copy (padded rows y with the same y mod stride): the copy
    /// then holds Stride² quarters of SubRows × <see cref="PhaseWidth"/> (PaddedInput.CopyPlanesPolyphase).
    /// </summary>
    public int SubRows => (InHeight + Stride - 1) / Stride;
    /// <summary>Rows of one plane of the copy as the kernels index it (InH): the padded height, or a polyphase copy's Stride² · SubRows.</summary>
    public int CopyRows => Polyphase ? Stride * Stride * SubRows : InHeight;
    /// <summary>
    /// Where tap (kh, kw) of output (0, 0) lies in a plane of the copy (dilation included in the arguments); output (oh, ox)
    /// adds oh · <see cref="FlatPitch"/> + ox in the flat kernel. A polyphase copy: quarter (kh mod s, kw mod s), row kh / s, slot kw / s.
    /// </summary>
    public int TapOffset(int kh, int kw) => Polyphase
        ? ((kh % Stride * Stride + kw % Stride) * SubRows + kh / Stride) * PhaseWidth + kw / Stride
        : kh * RowPitch + ColumnOffset(kw);
    /// <summary>Where padded column <paramref name="column"/> lies within its row of the copy.</summary>
    public int ColumnOffset(int column) => ColumnPhases == 1 ? column : column % ColumnPhases * PhaseWidth + column / ColumnPhases;

    /// <summary>
    /// Outputs computed as one flat row over the padded width (see <see cref="Flat512"/>): row oh starts at
    /// oh · FlatPitch, and the last output is at FlatEnd − 1.
    /// </summary>
    public int FlatEnd => (OutHeight - 1) * FlatPitch + OutWidth;

    /// <summary>
    /// Flat positions per output row: output (oh, ox) is flat position oh · FlatPitch + ox, and its window starts at input
    /// position oh · Stride · RowPitch + ox (+ the tap's offset) of the copy: the same for every output when FlatPitch =
    /// Stride · RowPitch (the padded width at stride 1; Stride rows of the column-phased copy when strided).
    /// </summary>
    public int FlatPitch => Polyphase ? PhaseWidth : Stride * RowPitch;

    /// <summary>
    /// The flat row is the output plane's own layout (an unpadded 1×1 stride-1 conv: FlatPitch = OutWidth, no column to
    /// drop), so the flat kernel can store its tiles where they belong instead of in a buffer whose kept columns are copied.
    /// </summary>
    public bool FlatInPlace => Flat512 && FlatPitch == OutWidth;

    /// <summary>
    /// Flat positions the flat kernel computes for a block over the whole plane: its whole tiles, then up to two single
    /// vectors or one more whole tile shifted back (FlatEnd of them are real positions, OutHeight × OutWidth kept).
    /// </summary>
    public int FlatComputed
    {
        get
        {
            int tile = 16 * FlatVectors(OcBlock), whole = FlatEnd / tile, rest = FlatEnd - whole * tile;
            return whole * tile + (rest == 0 ? 0 : rest <= FlatTailVectors * 16 && FlatEnd >= 16 ? (rest + 15) / 16 * 16 : tile);
        }
    }

    /// <summary>
    /// Vectors of 16 the flat kernel runs one at a time after its whole tiles (the last shifted back to end at the plane's
    /// end), rather than one more overlapping whole tile, when at most this many are left. The emitter and
    /// <see cref="FlatComputed"/> both read it.
    /// </summary>
    public const int FlatTailVectors = 2;

    /// <summary>
    /// Vectors of 16 per tile of the flat kernel for a block of <paramref name="channels"/>: 24 accumulators (8
    /// channels × 3), and for a narrow block (a depthwise conv has 1 channel) more vectors, up to 8, so that enough
    /// independent FMAs are in flight; never more than the plane holds (a plane of 16–47 flat positions: 1 or 2), so a
    /// whole tile shifted back to start at 0 ends inside the plane.
    /// </summary>
    public int FlatVectors(int channels)
    {
        int vectors = System.Math.Min(8, System.Math.Max(3, 24 / channels)); // 8 channels × 3 vectors = 24 of the 32 registers
        while (vectors > 1 && FlatEnd < vectors * 16) vectors--;
        return vectors;
    }

    /// <summary>
    /// Vectors of <paramref name="lanes"/> columns per register tile of the row kernel for a block of
    /// <paramref name="channels"/>: at most 24 accumulators with Vector512 (32 registers) and 12 with Vector256 (16),
    /// at most 4 vectors. The interior is covered by whole tiles, then single vectors (the last one overlapping);
    /// a single vector does 8 FMAs per 9 loads, so it is counted as 1.5 tile vectors, and the width picks the tile
    /// with the least cost: 64 columns run as 2 tiles of 2 vectors rather than 3 vectors + 1 single.
    /// </summary>
    public int RowTileVectors(int lanes, int channels)
    {
        int width = InteriorEnd - InteriorStart;
        int most = System.Math.Max(1, System.Math.Min(4, (lanes == 16 ? 24 : 12) / channels));
        int best = 1;
        double bestCost = double.MaxValue;
        for (int tile = 1; tile <= most; tile++)
        {
            int tiles = width / (tile * lanes);
            int singles = (width - tiles * tile * lanes + lanes - 1) / lanes;
            double cost = tiles * tile + singles * (tile == 1 ? 1.0 : 1.5);
            if (tile == 1) cost *= 1.5; // every vector a single
            if (cost < bestCost) { best = tile; bestCost = cost; }
        }
        return best;
    }

    /// <summary>
    /// How much of the window the row kernel for <paramref name="lanes"/> and a block of <paramref name="channels"/>
    /// writes out as straight-line code. The method holds the window twice when the tile has several vectors (the tile
    /// loop and the single-vector loop), and every unrolled tap costs channels × vectors FMAs of code.
    /// </summary>
    public WindowUnroll RowUnroll(int lanes, int channels)
    {
        int tile = RowTileVectors(lanes, channels);
        return ChooseUnroll(channels * (tile > 1 ? tile + 1 : 1));
    }

    /// <summary>How much of the window the flat Vector512 kernel for a block of <paramref name="channels"/> unrolls (the tile loop and the single-vector tail loop).</summary>
    public WindowUnroll FlatUnroll(int channels) => ChooseUnroll(channels * (FlatVectors(channels) + 1));

    /// <summary>
    /// The whole window while its FMAs fit <see cref="ModelPlanner.MaxUnrolledFmas"/>; else one kernel row (of
    /// <see cref="Kernel"/> taps) in a loop over the rows; else one tap in a loop over every tap.
    /// </summary>
    private WindowUnroll ChooseUnroll(int fmasPerTap) =>
        TapsPerInput * fmasPerTap <= ModelPlanner.MaxUnrolledFmas ? WindowUnroll.Window
        : Rank > 1 && Kernel * fmasPerTap <= ModelPlanner.MaxUnrolledFmas ? WindowUnroll.Row
        : WindowUnroll.Tap;

    /// <summary>
    /// When the conv pads or strides, the kernels read a copy of the input, zero-padded (CopyPadding on each side of
    /// every spatial dim) so that every column is interior, and split into column phases for a stride: In* are then
    /// the padded dims (rows <see cref="RowPitch"/> apart) and Padding is 0.
    /// </summary>
    public bool PaddedCopy => Pads || ColumnPhases > 1 || Transposed is not null || InputPool is not null || Prologue is not null || PreAct is not null;
    /// <summary>The conv pads some dim (its copy has <see cref="CopyPaddingD"/>, <see cref="CopyPaddingH"/>, <see cref="CopyPadding"/> on each side).</summary>
    public bool Pads => CopyPadding > 0 || CopyPaddingH > 0 || CopyPaddingD > 0;
    /// <summary>
    /// Whether the copy is the pre-activated input and nothing more (no padding, phases, upsampling or prologue): the
    /// pre-activation then writes each plane straight into the copy, with no plane buffer between.
    /// </summary>
    public bool PreActOnlyCopy => PreAct is not null && !Pads && ColumnPhases == 1 && Transposed is null && InputPool is null && Prologue is null;
    public int SourceDepth => Prologue?.SourceDepth ?? InDepth - 2 * CopyPaddingD;
    public int SourceHeight => Prologue?.SourceHeight ?? Transposed?.InHeight ?? InHeight - 2 * CopyPaddingH;
    public int SourceWidth => Prologue?.SourceWidth ?? Transposed?.InWidth ?? InWidth - 2 * CopyPadding;
    /// <summary>A transposed conv's copy: zero rows and columns before the first input (negative: the input is cropped).</summary>
    public int UpsamplePadding => Dilation * (Kernel - 1) - (Transposed?.Padding ?? 0);

    /// <summary>
    /// Whether the checked pixel kernel of a chain without column vectors (rows narrower than a Vector256) computes a full
    /// block of 8 output channels as one Vector256: the late stages of MobileNetV2 and ResNet at small inputs (6×6, 3×3
    /// planes), whose 1×1 convolutions would otherwise run one multiply-add at a time. A block of fewer channels (a
    /// depthwise conv's 1) stays scalar.
    /// </summary>
    public bool ChannelVectorPixels => !Vectorized && OcBlock == 8;

    public int InPerGroup => InChannels / Groups;
    public int OutPerGroup => OutChannels / Groups;
    public int FullBlocks => OutPerGroup / OcBlock;
    public int TailChannels => OutPerGroup % OcBlock;
    /// <summary>Channel blocks per group: the full ones, then one of <see cref="TailChannels"/> if any.</summary>
    public int BlocksPerGroup => FullBlocks + (TailChannels > 0 ? 1 : 0);
    /// <summary>Channel blocks of one sample: the (sample, block) tasks before any row bands.</summary>
    public int BlocksPerSample => Groups * BlocksPerGroup;
    public int KernelD => Rank == 3 ? Outer?.KernelD ?? Kernel : 1;
    public int KernelH => Rank >= 2 ? Outer?.KernelH ?? Kernel : 1;
    public int TapsPerInput => KernelD * KernelH * Kernel;
    public int OutSpatial => OutDepth * OutHeight * OutWidth;
    /// <summary>Whether a Vector512 of 16 interior columns fits (the Vector512 path is emitted beside the Vector256 one).</summary>
    public bool Vectorized512 => InteriorEnd - InteriorStart >= 16;
    public string KernelText => Rank switch { 1 => $"{Kernel}", 2 => $"{KernelH}×{Kernel}", _ => $"{KernelD}×{KernelH}×{Kernel}" };

    /// <summary>One parameter as PyTorch prints it: "2" when it is the same on every dim, else the tuple "(2, 1)".</summary>
    public string AxesText(int d, int h, int w) => IsCubic ? $"{w}" : Rank switch { 1 => $"({w})", 2 => $"({h}, {w})", _ => $"({d}, {h}, {w})" };
    public string StrideText => AxesText(StrideD, StrideH, Stride);
    public string DilationText => AxesText(DilationD, DilationH, Dilation);
    /// <summary>The conv's own padding (the copy's padding plus what the kernel still pads), per dim when it differs.</summary>
    public string PaddingText => AxesText(CopyPaddingD + Padding, CopyPaddingH + Padding, CopyPadding + Padding);
}

/// <summary>
/// The depth and height dims' kernel_size, stride, padding and dilation of a conv whose per-dim tuples differ
/// (<see cref="ConvPlan.Outer"/>); a Conv2d has D values of 1 (kernel, stride, dilation) and 0 (padding).
/// </summary>
public sealed record OuterAxes(int KernelD, int KernelH, int StrideD, int StrideH, int PaddingD, int PaddingH, int DilationD, int DilationH);

/// <summary>
/// torch.nn.ConvTranspose2d's own parameters, on the <see cref="ConvPlan"/> of the stride-1 convolution that computes it
/// (Kernels.UpsampledInput): its stride, padding and output_padding, and the size of the input it upsamples.
/// </summary>
public sealed record TransposedConv(int Stride, int Padding, int OutputPadding, int InHeight, int InWidth);

/// <summary>
/// A MaxPool2d/AvgPool2d listed before the conv: each plane of the chain's (RawHeight × RawWidth) input is pooled
/// (Kernels.PooledInput) as the conv's input copy is made, so the conv reads the pooled plane and nothing else is stored.
/// </summary>
public sealed record InputPoolPlan(LayerKind Kind, int Kernel, int Stride, int Padding, bool CountIncludePad, int RawHeight, int RawWidth)
{
    public bool IsMax => Kind == LayerKind.MaxPool2d;
}

/// <summary>
/// What a convolution applies to its input as its copy is made (Runtime's InputPrologue): an upsampling (<see cref="Scale"/>
/// 1: none), a padding layer (<see cref="Left"/>, <see cref="Right"/>, <see cref="Top"/>, <see cref="Bottom"/> in
/// <see cref="LayerMode"/>), then the conv's own padding (ConvPlan.CopyPadding) in <see cref="ConvMode"/>. Set only when
/// the copy is more than a zero-padded one; Source* are the caller's input dims.
/// </summary>
public sealed record ProloguePlan(
    int SourceDepth, int SourceHeight, int SourceWidth,
    int Scale, UpsampleKind Upsample, bool AlignCorners,
    LayerKind PadLayer, int Left, int Right, int Top, int Bottom, PadMode LayerMode,
    PadMode ConvMode)
{
    public bool Upsamples => Scale > 1;
    public bool PadsLayer => Left + Right + Top + Bottom > 0;
}

/// <summary>
/// A convolution's pre-activation (<c>[Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d)]</c>): an eval-mode BatchNorm
/// (<see cref="NormName"/> empty: none) then an activation (null: none), applied per input channel to each plane of the
/// input as the conv's copy is made (Kernels.PreActivation), before any upsampling or padding, so the conv pads the
/// activated tensor with zeros as PyTorch does. Never folded into the conv's weights: with padding that would be wrong, and
/// without it the copy keeps PyTorch's rounding.
/// </summary>
public sealed record PreActPlan(LayerKind NormKind, string NormName, int Channels, double Eps, bool Affine, ActivationSpec? Activation)
{
    public bool HasNorm => NormKind != LayerKind.Unknown;
}

/// <summary>
/// How much of a conv window a kernel method writes out as straight-line code (the rest is loops). Unrolling lets the
/// JIT fold every tap's offset into its loads, but RyuJIT compiles a method over 60,000 IL bytes, 8,000 local
/// references or 2,000 locals with minimal optimizations and never tiers it up, so the plan bounds it.
/// </summary>
public enum WindowUnroll
{
    /// <summary>Every tap of the window, per input channel.</summary>
    Window,
    /// <summary>One kernel row (its kernel_size taps), in a loop over the window's rows (and planes).</summary>
    Row,
    /// <summary>One tap (the register tile's FMAs), in a loop over every tap.</summary>
    Tap,
}

/// <summary>
/// Linear with everything resolved. Weights are packed in blocks of <see cref="Lanes"/> output features (16 when
/// out_features ≥ 16, so a Vector512 reads a block row at once; else 8). The Vector256 path holds eight output
/// features per vector, <see cref="VectorBlocks"/> vectors in all, <see cref="BlocksPerPass"/> per pass over the
/// input; when out_features is not a multiple of the block the last block starts at out_features − Lanes and
/// recomputes a few outputs instead of a tail loop.
/// </summary>
public sealed record LinearPlan(string Name, int InFeatures, int OutFeatures, bool Bias, int VectorBlocks, int BlocksPerPass, bool Vectorized, int Lanes = 8)
{
    /// <summary>Blocks of <see cref="Lanes"/> output features in the packed weights.</summary>
    public int LaneBlocks => (OutFeatures + Lanes - 1) / Lanes;
    /// <summary>The Vector512 batch kernel: 16-wide blocks, used when the batch has at least <see cref="ModelPlanner.LinearSamplesPerTile512"/> samples.</summary>
    public bool Vectorized512 => Vectorized && Lanes == 16;
    /// <summary>First output feature of Vector256 vector <paramref name="vector"/> (8 features).</summary>
    public int BlockStart(int vector) => System.Math.Min(vector / (Lanes / 8) * Lanes, OutFeatures - Lanes) + vector % (Lanes / 8) * 8;
    /// <summary>Full passes of <see cref="BlocksPerPass"/> vectors over the input per sample (the Vector256 row kernel).</summary>
    public int Passes => VectorBlocks / BlocksPerPass;
    /// <summary>
    /// The most tasks a sample's passes split into at a batch under 4 (which would otherwise be one task): one per
    /// <see cref="ModelPlanner.MinLinearChunkMacs"/> of weights, at most one per pass; 1 (no split) for a small layer.
    /// </summary>
    public int MaxPassChunks => Vectorized ? (int)System.Math.Min(Passes, (long)InFeatures * OutFeatures / ModelPlanner.MinLinearChunkMacs) : 1;
}

/// <summary>How a chain's normalization gets its statistics.</summary>
public enum NormMode
{
    /// <summary>Running statistics, known at load: folded into the conv/linear weights and bias; costs nothing per call.</summary>
    Folded,
    /// <summary>Mean and biased variance per channel over (N, spatial): BatchNorm without running statistics, or in training mode.</summary>
    BatchStatistics,
    /// <summary>
    /// Per contiguous run of <see cref="NormPlan.RunLength"/> elements of one sample: InstanceNorm (a channel's
    /// plane), GroupNorm (a group's channels), LayerNorm (the normalized_shape).
    /// </summary>
    RunStatistics,
}

/// <summary>
/// A normalization with everything resolved. <see cref="EvalMode"/> is how the chain's method computes;
/// <see cref="TrainingMode"/> how the generated training-mode forward does (null without one).
/// </summary>
public sealed record NormPlan(
    LayerKind Kind,
    string Name,
    int Channels,
    double Eps,
    bool Affine,
    bool AffineBias,
    bool Elementwise,
    EquatableArray<int> NormalizedShape,
    int Groups,
    bool TrackRunningStats,
    double Momentum,
    bool CumulativeAverage,
    NormMode EvalMode,
    NormMode? TrainingMode,
    int RunLength);

/// <summary>Max or average pooling (1d, 2d or 3d, cubic window) with PyTorch's floor-mode output size.</summary>
/// <remarks><see cref="ConvWidth"/>: the width of the rows it pools (the conv output's).</remarks>
public sealed record PoolPlan(LayerKind Kind, int Rank, int Kernel, int Stride, int Padding, bool CountIncludePad, int OutDepth, int OutHeight, int OutWidth, int ConvWidth)
{
    public bool IsMax => Kind.IsMaxPool();
    /// <summary>AdaptiveAvgPool2d(1): the mean of each channel's whole plane (Kernel, Stride and Padding are 0).</summary>
    public bool IsGlobal => Kind == LayerKind.AdaptiveAvgPool2d;
    public int KernelD => Rank == 3 ? Kernel : 1;
    public int KernelH => Rank >= 2 ? Kernel : 1;
    public int StrideD => Rank == 3 ? Stride : 1;
    public int StrideH => Rank >= 2 ? Stride : 1;
    public int PaddingD => Rank == 3 ? Padding : 0;
    public int PaddingH => Rank >= 2 ? Padding : 0;
}

/// <summary>One fused chain, ready to emit.</summary>
public sealed record ChainPlan(
    TypeDeclarationSpec Type,
    int Index,
    string MethodName,
    string MethodModifiers,
    string InputParameter,
    string OutputParameter,
    string BatchParameter,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    ConvPlan? Conv,
    LinearPlan? Linear,
    NormPlan? Norm,
    ActivationSpec? Activation,
    PoolPlan? Pool,
    bool TrainingForward = false,
    SplitSpec? Split = null,
    int MaxRowBands = 1,
    string? SkipParameter = null,
    bool Softmax = false,
    string? Block = null,
    int StatBands = 1,
    bool TaskCopy = false,
    int BlocksPerTask = 1,
    bool RowPermute = false,
    int LanePositions = 0,
    bool KeepsFolded = false,
    int LaneChunk = 0,
    bool DepthwiseLanes = false,
    bool ChannelLanes = false)
{
    // DepthwiseLanes: with AVX-512, a depthwise conv on a plane under 16 floats computes 16 channels per Vector512 (ModelPlanner.PlanDepthwiseLanes).
    // ChannelLanes: with Vector256, a depthwise conv with a large window computes 8 channels per Vector256 over their interleaved rows (ModelPlanner.PlanChannelLanes).
    // LaneChunk: input channels per pass of the lane kernel over a group of its tiles (0: one pass over every input channel).
    // KeepsFolded: the chain is part of an InvertedResidualPlan, whose load packs its own copy of the folded weights.
    /// <summary>The chain ends in a residual add: its methods take the skip tensor (of the output's shape) after x.</summary>
    public bool HasSkip => SkipParameter is not null;

    /// <summary>
    /// The shape the chain's Add adds at: the conv (or Linear) output, before any pooling; with no pooling, the output
    /// shape (a Flatten at the end of the list flattens only what the chain hands on).
    /// </summary>
    public EquatableArray<int> AddShape => Pool is null ? OutputShape
        : (Conv!.Rank switch
        {
            1 => new[] { Conv.OutChannels, Conv.OutWidth },
            2 => new[] { Conv.OutChannels, Conv.OutHeight, Conv.OutWidth },
            _ => new[] { Conv.OutChannels, Conv.OutDepth, Conv.OutHeight, Conv.OutWidth },
        }).ToEquatableArray();

    /// <summary>Floats per sample of the tensor the Add adds (<see cref="AddShape"/>).</summary>
    public int AddSize => Product(AddShape);

    /// <summary>The eval-mode forward normalizes with statistics it computes (not folded ones).</summary>
    public bool ComputesStatistics => Norm is { EvalMode: not NormMode.Folded };

    /// <summary>
    /// The rows a conv chain's tasks split into row bands (up to <see cref="MaxRowBands"/>; how many is chosen per call by
    /// Parallelism.RowBands from the threads): the pooled rows when the chain pools
    /// (a band computes the conv rows its pool windows read), else the conv output rows.
    /// </summary>
    public int BandedRows => Pool?.OutHeight ?? Conv!.OutHeight;

    /// <summary>Band <paramref name="band"/> of <paramref name="bands"/>: rows [band·rows/bands, (band+1)·rows/bands) of <see cref="BandedRows"/>.</summary>
    public (int Start, int End) BandRows(int band, int bands) => (band * BandedRows / bands, (band + 1) * BandedRows / bands);

    /// <summary>
    /// The conv output rows band <paramref name="band"/> computes: its own rows, or with pooling the rows its pool
    /// windows read (clipped to the conv output; neighbouring bands share a row where windows overlap).
    /// The generated BlockTask computes the same with the same formula.
    /// </summary>
    public (int Start, int End) BandConvRows(int band, int bands)
    {
        (int start, int end) = BandRows(band, bands);
        if (Pool is not { } p) return (start, end);
        if (p.IsGlobal) return (0, Conv!.OutHeight); // one window: the whole plane (and one band)
        return (System.Math.Max(0, start * p.StrideH - p.PaddingH), System.Math.Min(Conv!.OutHeight, (end - 1) * p.StrideH - p.PaddingH + p.KernelH));
    }

    /// <summary>
    /// Band <paramref name="band"/> of a statistics chain's <see cref="StatBands"/>: conv output rows
    /// [band·OutHeight/StatBands, (band+1)·OutHeight/StatBands) of every depth plane. The generated tasks use the same formula.
    /// </summary>
    public (int Start, int End) StatBandRows(int band) => (band * Conv!.OutHeight / StatBands, (band + 1) * Conv.OutHeight / StatBands);

    public int InputSize => Product(InputShape);
    public int OutputSize => Product(OutputShape);

    public static int Product(EquatableArray<int> shape)
    {
        int size = 1;
        foreach (int d in shape) size *= d;
        return size;
    }
}

/// <summary>
/// How the whole-model Forward runs one chain: where its input and its Add's skip come from (an earlier step's index,
/// <see cref="ModelInput"/>, or <see cref="None"/> for no skip), where its output goes (<see cref="Offset"/> floats per
/// sample into the arena, or <see cref="Output"/>: y), and the last step that reads it (itself when none does).
/// A chain whose input is a Concat has Input = <see cref="Concatenated"/> and <see cref="InputConcat"/>, the index of
/// its <see cref="ConcatPlan"/>; a chain that writes straight into a channel slice of one has
/// <see cref="OutputConcat"/> set, and then <see cref="Offset"/> is the slice's offset within each sample of it.
/// </summary>
public sealed record GraphStep(int Input, int Skip, int Offset, int LastRead, int InputConcat = -1, int OutputConcat = -1)
{
    public const int ModelInput = -1, None = -2, Output = -1, Concatenated = -3;
}

/// <summary>
/// One concatenation in the whole-model Forward: torch.cat(sources, dim=1) as one tensor of <see cref="Size"/> floats
/// per sample at <see cref="Offset"/> (per sample; batch × that at run time) in the arena, which chain
/// <see cref="Consumer"/> reads as its input. It is alive over steps [<see cref="Start"/>, <see cref="LastRead"/>].
/// Sample n of it starts at batch · Offset + n · Size, so a slice's samples are Size apart.
/// </summary>
public sealed record ConcatPlan(int Consumer, int Offset, int Size, int Start, int LastRead, EquatableArray<ConcatPart> Parts);

/// <summary>
/// One source of a concatenation: a chain's output (or <see cref="GraphStep.ModelInput"/>) of <see cref="Size"/>
/// floats per sample, at <see cref="Offset"/> within each sample of the concatenation (its first channel × the plane).
/// <see cref="Direct"/>: the source's chain writes there itself; else the Forward copies it there before the consumer runs.
/// </summary>
public sealed record ConcatPart(int Source, int Offset, int Size, bool Direct);

/// <summary>
/// An inverted residual (MobileNetV2's block) computed as one kernel: chain
/// <see cref="Expand"/> (a 1×1 conv, its norm folded, an activation) feeds only <see cref="Depthwise"/> (a k×k depthwise
/// conv, stride 1 or 2, padding k/2, folded norm, activation), which feeds only <see cref="Project"/> (a 1×1 conv, folded
/// norm, optionally the skip and an activation). The kernel walks the output rows: each input row it needs is expanded
/// once into a ring of <see cref="Kernel"/> rows of the hidden channels (position-major: the channels of one position
/// are contiguous, so the depthwise taps are plain vector loads at any stride), the depthwise row goes to a small buffer,
/// and the projection stores the block's output. The hidden tensors (<see cref="HiddenBytes"/> per sample for the
/// expansion) never leave the core's cache. It runs at Vector512 where that is accelerated, else at Vector256; without
/// either, the three chains run.
/// </summary>
/// <remarks>
/// Tiles: <see cref="Tiles512"/> for Vector512s of 16 channels, <see cref="Tiles256"/> for Vector256s of 8 (a CPU without
/// AVX-512 has 16 vector registers, not 32); the last tile of a row is shifted back to end at the row's end (it
/// recomputes a few positions, identically).
/// <see cref="ChunkRows"/> depthwise rows are projected at once; <see cref="MaxRowBands"/>: the most bands per sample
/// the rows split into for threads (each band expands its own halo rows, so bands are kept long enough that this costs
/// little).
/// </remarks>
public sealed record InvertedResidualPlan(
    string Name,
    int Expand, int Depthwise, int Project,
    int InChannels, int Hidden, int OutChannels,
    int InHeight, int InWidth, int Kernel, int Stride, int OutHeight, int OutWidth,
    ActivationSpec? ExpandActivation, ActivationSpec? DepthwiseActivation, ActivationSpec? ProjectActivation,
    bool Skip,
    BlockTiles Tiles512, BlockTiles Tiles256,
    int ChunkRows, int MaxRowBands)
{
    /// <summary>The depthwise conv's zero padding on each side (kernel_size // 2, PyTorch's "same" for an odd kernel).</summary>
    public int Padding => Kernel / 2;
    /// <summary>Hidden channels rounded up to whole Vector512s (the extra channels have zero weights and bias).</summary>
    public int HiddenPadded => (Hidden + 15) / 16 * 16;
    public int OutPadded => (OutChannels + 15) / 16 * 16;
    /// <summary>Positions of one ring row: the input row with the depthwise padding's zero columns on each side.</summary>
    public int RingWidth => InWidth + 2 * Padding;
    /// <summary>The expanded tensor of one sample in bytes: what the three chains write to memory and read back.</summary>
    public long HiddenBytes => 4L * Hidden * InHeight * InWidth;
    /// <summary>Multiply-adds of one sample (the three convs).</summary>
    public long Macs => (long)InHeight * InWidth * InChannels * Hidden + (long)OutHeight * OutWidth * Hidden * (Kernel * Kernel + OutChannels);
}

/// <summary>
/// The register tiles of an inverted-residual block kernel at one vector width: each step's positions per tile × vectors of
/// channels per tile (expansion: hidden channels; depthwise: hidden channels; projection: output channels).
/// </summary>
public sealed record BlockTiles(int ExpandTile, int ExpandVectors, int DepthwiseTile, int DepthwiseVectors, int ProjectTile, int ProjectVectors);

/// <summary>
/// The whole model: its chains in declaration order (a topological order of the graph), the step of each, and the
/// arena's size in floats per sample (the peak of the tensors alive at once).
/// </summary>
public sealed record ModelPlan(
    TypeDeclarationSpec Type,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    EquatableArray<ChainPlan> Chains,
    EquatableArray<GraphStep> Steps = default,
    int ArenaSize = 0,
    EquatableArray<ConcatPlan> Concats = default,
    EquatableArray<InvertedResidualPlan> InvertedResiduals = default)
{
    /// <summary>Every chain reads the one before and none adds a skip: Forward runs them through two ping-pong buffers.</summary>
    public bool IsStraight
    {
        get
        {
            for (int i = 0; i < Steps.Count; i++)
                if (Steps[i].Input != i - 1 || Steps[i].Skip != GraphStep.None) return false;
            return true;
        }
    }

    /// <summary>The largest per-sample size handed from one chain to the next (0 for a one-chain model).</summary>
    public int LargestIntermediate => Largest(Chains);

    /// <summary>The largest output of all but the last of <paramref name="chains"/>: what runs between them needs that much.</summary>
    public static int Largest(System.Collections.Generic.IReadOnlyList<ChainPlan> chains)
    {
        int largest = 0;
        for (int i = 0; i + 1 < chains.Count; i++) largest = System.Math.Max(largest, chains[i].OutputSize);
        return largest;
    }
}
