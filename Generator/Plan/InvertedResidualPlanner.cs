using System;
using System.Collections.Generic;
using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Plan;

/// <summary>
/// Finds the inverted residuals of a planned graph (expand 1×1 → depthwise k×k → project 1×1, each chain read only by
/// the next) whose output rows split into at least two bands and whose 1×1 weights stay in L2, and plans one kernel for
/// each (<see cref="InvertedResidualPlan"/>).
/// Measured on MobileNetV2 (Benchmarks' <c>blocks</c> mode, the same model with block kernels on and off, alternated, and
/// <c>network-profile … chains</c>, each block's share of a profile with and without): the block kernel is faster than the
/// three chains at 1 thread on planes from 14×14 up, not only where the expanded tensor overflows the cache; at 2 threads,
/// only where its rows make bands for both threads; and not where its 1×1 weights spill from L2 (224²'s 7×7 blocks with
/// 960 hidden channels: <see cref="MaxWeightBytes"/>). The chains themselves stay as they are: they run where the CPU has no Vector512,
/// and each stays callable alone.
/// </summary>
public static class InvertedResidualPlanner
{
    /// <summary>
    /// The least output rows per band, in halo rows: a band expands the K − stride input rows above its first window again
    /// (its halo), so a band of r output rows expands r · stride + (K − stride) rows for r · stride of new ones. At 2/3 halo
    /// row per new row at most (3×3 stride 1: bands of 3 rows or more; stride 2: 1 row), two threads still share a 7×7
    /// block (bands of 3 and 4 rows, 29 % more expansion, each thread ~64 % of it).
    /// </summary>
    private const double HaloRowsPerRow = 2.0 / 3.0;

    /// <summary>
    /// The most bytes of 1×1 weights (expand and project: hidden × (in + out) floats) a block kernel takes: three quarters of
    /// a 1 MB L2, the rest for the rows in flight. It reads them again for every row, where each chain reads them once per
    /// tile of positions. Measured per block (perf shares of the same model with block kernels and with its chains, 1 thread):
    /// MobileNetV2 224²'s features.15–17 (1.2–1.8 MB of weights on 7×7 planes) ran 1.15–1.21× faster as chains;
    /// features.12–13 (442 KB) 1.05× faster fused, features.14 (590 KB) 0.96×; at 96², the 6×6 blocks (197–590 KB) ran
    /// about 1.4× faster fused.
    /// </summary>
    public const int MaxWeightBytes = 768 * 1024;

    /// <summary>The most accumulators a tile keeps (of the 32 Vector512 registers; the rest hold weights and inputs).</summary>
    public const int TileAccumulators = 24;
    /// <summary>The same at Vector256 (16 registers without AVX-512): a depthwise tile also holds its K = 3 weights and an input.</summary>
    public const int TileAccumulators256 = 12;

    /// <summary>
    /// The inverted residuals of <paramref name="chains"/>, and <paramref name="chains"/> with their members marked
    /// (<see cref="ChainPlan.KeepsFolded"/>).
    /// </summary>
    public static List<InvertedResidualPlan> Plan(List<ChainPlan> chains, IReadOnlyList<GraphStep> steps)
    {
        var found = new List<InvertedResidualPlan>();
        for (int i = 0; i + 2 < chains.Count; i++)
        {
            if (Match(chains, steps, i) is not { } plan) continue;
            if (found.Exists(f => f.Name == plan.Name)) plan = plan with { Name = plan.Name + "_" + i };
            found.Add(plan);
            for (int k = i; k < i + 3; k++) chains[k] = chains[k] with { KeepsFolded = true };
            i += 2;
        }
        return found;
    }

    private static InvertedResidualPlan? Match(List<ChainPlan> chains, IReadOnlyList<GraphStep> steps, int i)
    {
        ChainPlan e = chains[i], d = chains[i + 1], p = chains[i + 2];
        GraphStep se = steps[i], sd = steps[i + 1], sp = steps[i + 2];
        // The graph: the expansion's output is read by the depthwise conv alone, its output by the projection alone, and
        // none of the three reads or writes a concatenation's slice (those run one sample at a time).
        if (sd.Input != i || sp.Input != i + 1 || se.LastRead != i + 1 || sd.LastRead != i + 2) return null;
        if (se.Input == GraphStep.Concatenated || se.OutputConcat >= 0 || sd.OutputConcat >= 0 || sp.OutputConcat >= 0) return null;
        // Nor does it read a tensor that is a slice of a concatenation (its samples are the concatenation's size apart).
        if (se.Input >= 0 && steps[se.Input].OutputConcat >= 0 || sp.Skip >= 0 && steps[sp.Skip].OutputConcat >= 0) return null;
        if (e.HasSkip || d.HasSkip) return null;
        if (!Plain(e) || !Plain(d) || !Plain(p)) return null;
        ConvPlan ce = e.Conv!, cd = d.Conv!, cp = p.Conv!;
        if (!Pointwise(ce) || !Pointwise(cp)) return null;
        // The depthwise conv: one channel per group, an odd square kernel padded by half of it, stride 1 or 2.
        int hidden = ce.OutChannels;
        int kernel = cd.Kernel, padding = cd.CopyPadding + cd.Padding;
        if (cd.Groups != hidden || cd.InChannels != hidden || cd.OutChannels != hidden) return null;
        if (kernel % 2 == 0 || kernel > 7 || cd.Dilation != 1 || cd.Stride is < 1 or > 2) return null;
        if (cd.StrideH != cd.Stride || cd.KernelH != kernel || cd.DilationH != 1 || padding != kernel / 2 || cd.CopyPaddingH + cd.Padding != padding) return null;
        if (cp.InChannels != hidden) return null;

        int inH = ce.OutHeight, inW = ce.OutWidth, outH = cd.OutHeight, outW = cd.OutWidth;
        // The block kernel reads both 1×1 convs' weights again for every row it expands and projects: cheap while they stay
        // in L2, not once they spill from it (MaxWeightBytes).
        if ((long)hidden * (ce.InChannels + cp.OutChannels) * sizeof(float) > MaxWeightBytes) return null;
        int hiddenVectors = (hidden + 15) / 16, outVectors = (cp.OutChannels + 15) / 16;
        (int expandTile, int expandVectors) = RowTile(inW, hiddenVectors, TileAccumulators);
        (int depthwiseTile, int depthwiseVectors) = RowTile(outW, hiddenVectors, TileAccumulators);
        int chunkRows = Math.Max(1, Math.Min(outH, (48 + outW - 1) / outW));
        // The projection's tiles run over a chunk's positions across rows (ChunkRows · OutW, or a band's last rows: at least
        // one row), so a tile has at most OutW positions. One or two output vectors: up to 12 positions; more: the 4–8
        // positions that waste the fewest over a chunk (7 on 7×7: 49 = 7 × 7, where 6 computed 54).
        int projectVectors, projectTile;
        if (outVectors <= 2) { projectVectors = outVectors; projectTile = Math.Min(outW, Math.Min(12, TileAccumulators / projectVectors)); }
        else (projectTile, projectVectors) = RowTile(chunkRows * outW, outVectors, TileAccumulators, Math.Min(8, outW));
        // Vector256: 8 channels per vector, 12 accumulators (16 registers: the tile, a row of weights, an input).
        (int expandTile256, int expandVectors256) = RowTile(inW, 2 * hiddenVectors, TileAccumulators256);
        (int depthwiseTile256, int depthwiseVectors256) = RowTile(outW, 2 * hiddenVectors, TileAccumulators256);
        int projectVectors256 = Math.Min(2 * outVectors, 2);
        int projectTile256 = Math.Min(outW, TileAccumulators256 / projectVectors256);
        int stride = cd.Stride;
        int halo = Math.Max(0, kernel - stride);
        int minRows = Math.Max(1, (int)Math.Ceiling(halo / (HaloRowsPerRow * stride)));
        int maxBands = Math.Min(ModelPlanner.MaxTasksPerSample, outH / minRows);
        // A block whose rows cannot make two bands would run on one thread at batch 1, where its three chains split their
        // channel blocks across the threads: it stays three chains (MobileNetV2's 3×3 planes at 96²). The results must not
        // depend on the thread count, so this is decided here, not per call.
        if (maxBands < 2) return null;

        return new InvertedResidualPlan(
            BlockName(e, p), i, i + 1, i + 2,
            ce.InChannels, hidden, cp.OutChannels, inH, inW, kernel, stride, outH, outW,
            e.Activation, d.Activation, p.Activation, p.HasSkip,
            new BlockTiles(expandTile, expandVectors, depthwiseTile, depthwiseVectors, projectTile, projectVectors),
            new BlockTiles(expandTile256, expandVectors256, depthwiseTile256, depthwiseVectors256, projectTile256, projectVectors256),
            chunkRows, maxBands);
    }

    /// <summary>A 2d conv chain with a folded norm (or none) and nothing else the block kernel would have to do.</summary>
    private static bool Plain(ChainPlan c) =>
        c.Conv is { Rank: 2, IsCubic: true, Transposed: null, InputPool: null, Prologue: null, PreAct: null, Identity: false }
        && c.Pool is null && c.Split is null && !c.TrainingForward && !c.Softmax
        && (c.Norm is null || c.Norm.EvalMode == NormMode.Folded);

    private static bool Pointwise(ConvPlan c) =>
        c.Kernel == 1 && c.Stride == 1 && c.CopyPadding + c.Padding == 0 && c.CopyPaddingH + c.Padding == 0 && c.Groups == 1 && c.Dilation == 1;

    /// <summary>
    /// Positions × vectors of a tile over rows of <paramref name="width"/> positions: the whole row when it has at most
    /// <paramref name="most"/> (default accumulators / 3: 8 at Vector512), else between half that and that many, with the fewest computed twice by the
    /// shifted-back last tile (then the most); vectors up to 4, within <paramref name="accumulators"/>.
    /// </summary>
    public static (int Tile, int Vectors) RowTile(int width, int vectors, int accumulators, int most = 0)
    {
        if (most <= 0) most = accumulators / 3; // 8 positions × 3 vectors at Vector512, 4 × 3 at Vector256
        int tile = Math.Min(width, most);
        if (width > most)
        {
            int bestWaste = int.MaxValue;
            for (int t = most; t >= most / 2; t--)
            {
                int waste = (width + t - 1) / t * t - width;
                if (waste < bestWaste) { bestWaste = waste; tile = t; }
            }
        }
        return (tile, Math.Min(vectors, Math.Min(4, accumulators / tile)));
    }

    /// <summary>
    /// The block kernel's name: the chains' shared block-use prefix + "InvertedResidual" (Features_2_Expand … →
    /// Features_2_InvertedResidual), else the expansion's method name + "InvertedResidual".
    /// </summary>
    private static string BlockName(ChainPlan expand, ChainPlan project)
    {
        string a = expand.MethodName, b = project.MethodName;
        int common = 0;
        while (common < a.Length && common < b.Length && a[common] == b[common]) common++;
        int cut = a.LastIndexOf('_', Math.Max(0, common - 1));
        return cut > 0 && common > 0 ? a.Substring(0, cut) + "_InvertedResidual" : a + "InvertedResidual";
    }
}
