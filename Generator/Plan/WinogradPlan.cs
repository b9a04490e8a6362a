using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Plan;

/// <summary>
/// A 3×3 stride-1 convolution run as Winograd F(4×4, 3×3) (or F(2×2, 3×3) on planes under 8×8, <see cref="Tile"/> 2)
/// instead of the direct kernel: the output plane is cut into <see cref="TilesH"/> × <see cref="TilesW"/> tiles of 4×4
/// (the last row and column of tiles partial when the plane is not a multiple of 4), each computed from a 6×6 input tile
/// with 36 multiplies per (input, output) channel pair instead of 144 (2×2 tiles from 4×4 input tiles: 16 instead of
/// 36). Two steps per call: (sample, band of <see cref="TransformRows"/> tile rows) tasks transform the
/// input of every tile once into a buffer of the call; then (sample, group of <see cref="GroupTiles"/> consecutive tiles,
/// chunk of the output-channel panel pairs) tasks run the 36 GEMMs and the output transform with the epilogue. A group
/// streams all its chunk's transformed weights once, so the plan makes the groups as large as the cache allows and
/// splits the panels into <see cref="ChannelChunks"/> first: the weights are 4× the direct kernel's, and at batch 1 on a
/// small plane reading them is what the GEMM waits on.
/// </summary>
/// <remarks>
/// A chain whose norm computes per-sample statistics (<see cref="Statistics"/>) adds a third step: the GEMM tasks store the
/// raw conv output and add each stored tile to its channel's moments of the task's tile group (one Moments per sample, tile
/// group and channel); then (sample, range of channels) tasks, <see cref="NormalizeTasks"/> per sample, merge each run's
/// moments (its channels in order, each channel's tile groups in order) and normalize their channels in place. The tile
/// groups come from the shape, never from the threads: the same bits at any thread count.
/// </remarks>
public sealed record WinogradPlan(int TilesH, int TilesW, int GroupTiles, int ChannelChunks, int Panels, int TransformRows, bool Asked = true, int Tile = 4, int NormalizeTasks = 0)
{
    /// <summary>Whether the chain's norm computes statistics: the tile store writes raw outputs and moments, a normalize step follows.</summary>
    public bool Statistics => NormalizeTasks > 0;
    /// <summary>Input tile edge: <see cref="Tile"/> + 2.</summary>
    public int Window => Tile + 2;
    /// <summary>Transform positions per tile (one GEMM each): 36 for F(4×4, 3×3), 16 for F(2×2, 3×3).</summary>
    public int Positions => Window * Window;
    /// <summary>"F(4×4,3×3)" or "F(2×2,3×3)".</summary>
    public string Algorithm => $"F({Tile}×{Tile},3×3)";
    public int Tiles => TilesH * TilesW;
    /// <summary>Pairs of 16-channel panels (the GEMM takes two at once; the last pair may be one panel).</summary>
    public int Pairs => (Panels + 1) / 2;
    public int TileGroups => (Tiles + GroupTiles - 1) / GroupTiles;
    public int TasksPerSample => TileGroups * ChannelChunks;
    /// <summary>Input-transform tasks per sample: bands of <see cref="TransformRows"/> tile rows.</summary>
    public int TransformTasks => (TilesH + TransformRows - 1) / TransformRows;
    /// <summary>Input rows a transform task copies: the 6-row (or 4-row) windows of its tile rows.</summary>
    public int CopyRows => TransformRows * Tile + 2;
    /// <summary>Columns of that copy: every tile column's window (the padding and the partial tiles' overhang are zeros).</summary>
    public int CopyColumns => TilesW * Tile + 2;
}

/// <summary>Decides, per conv chain, between the direct kernel and Winograd F(4×4, 3×3) (see <see cref="Choose"/>).</summary>
public static class WinogradPlanner
{
    /// <summary>Output tile edge of F(4×4, 3×3).</summary>
    public const int Tile = 4;
    /// <summary>Output tile edge of F(2×2, 3×3), for planes under <see cref="MinPlane"/>.</summary>
    public const int SmallTile = 2;
    /// <summary>
    /// The fewest input and output channels for Winograd: the transforms cost about as much per (tile, channel) as 16–32
    /// of the GEMM's multiply-adds, so they pay off only when each transformed value feeds many channels. Measured on
    /// 2026-12-02's host against Winograd = false in one process: 16 → 16 channels with BN + ReLU 1.30× (64²) and 1.74× (16²)
    /// at 1 thread, 1.41× and 2.3× at 2; with GroupNorm + SiLU on 64² 1.24–1.55× and 1.59×; 32 → 16 1.54× and 1.71×.
    /// At 32 channels: BN + ReLU 1.94× (64²) and 2.0× (32²) at 1 thread, 1.77× and 2.0× at 2; InstanceNorm + ReLU on 64²
    /// 1.85× / 1.71×; LayerNorm + GELU on 32² 1.26× / 1.43×. (Out channels below 16 are not a whole GEMM panel.) The plan
    /// picks F(4×4, 3×3) by itself wherever it can run it (the 64-channel rule it had was measured on a host whose Vector512
    /// FMAs ran at 1.5× its Vector256 rate); F(2×2, 3×3) only from <see cref="AutoMinSmallChannels"/>.
    /// </summary>
    public const int MinChannels = 16;
    /// <summary>Input channels per vector of the input transform (Runtime's Winograd.Lanes): in_channels must be a multiple.</summary>
    public const int InputLanes = 8;
    /// <summary>
    /// The same for F(2×2, 3×3) (planes under <see cref="MinPlane"/>): measured against the direct kernel in one process on
    /// 5×5, 6×6 and 7×7 planes, faster at 1 and 2 threads from 256 channels (1.15–1.6×), mixed at 128, slower at 64.
    /// </summary>
    public const int AutoMinSmallChannels = 256;
    /// <summary>Output channels per GEMM panel (one Vector512, two Vector256s): out_channels must be a multiple.</summary>
    public const int Panel = 16;
    /// <summary>
    /// The smallest plane edge for F(4×4, 3×3): below 8 a plane has too few tiles for the GEMMs (a 7×7 plane is 4 tiles, so
    /// each weight loaded serves 4 multiplies) and they run F(2×2, 3×3) instead (16 tiles on 7×7).
    /// </summary>
    public const int MinPlane = 8;
    /// <summary>The smallest plane edge for F(2×2, 3×3): below, fewer than 9 tiles.</summary>
    public const int MinSmallPlane = 5;
    /// <summary>
    /// Bytes of one position's transformed input a GEMM reads for a group (tiles · in_channels floats), kept in L1/L2 while
    /// the chunk's weights for that position stream past it; the larger the group, the more tiles each weight serves.
    /// </summary>
    public const int GroupInputBytes = 128 * 1024;
    /// <summary>Bytes of a GEMM task's products for two panels (36 · 2 · tiles · 16 floats), read back by the output transform.</summary>
    public const int GroupProductBytes = 512 * 1024;
    /// <summary>Tiles per GEMM register tile (Vector512: 8 tiles × 16 channels): tile groups are a multiple of it.</summary>
    public const int GemmTiles = 8;
    /// <summary>Tasks per sample the split aims for, so that a batch of 1 keeps two to four threads busy.</summary>
    public const int MinTasksPerSample = 4;

    /// <summary>A dense 2d 3×3 conv with stride 1 and dilation 1: one whose fusion plan says why it is not Winograd when it is not.</summary>
    public static bool LooksLikeCandidate(ConvPlan conv) =>
        conv.Rank == 2 && conv.Kernel == 3 && conv.Stride == 1 && conv.Dilation == 1 && conv.Outer is null && conv.Transposed is null && !conv.Identity && conv.Groups == 1;

    /// <summary>
    /// The Winograd plan for <paramref name="conv"/>, or null and the reason when the direct kernel must run it: only a 2d 3×3
    /// conv with stride 1, dilation 1, groups 1 and zero padding read straight from the input (no prologue, input pool or
    /// transposed conv), at least <see cref="MinChannels"/> input and output channels, output channels a multiple of
    /// <see cref="Panel"/>, a plane of at least <see cref="MinPlane"/>² outputs, and an epilogue the tile store applies (a
    /// folded norm or none, a residual add, an activation, the global average pool; no other pooling, no training forward),
    /// or per-sample statistics whose runs are whole channel planes (InstanceNorm, GroupNorm, LayerNorm over [.., H, W]): the
    /// tile store then writes the raw conv output and adds each tile to its channel's moments, and a normalize step follows
    /// (see <see cref="WinogradPlan.Statistics"/>). With the global average (<paramref name="pool"/> global: a classifier head, ResNet's last conv) one
    /// tile group holds every tile of the sample, so each task stores its channels' whole planes and sums them itself.
    /// </summary>
    public static (WinogradPlan? Plan, string Reason) Choose(ConvPlan conv, NormPlan? norm, PoolPlan? pool, bool trainingForward, bool asked = true)
    {
        bool globalPool = pool is { IsGlobal: true };
        string? reason =
            conv.Kernel != 3 || conv.Stride != 1 || conv.Dilation != 1 ? $"the conv is {conv.Kernel}×{conv.Kernel}, stride {conv.Stride}, dilation {conv.Dilation}; Winograd F(4×4, 3×3) needs 3×3, stride 1, dilation 1" :
            conv.Outer is not null ? "the conv's kernel, stride, padding or dilation differs between its dims (a per-dim tuple); Winograd F(4×4, 3×3) needs a square 3×3 window" :
            conv.PreAct is not null ? "the conv applies a BatchNorm or activation to its input as it copies it (pre-activation); Winograd reads the input directly" :
            conv.Groups != 1 ? $"the conv has groups = {conv.Groups}; Winograd needs groups = 1" :
            conv.Transposed is not null ? "a transposed conv runs on its upsampled copy" :
            conv.InputPool is not null || conv.Prologue is not null ? "the conv reads a copy made by a prologue (a pool, an upsample, a padding layer or a padding_mode other than zeros)" :
            trainingForward ? "the chain has a training forward (which updates running statistics); Winograd runs eval forwards only" :
            norm is { EvalMode: NormMode.BatchStatistics } ? "the norm uses batch statistics (one mean per channel over the batch); Winograd's statistics are per sample (InstanceNorm, GroupNorm, LayerNorm)" :
            norm is { EvalMode: NormMode.RunStatistics } && pool is not null ? "the chain computes statistics and pools; Winograd's statistics chains end in the normalize step" :
            norm is { EvalMode: NormMode.RunStatistics } && norm.RunLength % (conv.OutHeight * conv.OutWidth) != 0 ? $"the norm's statistics runs ({norm.RunLength} elements) are not whole {conv.OutHeight}×{conv.OutWidth} planes; Winograd's tiles add to one run per channel" :
            pool is not null && !globalPool ? "the chain pools with a window; Winograd's tile store takes only the global average" :
            conv.InChannels < MinChannels || conv.OutChannels < MinChannels ? $"the conv has {conv.InChannels} → {conv.OutChannels} channels; Winograd needs at least {MinChannels} of each" :
            conv.OutChannels % Panel != 0 ? $"out_channels ({conv.OutChannels}) is not a multiple of {Panel}" :
            conv.OutHeight < MinSmallPlane || conv.OutWidth < MinSmallPlane ? $"the output plane is {conv.OutHeight}×{conv.OutWidth}; Winograd needs at least {MinSmallPlane}×{MinSmallPlane}" :
            conv.InChannels % InputLanes != 0 ? $"in_channels ({conv.InChannels}) is not a multiple of {InputLanes}; Winograd's input transform takes {InputLanes} channels per vector" :
            conv.Rank != 2 ? "only Conv2d runs as Winograd" : null;
        // F(4×4, 3×3) where the plane has room for its tiles, F(2×2, 3×3) below (more tiles per GEMM, fewer saved multiplies).
        int edge = conv.OutHeight >= MinPlane && conv.OutWidth >= MinPlane ? Tile : SmallTile, positions = (edge + 2) * (edge + 2);
        // Not asked for: F(4×4) wherever it runs (MinChannels); F(2×2) only where it was measured faster than the direct
        // kernel (256 and 512 channels on 5²-7²).
        reason ??= !asked && edge == SmallTile && (conv.InChannels < AutoMinSmallChannels || conv.OutChannels < AutoMinSmallChannels)
            ? $"the conv has {conv.InChannels} → {conv.OutChannels} channels on a {conv.OutHeight}×{conv.OutWidth} plane; the plan picks Winograd F(2×2, 3×3) for planes under {MinPlane}×{MinPlane} from {AutoMinSmallChannels} channels of each (Winograd = true asks for it from {MinChannels})"
            : null;
        if (reason is not null) return (null, reason);

        int tilesH = (conv.OutHeight + edge - 1) / edge, tilesW = (conv.OutWidth + edge - 1) / edge, tiles = tilesH * tilesW;
        // The GEMM's tile group: every tile of the sample where the cache allows (each group streams the weights once).
        int most = System.Math.Min(GroupInputBytes / (conv.InChannels * sizeof(float)), GroupProductBytes / (positions * 2 * 16 * sizeof(float)));
        if (globalPool && tiles > most)
            return (null, $"the chain ends in the global average pool, which Winograd's tasks take only when one group holds every tile of the plane; {tiles} tiles of {conv.InChannels} channels are more than {most}");
        int group = System.Math.Max(GemmTiles, System.Math.Min(most, tiles + GemmTiles - 1) / GemmTiles * GemmTiles);
        if (globalPool) group = (tiles + GemmTiles - 1) / GemmTiles * GemmTiles; // one group: each task owns its channels' planes
        int Groups(int g) => (tiles + g - 1) / g;
        // Enough tasks for the threads: chunks of panel pairs first (no weight is read twice), then smaller groups.
        int panels = conv.OutChannels / Panel, pairs = (panels + 1) / 2;
        int chunks = System.Math.Min(pairs, (MinTasksPerSample + Groups(group) - 1) / Groups(group));
        while (!globalPool && Groups(group) * chunks < MinTasksPerSample && group > GemmTiles) group -= GemmTiles;
        // Groups of equal size (to a GEMM register tile): 64 tiles in two groups of 32, not 56 and 8, so the last group's
        // tasks are not a fraction of the others' and two threads get even work.
        if (!globalPool) group = ((tiles + Groups(group) - 1) / Groups(group) + GemmTiles - 1) / GemmTiles * GemmTiles;
        // The input transform: bands of tile rows, about MinTasksPerSample of them.
        int transformRows = System.Math.Max(1, tilesH / MinTasksPerSample);
        // Statistics: the normalize step's tasks, ranges of channels (a range merges the moments of the runs it touches).
        int normalizeTasks = norm is { EvalMode: NormMode.RunStatistics } ? System.Math.Min(conv.OutChannels, MinTasksPerSample) : 0;
        return (new WinogradPlan(tilesH, tilesW, group, chunks, panels, transformRows, asked, edge, normalizeTasks), "");
    }
}
