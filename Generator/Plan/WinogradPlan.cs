using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Plan;

/// <summary>
/// A 3×3 stride-1 convolution run as Winograd F(4×4, 3×3) instead of the direct kernel: the output plane is cut into
/// <see cref="TilesH"/> × <see cref="TilesW"/> tiles of 4×4 (the last row and column of tiles partial when the plane is
/// not a multiple of 4), each computed from a 6×6 input tile with 36 multiplies per (input, output) channel pair
/// instead of 144. A task is (sample, group of <see cref="GroupTiles"/> consecutive tiles, chunk of the output-channel
/// panels): it transforms its tiles' input once, then per panel of 16 output channels runs the 36 GEMMs and the output
/// transform with the epilogue. <see cref="ChannelChunks"/> &gt; 1 only when the tile groups alone make too few tasks.
/// </summary>
public sealed record WinogradPlan(int TilesH, int TilesW, int GroupTiles, int ChannelChunks, int Panels, bool Asked = true)
{
    public int Tiles => TilesH * TilesW;
    /// <summary>Input rows a task's interleaved copy holds: the 6-row windows of the most tile rows a group of consecutive tiles can touch.</summary>
    public int CopyRows => (System.Math.Min(TilesH, (GroupTiles + TilesW - 2) / TilesW + 1) - 1) * Tile + 6;
    /// <summary>Columns of that copy: every tile column's window (the padding and the partial tiles' overhang are zeros).</summary>
    public int CopyColumns => TilesW * Tile + 2;
    private const int Tile = 4;
    public int TileGroups => (Tiles + GroupTiles - 1) / GroupTiles;
    public int TasksPerSample => TileGroups * ChannelChunks;
}

/// <summary>Decides, per conv chain, between the direct kernel and Winograd F(4×4, 3×3) (see <see cref="Choose"/>).</summary>
public static class WinogradPlanner
{
    /// <summary>Output tile edge of F(4×4, 3×3).</summary>
    public const int Tile = 4;
    /// <summary>
    /// The fewest input and output channels for Winograd: the transforms cost about as much per (tile, channel) as 16–32
    /// of the GEMM's multiply-adds, so they pay off only when each transformed value feeds many channels.
    /// </summary>
    public const int MinChannels = 32;
    /// <summary>Input channels per vector of the input transform (Runtime's Winograd.Lanes): in_channels must be a multiple.</summary>
    public const int InputLanes = 8;
    /// <summary>
    /// The fewest input and output channels at which the plan picks Winograd by itself (the argument not written): measured
    /// faster than the direct kernel at 64, 128 and 256 channels (ResNet's 3×3 blocks); below, only when asked for.
    /// </summary>
    public const int AutoMinChannels = 64;
    /// <summary>Output channels per GEMM panel (one Vector512, two Vector256s): out_channels must be a multiple.</summary>
    public const int Panel = 16;
    /// <summary>The smallest plane edge: below 8 the partial tiles waste most of the work (a 7×7 plane computes 8×8).</summary>
    public const int MinPlane = 8;
    /// <summary>
    /// Bytes of transformed input a task keeps (36 · tiles · in_channels floats): half a core's L2 (2 MB here), so the
    /// panel of transformed weights each GEMM streams fits beside it; the larger the group, the more tiles each weight serves.
    /// </summary>
    public const int TransformedInputBytes = 1024 * 1024;
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
    /// folded norm or none, a residual add, an activation; no pooling, no statistics, no training forward).
    /// </summary>
    public static (WinogradPlan? Plan, string Reason) Choose(ConvPlan conv, NormPlan? norm, bool pool, bool trainingForward, bool asked = true)
    {
        string? reason =
            conv.Kernel != 3 || conv.Stride != 1 || conv.Dilation != 1 ? $"the conv is {conv.Kernel}×{conv.Kernel}, stride {conv.Stride}, dilation {conv.Dilation}; Winograd F(4×4, 3×3) needs 3×3, stride 1, dilation 1" :
            conv.Outer is not null ? "the conv's kernel, stride, padding or dilation differs between its dims (a per-dim tuple); Winograd F(4×4, 3×3) needs a square 3×3 window" :
            conv.PreAct is not null ? "the conv applies a BatchNorm or activation to its input as it copies it (pre-activation); Winograd reads the input directly" :
            conv.Groups != 1 ? $"the conv has groups = {conv.Groups}; Winograd needs groups = 1" :
            conv.Transposed is not null ? "a transposed conv runs on its upsampled copy" :
            conv.InputPool is not null || conv.Prologue is not null ? "the conv reads a copy made by a prologue (a pool, an upsample, a padding layer or a padding_mode other than zeros)" :
            trainingForward || norm is { EvalMode: not NormMode.Folded } ? "the norm computes statistics (or the chain has a training forward); Winograd's epilogue applies folded norms only" :
            pool ? "the chain pools; Winograd's tile store does not" :
            conv.InChannels < MinChannels || conv.OutChannels < MinChannels ? $"the conv has {conv.InChannels} → {conv.OutChannels} channels; Winograd needs at least {MinChannels} of each" :
            conv.OutChannels % Panel != 0 ? $"out_channels ({conv.OutChannels}) is not a multiple of {Panel}" :
            conv.OutHeight < MinPlane || conv.OutWidth < MinPlane ? $"the output plane is {conv.OutHeight}×{conv.OutWidth}; Winograd needs at least {MinPlane}×{MinPlane}" :
            conv.InChannels % InputLanes != 0 ? $"in_channels ({conv.InChannels}) is not a multiple of {InputLanes}; Winograd's input transform takes {InputLanes} channels per vector" :
            conv.Rank != 2 ? "only Conv2d runs as Winograd" : null;
        // Not asked for: only where it was measured faster than the direct kernel (64-256 channels on 14²-56² planes).
        reason ??= !asked && (conv.InChannels < AutoMinChannels || conv.OutChannels < AutoMinChannels)
            ? $"the conv has {conv.InChannels} → {conv.OutChannels} channels; the plan picks Winograd from {AutoMinChannels} of each (Winograd = true asks for it from {MinChannels})"
            : null;
        if (reason is not null) return (null, reason);

        int tilesH = (conv.OutHeight + Tile - 1) / Tile, tilesW = (conv.OutWidth + Tile - 1) / Tile, tiles = tilesH * tilesW;
        int perTile = 36 * conv.InChannels * sizeof(float);
        int group = System.Math.Max(GemmTiles, TransformedInputBytes / perTile / GemmTiles * GemmTiles);
        group = System.Math.Min(group, (tiles + GemmTiles - 1) / GemmTiles * GemmTiles);
        int Groups(int g) => (tiles + g - 1) / g;
        while (Groups(group) < MinTasksPerSample && group > GemmTiles) group -= GemmTiles;
        int panels = conv.OutChannels / Panel;
        int chunks = System.Math.Min(panels, (MinTasksPerSample + Groups(group) - 1) / Groups(group));
        return (new WinogradPlan(tilesH, tilesW, group, chunks, panels, asked), "");
    }
}
