using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// The kernel of a conv chain the plan runs as Winograd F(4×4, 3×3) or F(2×2, 3×3) (<see cref="WinogradPlan"/>): weights
/// transformed at load, then per task the input transform of a group of tiles, the 36 (16) GEMMs per 16-channel panel and
/// the output transform (Runtime's Kernels.Winograd and Kernels.WinogradF2), with the chain's epilogue (residual add,
/// activation) and the store of each tile emitted here.
/// </summary>
internal static class WinogradEmitter
{
    private const string Ref = "ref float";

    /// <summary>Kernel method names say the algorithm: Winograd F(4×4,3×3) or F(2×2,3×3) of the chain's conv and epilogue.</summary>
    public static string Name(ChainPlan chain) => $"WinogradF{chain.Conv!.Winograd!.Tile}x{chain.Conv.Winograd.Tile}_{Tag(chain)}";

    /// <summary>The Runtime class with the plan's transforms.</summary>
    private static string Transforms(WinogradPlan p) => p.Tile == 4 ? "Winograd" : "WinogradF2";

    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        WinogradPlan p = c.Winograd!;
        w.Line($"private const int InC = {c.InChannels}, InH = {c.SourceHeight}, InW = {c.SourceWidth}, Padding = {c.CopyPadding}; // the caller's input, read as it is: the padding reads as zeros");
        w.Line($"private const int OutC = {c.OutChannels}, ConvH = {c.OutHeight}, ConvW = {c.OutWidth}, ConvSpatial = ConvH * ConvW;");
        w.Line("private const int XSize = InC * InH * InW; // one sample of the input");
        int t = p.Tile, positions = p.Positions;
        w.Line($"private const int TilesH = {p.TilesH}, TilesW = {p.TilesW}, Tiles = TilesH * TilesW; // {t}×{t} output tiles{(c.OutHeight % t != 0 || c.OutWidth % t != 0 ? " (the last row or column of them partial)" : "")}");
        w.Line($"private const int TransformRows = {p.TransformRows}, TransformTasks = {p.TransformTasks}; // step 1: tile rows per input-transform task, tasks per sample");
        w.Line($"private const int CopyRows = {p.CopyRows}, CopyColumns = {p.CopyColumns}; // the input rows and columns a transform task reads, copied with the channels interleaved by 8");
        w.Line($"private const int GroupTiles = {p.GroupTiles}, TileGroups = {p.TileGroups}; // step 2: tiles per GEMM task (each group streams its chunk's transformed weights once)");
        w.Line($"private const int Panels = {p.Panels}, Pairs = {p.Pairs}, ChannelChunks = {p.ChannelChunks}; // panels of 16 output channels, pairs of them; a GEMM task computes one chunk of the pairs");
        w.Line("// Floats per transform position of V (every tile × InC) and of M (a group's tiles × 16), each plus one cache line: pitches that are");
        w.Line($"// multiples of 4 KB would put the {positions} positions of a tile in the same L1 sets (and make loads wait on unrelated stores).");
        w.Line($"private const int VPitch = Tiles * InC + 16, VSize = {positions} * VPitch, MPitch = GroupTiles * 16 + 16; // VSize: one sample's transformed input");
        bool pool = chain.Pool is not null; // the global average (WinogradPlanner takes no other pool)
        w.Line(pool
            ? $"private const int CopySize = InC * CopyRows * CopyColumns, Scratch = 2 * {positions} * MPitch + 16 * {t * t} + 16 * ConvSpatial; // a transform task's copy; a GEMM task's M of two panels, one output tile and one panel's planes for the pool"
            : $"private const int CopySize = InC * CopyRows * CopyColumns, Scratch = 2 * {positions} * MPitch + 16 * {t * t}; // a transform task's copy; a GEMM task's M of two panels and one output tile");
        if (chain.Pool is { } pooled)
        {
            w.Line(PoolEmitter.ShapeConstants(pooled));
            if (chain.HasSkip) w.Line(PoolEmitter.AddSizeConstant);
        }
        if (p.Statistics)
        {
            w.Line($"private const int RunLength = {chain.Norm!.RunLength}, ChannelsPerRun = RunLength / ConvSpatial; // elements per statistics run: whole channel planes");
            w.Line($"private const int NormalizeTasks = {p.NormalizeTasks}; // step 3: tasks per sample, each a range of channels");
            w.Line("private static readonly MomentSlots Leases = new(); // the moments of every (sample, tile group, channel), one lease per call in flight (reused: no allocation)");
        }
        w.Line();

        w.Line($"/// <summary>Packs weights [OutC, InC, 3, 3] (any norm already folded) as U = G g Gᵀ ({p.Window}×{p.Window}) per (out, in) pair, laid out [pair of panels][ξ][panel of the pair][in][16]: each pair's GEMMs read one stream.</summary>");
        w.Line(t == 4 ? "public static float[] PackWeights(float[] weight) => WinogradWeights.Pack(weight, OutC, InC);" : $"public static float[] PackWeights(float[] weight) => WinogradWeights.Pack(weight, OutC, InC, tile: {t});");
        w.Line();

        string skipSpan = chain.HasSkip ? "ReadOnlySpan<float> skip, " : "";
        if (p.Statistics) EmitStatisticsRun(w, chain, skipSpan);
        else EmitRun(w, chain, skipSpan);
        w.Line();
        EmitTransformTask(w, p);
        w.Line();
        EmitTask(w, chain);
        w.Line();
        EmitStore(w, chain);
        if (pool) { w.Line(); PoolEmitter.Emit(w, chain); }
        if (p.Statistics)
        {
            w.Line();
            EmitNormalizeTask(w, chain);
            w.Line();
            NormEmitter.EmitSpanNormalizers(w, chain);
        }
    }

    /// <summary>The Run of a chain without statistics: the input transform, then the GEMM tasks with the epilogue in the tile store.</summary>
    private static void EmitRun(SourceWriter w, ChainPlan chain, string skipSpan)
    {
        w.Line("/// <summary>Two steps on the worker threads: (sample, band of tile rows) tasks transform the input into V once; then (sample, tile group, channel chunk) tasks run the GEMMs and store their tiles' outputs, epilogue applied.</summary>");
        using (w.Block($"public static void Run(ReadOnlySpan<float> x, {skipSpan}Span<float> y, int batch, KernelArguments a)"))
        {
            w.Line("float[] v = ArrayPool<float>.Shared.Rent(batch * VSize);");
            using (w.Block("try"))
            {
                w.Line($"Parallelism.For(x, v, batch, batch * TransformTasks, static (ref float x0, ref float v0, int batch, int task, KernelArguments a) => TransformInput(ref x0, ref v0, task), a);");
                w.Line("ReadOnlySpan<float> vs = new ReadOnlySpan<float>(v, 0, batch * VSize);");
                w.Line(chain.HasSkip
                    ? $"Parallelism.For(vs, y, skip, batch, batch * TileGroups * ChannelChunks, static (ref float v0, ref float y0, ref float s0, int batch, int task, KernelArguments a) => {Name(chain)}(ref v0, ref y0, ref s0, task, a), a);"
                    : $"Parallelism.For(vs, y, batch, batch * TileGroups * ChannelChunks, static (ref float v0, ref float y0, int batch, int task, KernelArguments a) => {Name(chain)}(ref v0, ref y0, task, a), a);");
            }
            using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(v);");
        }
    }

    /// <summary>The Run of a statistics chain: the two steps, then the normalize step, with the call's moments leased around them.</summary>
    private static void EmitStatisticsRun(SourceWriter w, ChainPlan chain, string skipSpan)
    {
        w.Line("/// <summary>Three steps on the worker threads: (sample, band of tile rows) tasks transform the input into V once; (sample, tile group, channel chunk) tasks run the GEMMs, store their tiles raw and add them to the group's moments; then (sample, range of channels) tasks merge the moments in a fixed order and normalize in place.</summary>");
        using (w.Block($"public static void Run(ReadOnlySpan<float> x, {skipSpan}Span<float> y, int batch, KernelArguments a)"))
        {
            w.Line("float[] v = ArrayPool<float>.Shared.Rent(batch * VSize);");
            w.Line("int lease = Leases.Rent(batch * TileGroups * OutC, batch); // Moments per (sample, tile group, channel)");
            using (w.Block("try"))
            {
                w.Line($"Parallelism.For(x, v, batch, batch * TransformTasks, static (ref float x0, ref float v0, int batch, int task, KernelArguments a) => TransformInput(ref x0, ref v0, task), a);");
                w.Line("ReadOnlySpan<float> vs = new ReadOnlySpan<float>(v, 0, batch * VSize);");
                w.Line($"Parallelism.For(vs, y, lease, batch * TileGroups * ChannelChunks, static (ref float v0, ref float y0, int lease, int task, KernelArguments a) => {Name(chain)}(ref v0, ref y0, task, Leases.Get(lease).Slots, a), a);");
                w.Line(chain.HasSkip
                    ? "Parallelism.For(vs, y, skip, lease, batch * NormalizeTasks, static (ref float v0, ref float y0, ref float s0, int lease, int task, KernelArguments a) => NormalizeTask(ref y0, ref s0, task, Leases.Get(lease).Slots, a), a);"
                    : "Parallelism.For(vs, y, lease, batch * NormalizeTasks, static (ref float v0, ref float y0, int lease, int task, KernelArguments a) => NormalizeTask(ref y0, task, Leases.Get(lease).Slots, a), a);");
            }
            using (w.Block("finally"))
            {
                w.Line("ArrayPool<float>.Shared.Return(v);");
                w.Line("Leases.Return(lease);");
            }
        }
    }

    /// <summary>Step 3 of a statistics chain: a range of one sample's channels, each run's moments merged in a fixed order, normalized in place.</summary>
    private static void EmitNormalizeTask(SourceWriter w, ChainPlan chain)
    {
        NormPlan n = chain.Norm!;
        w.Line($"/// <summary>Step 3, one task: a range of one sample's channels normalized in place{(chain.HasSkip ? ", + skip" : "")}{(chain.Activation is { } act ? ", then " + ActivationName(act) : "")}. Each run's moments are merged from its channels in order, each channel's tile groups in order: the same partials in the same order at any thread count.</summary>");
        using (w.Block($"private static void NormalizeTask({Ref} y0{ConvEmitter.SkipRef(chain, "s0")}, int task, Moments[] slots, KernelArguments a)"))
        {
            w.Line("NormState norm = a.Norm!;");
            w.Line("int n = task / NormalizeTasks, part = task % NormalizeTasks;");
            w.Line("int first = part * OutC / NormalizeTasks, end = (part + 1) * OutC / NormalizeTasks; // this task's channels");
            w.Line($"{Ref} yn = ref {Unsafe}.Add(ref y0, n * OutputSize);");
            if (chain.HasSkip) w.Line($"{Ref} sn = ref {Unsafe}.Add(ref s0, n * OutputSize); // the skip, laid out as yn");
            w.Line("ref Moments partial = ref slots[n * TileGroups * OutC]; // sample n's moments: OutC per tile group");
            w.Line("Moments m = default;");
            w.Line("int run = -1;");
            using (w.Block("for (int ch = first; ch < end; ch++)"))
            {
                using (w.Block("if (ch / ChannelsPerRun != run)"))
                {
                    w.Line("run = ch / ChannelsPerRun;");
                    w.Line("m = default;");
                    w.Line("for (int c = run * ChannelsPerRun; c < (run + 1) * ChannelsPerRun; c++)");
                    w.Line($"    for (int g = 0; g < TileGroups; g++) m.Merge({Unsafe}.Add(ref partial, g * OutC + c));");
                }
                string at = $"ref {Unsafe}.Add(ref yn, ch * ConvSpatial)", skipAt = ConvEmitter.SkipArg(chain, $"{Unsafe}.Add(ref sn, ch * ConvSpatial)");
                w.Line(n.Elementwise
                    ? $"NormalizeElementwiseRows({at}{skipAt}, ch * ConvSpatial - run * RunLength, ConvSpatial, m.Mean, m.Variance, norm);"
                    : $"NormalizeChannelRows({at}{skipAt}, ch, ConvSpatial, m.Mean, m.Variance, norm);");
            }
        }
    }

    private static void EmitTransformTask(SourceWriter w, WinogradPlan p)
    {
        int t = p.Tile;
        w.Line($"/// <summary>Step 1, one task: the input rows of a band of tile rows copied with the channels interleaved by 8 (zeros for the padding and past the edges), then the input transform Bᵀ d B of each of its {p.Window}×{p.Window} input tiles into V[ξ][tile][in].</summary>");
        using (w.Block($"private static void TransformInput({Ref} x0, {Ref} v0, int task)"))
        {
            w.Line("int n = task / TransformTasks, tileRow0 = task % TransformTasks * TransformRows, tileRows = Math.Min(TransformRows, TilesH - tileRow0);");
            w.Line($"int first = tileRow0 * TilesW, rows = tileRows * {t} + 2;");
            w.Line("float[] copy = ArrayPool<float>.Shared.Rent(CopySize);");
            using (w.Block("try"))
            {
                w.Line($"{Ref} c0 = ref MemoryMarshal.GetArrayDataReference(copy);");
                w.Line($"Winograd.InterleaveRows(ref {Unsafe}.Add(ref x0, n * XSize), InC, InH, InW, Padding, tileRow0 * {t} - Padding, rows, CopyColumns, ref c0);");
                w.Line($"Winograd.InputTiles(ref c0, InC, rows, CopyColumns, tileRow0, TilesW, first, tileRows * TilesW, VPitch, ref {Unsafe}.Add(ref v0, n * VSize + first * InC){(t == 4 ? "" : $", tile: {t}")});");
            }
            using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(copy);");
        }
    }

    private static void EmitTask(SourceWriter w, ChainPlan chain)
    {
        WinogradPlan p = chain.Conv!.Winograd!;
        int t = p.Tile, positions = p.Positions;
        string offsetTail = t == 4 ? "" : $", {positions}";
        w.Line($"/// <summary>Step 2, one task: per pair of 16-channel panels of its chunk, the {positions} GEMMs over its tile group's transformed input, then each tile's output transform and store.</summary>");
        bool stats = p.Statistics, skip = chain.HasSkip && !stats; // a statistics chain adds the skip in the normalize step
        string skipRef = skip ? ConvEmitter.SkipRef(chain, "s0") : "";
        using (w.Block($"private static void {Name(chain)}({Ref} v0, {Ref} y0{skipRef}, int task, {(stats ? "Moments[] slots, " : "")}KernelArguments a)"))
        {
            w.Line("int n = task / (TileGroups * ChannelChunks), group = task / ChannelChunks % TileGroups, chunk = task % ChannelChunks;");
            w.Line("int first = group * GroupTiles, tiles = Math.Min(GroupTiles, Tiles - first);");
            w.Line("int panelStart = 2 * (chunk * Pairs / ChannelChunks), panelEnd = Math.Min(Panels, 2 * ((chunk + 1) * Pairs / ChannelChunks));");
            if (stats)
            {
                w.Line("Span<Moments> stats = slots.AsSpan((n * TileGroups + group) * OutC, OutC); // this sample and tile group's moments, one per channel");
                w.Line("stats.Slice(panelStart * 16, (panelEnd - panelStart) * 16).Clear(); // the chunk's channels: this task's own");
            }
            w.Line($"{Ref} v = ref {Unsafe}.Add(ref v0, n * VSize + first * InC); // V[ξ][tile][in] of the group's first tile");
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(Scratch);");
            using (w.Block("try"))
            {
                w.Line($"{Ref} m = ref MemoryMarshal.GetArrayDataReference(scratch); // M[ξ][tile][16] of one panel, then of the next");
                w.Line($"{Ref} tile = ref {Unsafe}.Add(ref m, 2 * {positions} * MPitch); // one tile's outputs: 16 channels × {t}×{t}");
                if (chain.Pool is not null)
                    w.Line($"{Ref} planes = ref {Unsafe}.Add(ref tile, 16 * {t * t}); // one panel's conv output (16 planes), which the pool reads: its group is every tile of the plane");
                using (w.Block("for (int panel = panelStart; panel < panelEnd; panel += 2)"))
                {
                    w.Comment($"{positions} GEMMs [tiles × InC] · [InC × 16] per panel, two panels at once where the chunk has two left (each input feeds two FMAs).");
                    w.Line("int pair = Math.Min(2, panelEnd - panel);");
                    w.Line($"for (int xi = 0; xi < {positions}; xi++)");
                    w.Line("    if (pair == 2)");
                    w.Line($"        Winograd.MultiplyPair(ref {Unsafe}.Add(ref v, xi * VPitch), InC, ref {Unsafe}.Add(ref w0, WinogradWeights.PanelOffset(panel, xi, Panels, InC{offsetTail})), ref {Unsafe}.Add(ref m, xi * MPitch), ref {Unsafe}.Add(ref m, ({positions} + xi) * MPitch), tiles);");
                    w.Line("    else");
                    w.Line($"        Winograd.Multiply(ref {Unsafe}.Add(ref v, xi * VPitch), InC, ref {Unsafe}.Add(ref w0, WinogradWeights.PanelOffset(panel, xi, Panels, InC{offsetTail})), ref {Unsafe}.Add(ref m, xi * MPitch), tiles); // the last panel, alone in its pair");
                    using (w.Block("for (int half = 0; half < pair; half++)"))
                    {
                        w.Line($"{Ref} mh = ref {Unsafe}.Add(ref m, half * {positions} * MPitch);");
                        w.Line(chain.Pool is null
                            ? $"{Ref} yp = ref {Unsafe}.Add(ref y0, n * OutputSize + (panel + half) * 16 * ConvSpatial);"
                            : $"{Ref} yp = ref planes; // the tiles go to the panel's planes; the pool stores their means");
                        if (stats)
                            w.Line("ref Moments moments = ref stats[(panel + half) * 16]; // the panel's 16 channels' moments of this group");
                        if (skip)
                            w.Line(chain.Pool is null
                                ? $"{Ref} sp = ref {Unsafe}.Add(ref s0, n * OutputSize + (panel + half) * 16 * ConvSpatial); // the skip, laid out as y"
                                : $"{Ref} sp = ref {Unsafe}.Add(ref s0, n * AddSize + (panel + half) * 16 * ConvSpatial); // the skip, laid out as the conv output");
                        w.Comment("Output transform Aᵀ M A + bias of each tile, then the epilogue and the store.");
                        using (w.Block("for (int t = 0; t < tiles; t++)"))
                        {
                            w.Line($"{Transforms(p)}.OutputTile(ref mh, MPitch, t, ref {Unsafe}.Add(ref b0, (panel + half) * 16), ref tile);");
                            w.Line(stats ? "StoreTile(ref tile, ref yp, first + t, ref moments);" : $"StoreTile(ref tile, ref yp{ConvEmitter.SkipArg(chain, "sp")}, first + t);");
                        }
                        if (chain.Pool is not null)
                            w.Line($"Pool(16, ref planes, ref {Unsafe}.Add(ref y0, n * OutputSize + (panel + half) * 16)); // every tile of the plane is stored: the 16 channels' means");
                    }
                }
            }
            using (w.Block("finally")) w.Line("ArrayPool<float>.Shared.Return(scratch);");
        }
    }

    private static void EmitStore(SourceWriter w, ChainPlan chain)
    {
        ActivationSpec? act = chain.Activation;
        if (chain.Conv!.Winograd!.Statistics) { EmitStoreStatistics(w, chain); return; }
        if (chain.Conv.Winograd.Tile == 2) { EmitStoreSmall(w, chain); return; }
        w.Line($"/// <summary>Epilogue of one tile of 16 channels ([channel][row][column] in <paramref name=\"tile\"/>): {(chain.HasSkip ? "+ skip, " : "")}{(act is null ? "" : ActivationName(act) + ", ")}stored to the channels' planes a tile row (4 floats) at a time, clipped at the right and bottom edges.</summary>");
        using (w.Block($"private static void StoreTile({Ref} tile, {Ref} dst{ConvEmitter.SkipRef(chain, "skip")}, int index)"))
        {
            w.Line("int oh0 = index / TilesW * 4, ow0 = index % TilesW * 4;");
            w.Line("int rows = Math.Min(4, ConvH - oh0), columns = Math.Min(4, ConvW - ow0), origin = oh0 * ConvW + ow0;");
            if (chain.HasSkip)
            {
                w.Comment("A whole tile: + skip on each tile row of each channel, then the activation on the tile in vectors.");
                using (w.Block("if (rows == 4 && columns == 4)"))
                {
                    w.Line("for (int j = 0; j < 16; j++)");
                    w.Line("    for (int r = 0; r < 4; r++)");
                    w.Line("        (Vector128.LoadUnsafe(ref tile, (nuint)(j * 16 + r * 4)) + Vector128.LoadUnsafe(ref skip, (nuint)(j * ConvSpatial + origin + r * ConvW))).StoreUnsafe(ref tile, (nuint)(j * 16 + r * 4));");
                    EmitActivateTile(w, act, 4);
                    EmitCopyRows(w);
                    w.Line("return;");
                }
                w.Comment("A partial tile at the right or bottom edge: value by value.");
                using (w.Block("for (int j = 0; j < 16; j++)"))
                {
                    w.Line("int at = j * ConvSpatial + origin;");
                    w.Line("for (int r = 0; r < rows; r++)");
                    w.Line("    for (int q = 0; q < columns; q++)");
                    w.Line($"        {Unsafe}.Add(ref dst, at + r * ConvW + q) = {Activate(act, $"{Unsafe}.Add(ref tile, j * 16 + r * 4 + q) + {Unsafe}.Add(ref skip, at + r * ConvW + q)")}; // + skip, then the activation");
                }
                return;
            }
            EmitActivateTile(w, act, 4);
            using (w.Block("if (rows == 4 && columns == 4)"))
            {
                EmitCopyRows(w);
                w.Line("return;");
            }
            w.Comment("A partial tile at the right or bottom edge: the rows and columns inside the plane.");
            using (w.Block("for (int j = 0; j < 16; j++)"))
            {
                w.Line("int at = j * ConvSpatial + origin;");
                w.Line("for (int r = 0; r < rows; r++)");
                w.Line("    for (int q = 0; q < columns; q++)");
                w.Line($"        {Unsafe}.Add(ref dst, at + r * ConvW + q) = {Unsafe}.Add(ref tile, j * 16 + r * 4 + q);");
            }
        }
    }

    /// <summary>
    /// The tile store of a statistics chain: the raw conv output (the norm needs every tile's moments before it can
    /// normalize), and each stored value added to its channel's moments of the task's tile group: a whole F(4×4) tile's
    /// 16 values per channel as two Vector256s, a partial tile's (and F(2×2)'s) value by value.
    /// </summary>
    private static void EmitStoreStatistics(SourceWriter w, ChainPlan chain)
    {
        int t = chain.Conv!.Winograd!.Tile;
        w.Line($"/// <summary>Store of one tile of 16 channels ([channel][row][column] in <paramref name=\"tile\"/>), raw, clipped at the right and bottom edges; each stored value is added to its channel's moments.</summary>");
        using (w.Block($"private static void StoreTile({Ref} tile, {Ref} dst, int index, ref Moments moments)"))
        {
            w.Line($"int oh0 = index / TilesW * {t}, ow0 = index % TilesW * {t};");
            w.Line($"int rows = Math.Min({t}, ConvH - oh0), columns = Math.Min({t}, ConvW - ow0), origin = oh0 * ConvW + ow0;");
            if (t == 4)
            {
                w.Comment("A whole tile: each channel's 16 values are one row of the tile buffer.");
                using (w.Block("if (rows == 4 && columns == 4)"))
                {
                    w.Line("Moments.AddRowsOf16(ref moments, ref tile, 16, 16); // channel j's 16 values to moments j");
                    EmitCopyRows(w);
                    w.Line("return;");
                }
                w.Comment("A partial tile at the right or bottom edge: the rows and columns inside the plane.");
            }
            using (w.Block("for (int j = 0; j < 16; j++)"))
            {
                w.Line($"ref Moments m = ref {Unsafe}.Add(ref moments, j);");
                w.Line("int at = j * ConvSpatial + origin;");
                using (w.Block("for (int r = 0; r < rows; r++)"))
                using (w.Block("for (int q = 0; q < columns; q++)"))
                {
                    w.Line($"float value = {Unsafe}.Add(ref tile, j * {t * t} + r * {t} + q);");
                    w.Line($"{Unsafe}.Add(ref dst, at + r * ConvW + q) = value;");
                    w.Line("m.Add(value);");
                }
            }
        }
    }

    /// <summary>
    /// The F(2×2, 3×3) tile's epilogue: 4 outputs per channel, so each is stored by itself (+ skip and the activation value
    /// by value when the chain adds a skip; the activation on the whole tile in vectors when it does not).
    /// </summary>
    private static void EmitStoreSmall(SourceWriter w, ChainPlan chain)
    {
        ActivationSpec? act = chain.Activation;
        w.Line($"/// <summary>Epilogue of one tile of 16 channels ([channel][row][column] in <paramref name=\"tile\"/>): {(chain.HasSkip ? "+ skip, " : "")}{(act is null ? "" : ActivationName(act) + ", ")}stored to the channels' planes value by value (2×2 per channel), clipped at the right and bottom edges.</summary>");
        using (w.Block($"private static void StoreTile({Ref} tile, {Ref} dst{ConvEmitter.SkipRef(chain, "skip")}, int index)"))
        {
            w.Line("int oh0 = index / TilesW * 2, ow0 = index % TilesW * 2;");
            w.Line("int rows = Math.Min(2, ConvH - oh0), columns = Math.Min(2, ConvW - ow0), origin = oh0 * ConvW + ow0;");
            if (!chain.HasSkip) EmitActivateTile(w, act, 2);
            using (w.Block("for (int j = 0; j < 16; j++)"))
            {
                w.Line("int at = j * ConvSpatial + origin;");
                w.Line("for (int r = 0; r < rows; r++)");
                w.Line("    for (int q = 0; q < columns; q++)");
                w.Line(chain.HasSkip
                    ? $"        {Unsafe}.Add(ref dst, at + r * ConvW + q) = {Activate(act, $"{Unsafe}.Add(ref tile, j * 4 + r * 2 + q) + {Unsafe}.Add(ref skip, at + r * ConvW + q)")}; // + skip, then the activation"
                    : $"        {Unsafe}.Add(ref dst, at + r * ConvW + q) = {Unsafe}.Add(ref tile, j * 4 + r * 2 + q);");
            }
        }
    }

    /// <summary>The activation on the whole tile (16 channels × <paramref name="tile"/>²), in vectors where the hardware has them.</summary>
    private static void EmitActivateTile(SourceWriter w, ActivationSpec? act, int tile)
    {
        if (act is null) return;
        int floats = 16 * tile * tile;
        w.Comment($"{ActivationName(act)} on the tile in vectors, before it is stored.");
        using (w.Block("if (Vector512.IsHardwareAccelerated)"))
            w.Line($"for (int p = 0; p < {floats / 16}; p++) {Activate(act, "Vector512.LoadUnsafe(ref tile, (nuint)(p * 16))")}.StoreUnsafe(ref tile, (nuint)(p * 16));");
        using (w.Block("else if (Vector256.IsHardwareAccelerated)"))
            w.Line($"for (int p = 0; p < {floats / 8}; p++) {Activate(act, "Vector256.LoadUnsafe(ref tile, (nuint)(p * 8))")}.StoreUnsafe(ref tile, (nuint)(p * 8));");
        using (w.Block("else"))
            w.Line($"for (int p = 0; p < {floats}; p++) {Unsafe}.Add(ref tile, p) = {Activate(act, $"{Unsafe}.Add(ref tile, p)")};");
    }

    /// <summary>A whole tile's store: each channel's 4 rows of 4 outputs, one 4-float copy each.</summary>
    private static void EmitCopyRows(SourceWriter w)
    {
        w.Line("for (int j = 0; j < 16; j++)");
        w.Line("    for (int r = 0; r < 4; r++)");
        w.Line("        Vector128.LoadUnsafe(ref tile, (nuint)(j * 16 + r * 4)).StoreUnsafe(ref dst, (nuint)(j * ConvSpatial + origin + r * ConvW));");
    }

    /// <summary>The fusion plan's conv lines for a Winograd chain: what runs and why the plan chose it.</summary>
    public static void WritePlan(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        WinogradPlan p = c.Winograd!;
        bool small = p.Tile == 2;
        int minChannels = small && !p.Asked ? WinogradPlanner.AutoMinSmallChannels : WinogradPlanner.MinChannels;
        w.Line($"/// conv    {string.Join("×", chain.InputShape)} → {c.OutChannels}×{c.OutHeight}×{c.OutWidth}, 3×3 window, stride 1, padding {c.CopyPadding}, dilation 1: Winograd {p.Algorithm}, not the direct kernel ({(p.Asked ? "Winograd = true" : "chosen by the plan for the shape; Winograd = false keeps the direct kernel")}):");
        if (small)
        {
            w.Line($"///         16 multiplies per 2×2 output tile and (in, out) channel pair instead of 36 (the shape allows it: 3×3 stride 1, groups 1, ≥ {minChannels} in and out channels,");
            w.Line($"///         in channels a multiple of {WinogradPlanner.InputLanes}, out channels of {WinogradPlanner.Panel}, an epilogue the tile store applies; the plane is under {WinogradPlanner.MinPlane}×{WinogradPlanner.MinPlane}, too few 4×4 tiles");
            w.Line($"///         for F(4×4,3×3)'s GEMMs, and at least {WinogradPlanner.MinSmallPlane}×{WinogradPlanner.MinSmallPlane})");
        }
        else
        {
            w.Line($"///         36 multiplies per 4×4 output tile and (in, out) channel pair instead of 144 (the shape allows it: 3×3 stride 1, groups 1, ≥ {minChannels} in and out channels,");
            w.Line($"///         in channels a multiple of {WinogradPlanner.InputLanes}, out channels of {WinogradPlanner.Panel}, plane ≥ {WinogradPlanner.MinPlane}×{WinogradPlanner.MinPlane}, an epilogue the tile store applies)");
        }
        w.Line($"/// weights U = G g Gᵀ ({p.Window}×{p.Window}) per (out, in) pair, once at load{(p.Statistics ? "" : " (after the norm is folded)")}, in double, laid out [pair of 16-channel panels][ξ][panel][in][16]");
        w.Line($"/// input   step 1, (sample, band of {p.TransformRows} tile row(s)) tasks: the band's input rows copied with the channels interleaved by 8 (the padding, and the rows and columns the last tiles");
        w.Line($"///         reach past the input, are zeros), then Bᵀ d B of each {p.Window}×{p.Window} input tile, 8 channels per vector, into the call's V ({p.TilesH}×{p.TilesW} tiles, {p.Positions * p.Tiles * c.InChannels * 4 / 1024} KB per sample), once");
        w.Line($"/// gemm    per position ξ of {p.Positions}: [tiles × in] · [in × 32] for two 16-channel panels at once (Vector512: 8 tiles × 32 channels of accumulators), [in × 16] for a last odd panel");
        w.Line(small
            ? "/// output  Aᵀ M A + bias per tile and 16-channel panel, transposed to channels, then the epilogue, stored value by value (2×2 per channel; partial tiles clipped at the right and bottom edges)"
            : "/// output  Aᵀ M A + bias per tile and 16-channel panel, transposed to channel rows, then the epilogue, stored a tile row (4 floats) at a time (partial tiles clipped at the right and bottom edges)");
        Norm(w, chain);
        bool stats = p.Statistics;
        if (chain.HasSkip) w.Line(stats ? "/// add     + skip in the normalize step, after the affine and before the activation" : "/// add     + skip on each output as the tile is stored, before the activation");
        if (chain.Activation is { } a)
            w.Line(stats ? $"/// act     {ActivationName(a)} in the normalize step, on the normalized values in registers"
                : small && chain.HasSkip
                ? $"/// act     {ActivationName(a)} value by value, after the skip is added"
                : $"/// act     {ActivationName(a)} on the tile in vectors {(chain.HasSkip ? "after the skip is added (value by value on a partial tile)" : "before it is stored")}");
        if (chain.Pool is not null)
            w.Line($"/// pool    AdaptiveAvgPool2d(1): each panel's tiles go to 16 scratch planes, then each plane is summed in double in a fixed order → {c.OutChannels}; one group holds every tile, so a task owns its channels' planes (the same sums at any thread count)");
        w.Line($"/// tasks   step 2, sample × tile group × channel chunk: {p.TileGroups} group(s) of up to {p.GroupTiles} tiles × {p.ChannelChunks} chunk(s) of the {p.Pairs} panel pair(s); each group streams its chunk's transformed weights once");
        if (stats) NormalizeTasks(w, p);
        w.Line(small
            ? "/// accuracy F(2×2)'s transforms only add and subtract: less rounding than F(4×4), within 1e-4 of PyTorch on the tested chains"
            : "/// accuracy the transforms add rounding: within 1e-4 of PyTorch on the tested chains (F(4×4) rather than F(6×6), whose error is larger)");
    }

    private static void Norm(SourceWriter w, ChainPlan chain)
    {
        if (chain.Norm is not { } n) return;
        WinogradPlan p = chain.Conv!.Winograd!;
        if (!p.Statistics)
        {
            w.Line($"/// norm    {Describe(chain).Split('→')[1].Trim()}: running statistics folded into the conv weights and bias at load, before the transform: costs nothing here");
            return;
        }
        w.Line($"/// norm    {NormModule(n)}: statistics per run of {n.RunLength} elements ({ConvEmitter.RunDescription(n)}); the tile store writes the raw conv output");
        w.Line("///         and adds each stored value to its channel's moments of the task's tile group (double sums shifted by the first value: Σ(x−K), Σ(x−K)²)");
    }

    /// <summary>The fusion plan's line for the normalize step of a statistics chain.</summary>
    private static void NormalizeTasks(SourceWriter w, WinogradPlan p)
    {
        w.Line($"///         step 3, sample × range of channels ({p.NormalizeTasks} per sample): each run's moments merged, its channels in order and each channel's {p.TileGroups} tile");
        w.Line("///         group(s) in order (tile groups come from the shape, not the threads: the same bits at any thread count), then (x − mean)/√(var+ε), the affine, in place");
    }
}
