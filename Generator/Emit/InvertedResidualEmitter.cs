using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Writes the one-kernel form of an inverted residual (<see cref="InvertedResidualPlan"/>): the model members that pack
/// its weights at load and run it, and its file-local kernel class. The model's Forward calls it where Vector512 is
/// hardware-accelerated and runs the three chains otherwise.
/// </summary>
internal static class InvertedResidualEmitter
{
    /// <summary>
    /// The block's file, from the block's plan and its three chains' plans only (not the whole model's): an edit to another
    /// chain of the model leaves this output's input equal, so the generator does not write it again.
    /// </summary>
    public static string Emit(TypeDeclarationSpec type, InvertedResidualPlan b, ChainPlan e, ChainPlan d, ChainPlan p)
    {
        var w = new SourceWriter();
        TypeEmitter.OpenFile(w, type);
        string field = "_" + Lower(b.Name), kernel = b.Name + "Kernel";

        w.Comment($"{b.Name}'s parameters: {e.MethodName}'s, {d.MethodName}'s and {p.MethodName}'s folded weights and biases, packed by InvertedResidualWeights.Pack.");
        w.Line($"private global::FusedNorm.Kernels.KernelArguments? {field}Arguments;");
        w.Line();
        w.Comment($"Packs the block kernel's weights from the three chains' folded ones (their Load methods ran first), then drops those.");
        using (w.Block($"private void Load{b.Name}()"))
        {
            w.Line($"var (weights, bias) = global::FusedNorm.InvertedResidualWeights.Pack({Field(e)}Folded!, {Field(e)}Bias!, {Field(d)}Folded!, {Field(d)}Bias!, {Field(p)}Folded!, {Field(p)}Bias!,");
            w.Line($"    inChannels: {b.InChannels}, hidden: {b.Hidden}, kernel: {b.Kernel}, outChannels: {b.OutChannels});");
            w.Line($"{field}Arguments = new global::FusedNorm.Kernels.KernelArguments(weights, bias);");
            w.Line($"{Field(e)}Folded = null;");
            w.Line($"{Field(d)}Folded = null;");
            w.Line($"{Field(p)}Folded = null;");
        }
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// {Escape(Describe(e))} → {Escape(Describe(d))} → {Escape(Describe(p))}{(b.Skip ? " + skip" : "")}, as one kernel (Vector512, or Vector256):");
        w.Line($"/// input (batch, {b.InChannels}, {b.InHeight}, {b.InWidth}) → output (batch, {b.OutChannels}, {b.OutHeight}, {b.OutWidth}); the {b.Hidden}-channel tensors between the three convolutions");
        w.Line("/// stay in a few rows of scratch. Called by Forward when Vector512 or Vector256 is hardware-accelerated.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        string skipParameter = b.Skip ? "global::System.ReadOnlySpan<float> skip, " : "";
        using (w.Block($"private void {b.Name}(global::System.ReadOnlySpan<float> x, {skipParameter}global::System.Span<float> y, int batch)"))
            w.Line($"global::{TypeEmitter.KernelNamespace}.{kernel}.Run(x, {(b.Skip ? "skip, " : "")}y, batch, {field}Arguments!);");
        TypeEmitter.CloseType(w, type);
        w.Line();

        TypeEmitter.OpenKernelNamespace(w);
        WritePlanComment(w, type, b, e, d, p);
        w.Line(GeneratedCode);
        using (w.Block($"file static class {kernel}"))
            EmitKernel(w, b);
        w.Close();
        return w.ToString();
    }

    private static void WritePlanComment(SourceWriter w, TypeDeclarationSpec type, InvertedResidualPlan b, ChainPlan e, ChainPlan d, ChainPlan p)
    {
        w.Line("/// <summary>");
        w.Line($"/// Fusion plan for {type.ClassName}.{b.Name}: {e.MethodName} + {d.MethodName} + {p.MethodName}, one kernel (Vector512; Vector256 without it)");
        w.Line("/// <code>");
        w.Line($"/// why     the expanded tensor is {b.HiddenBytes / 1024} KB per sample; as three chains it is written whole and read back (from memory once it outgrows the cache), here {b.Kernel} rows of it at a time stay in a ring");
        w.Line($"/// layout  scratch is position-major: the {b.Hidden} hidden channels of one position are {b.HiddenPadded / 16} Vector512s ({b.HiddenPadded / 8} Vector256s), so every depthwise tap is a plain load at stride {b.Stride}");
        w.Line($"/// expand  1×1 {b.InChannels} → {b.Hidden}, {NormText(e)}, {ActText(b.ExpandActivation)}: each input row once into the ring ({b.Kernel} rows of {b.RingWidth} positions, the padding columns zero); tiles of {b.Tiles512.ExpandTile} positions × {b.Tiles512.ExpandVectors} vectors ({b.Tiles256.ExpandTile} × {b.Tiles256.ExpandVectors} at Vector256), every input broadcast, weights loaded per input channel");
        w.Line($"/// dw      {b.Kernel}×{b.Kernel} depthwise, stride {b.Stride}, padding {b.Padding}, {NormText(d)}, {ActText(b.DepthwiseActivation)}: one output row from the ring's {b.Kernel} rows (rows outside the input are zero rows); tiles of {b.Tiles512.DepthwiseTile} positions × {b.Tiles512.DepthwiseVectors} vectors ({b.Tiles256.DepthwiseTile} × {b.Tiles256.DepthwiseVectors}), the {b.Kernel * b.Kernel} taps unrolled, each input position of a window row loaded once for every output that reads it");
        w.Line($"/// project 1×1 {b.Hidden} → {b.OutChannels}, {NormText(p)}{(b.Skip ? ", + skip" : "")}, {ActText(b.ProjectActivation)}: {b.ChunkRows} depthwise row(s) at a time, tiles of {b.Tiles512.ProjectTile} positions × {b.Tiles512.ProjectVectors} vectors of 16 output channels ({b.Tiles256.ProjectTile} × {b.Tiles256.ProjectVectors} of 8), stored channel by channel into the NCHW output");
        w.Line($"/// threads tasks: batch × row bands (up to {b.MaxRowBands} per sample, chosen per call from the threads); a band expands the {System.Math.Max(0, b.Kernel - b.Stride)} halo row(s) above it again. Every output is computed by the same operations in every band, so results are the same for every thread count");
        w.Line($"/// work    {b.Macs:N0} multiply-adds per sample");
        w.Line("/// </code>");
        w.Line("/// </summary>");
    }

    private static string NormText(ChainPlan c) => c.Norm is { } n ? $"{n.Kind} folded" : "no norm";
    private static string ActText(ActivationSpec? a) => a is null ? "no activation" : ActivationName(a) + " in registers";

    private static void EmitKernel(SourceWriter w, InvertedResidualPlan b)
    {
        w.Line($"public const int InC = {b.InChannels}, InH = {b.InHeight}, InW = {b.InWidth}, Hidden = {b.Hidden}, HiddenPadded = {b.HiddenPadded};");
        w.Line($"public const int K = {b.Kernel}, Stride = {b.Stride}, Pad = {b.Padding}, OutH = {b.OutHeight}, OutW = {b.OutWidth}, OutC = {b.OutChannels}, OutPadded = {b.OutPadded};");
        w.Line("public const int InPlane = InH * InW, OutPlane = OutH * OutW, InputSize = InC * InPlane, OutputSize = OutC * OutPlane;");
        w.Line("private const int RingWidth = InW + 2 * Pad, RingRow = RingWidth * HiddenPadded; // one ring row: the padded input row's positions × the hidden channels");
        w.Line($"private const int ChunkRows = {b.ChunkRows}, MaxRowBands = {b.MaxRowBands};");
        w.Line("private const int DepthwiseAt = InC * HiddenPadded, ProjectAt = DepthwiseAt + K * K * HiddenPadded; // where each layer's weights start");
        w.Line("private const int DepthwiseBiasAt = HiddenPadded, ProjectBiasAt = 2 * HiddenPadded;");
        w.Comment("Per task: the ring of K expanded rows, then ChunkRows depthwise rows.");
        w.Line("private static readonly ScratchPool Scratch = new(K * RingRow + ChunkRows * OutW * HiddenPadded);");
        w.Line();

        string skipParameter = b.Skip ? "ReadOnlySpan<float> skip, " : "";
        using (w.Block($"public static void Run(ReadOnlySpan<float> x, {skipParameter}Span<float> y, int batch, KernelArguments a)"))
        {
            w.Line("int bands = Parallelism.RowBands(2 * batch, MaxRowBands); // about two bands per thread: each band expands its halo rows again");
            w.Line(b.Skip
                ? "Parallelism.For(x, y, skip, bands, batch * bands, static (ref float x0, ref float y0, ref float s0, int bands, int task, KernelArguments a) => BandTask(ref x0, ref y0, ref s0, task, bands, a), a);"
                : "Parallelism.For(x, y, bands, batch * bands, static (ref float x0, ref float y0, int bands, int task, KernelArguments a) => BandTask(ref x0, ref y0, ref y0, task, bands, a), a);");
        }
        w.Line();

        w.Line("/// <summary>Output rows [band · OutH / bands, (band + 1) · OutH / bands) of sample task / bands.</summary>");
        using (w.Block("private static void BandTask(ref float x0, ref float y0, ref float s0, int task, int bands, KernelArguments a)"))
        {
            w.Line("int n = task / bands, band = task % bands;");
            w.Line("int rowStart = band * OutH / bands, rowEnd = (band + 1) * OutH / bands;");
            w.Line("ref float x = ref Unsafe.Add(ref x0, n * InputSize);");
            w.Line("ref float y = ref Unsafe.Add(ref y0, n * OutputSize);");
            w.Line(b.Skip ? "ref float skip = ref Unsafe.Add(ref s0, n * OutputSize);" : "ref float skip = ref y; // no skip: never read");
            w.Line("ref float w = ref MemoryMarshal.GetArrayDataReference(a.Weights);");
            w.Line("ref float b = ref MemoryMarshal.GetArrayDataReference(a.Bias);");
            w.Line("bool wide = Vector512.IsHardwareAccelerated && BlockKernels.UseVector512; // Vector512, else Vector256 (the JIT folds the first test)");
            w.Line("float[] scratch = Scratch.Rent();");
            w.Line("ref float ring = ref MemoryMarshal.GetArrayDataReference(scratch);");
            w.Line("ref float dw = ref Unsafe.Add(ref ring, K * RingRow);");
            w.Comment("The ring rows' padding columns are the depthwise conv's zero padding; the expansion writes only between them.");
            using (w.Block("for (int s = 0; s < K; s++)"))
            {
                w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref ring, s * RingRow), Pad * HiddenPadded).Clear();");
                w.Line("MemoryMarshal.CreateSpan(ref Unsafe.Add(ref ring, s * RingRow + (Pad + InW) * HiddenPadded), Pad * HiddenPadded).Clear();");
            }
            w.Line("int next = rowStart * Stride - Pad; // the first input row not yet in the ring (input row r is ring row (r + K) % K)");
            using (w.Block("for (int r0 = rowStart; r0 < rowEnd; r0 += ChunkRows)"))
            {
                w.Line("int r1 = Math.Min(r0 + ChunkRows, rowEnd);");
                using (w.Block("for (int oh = r0; oh < r1; oh++)"))
                {
                    w.Line("int top = oh * Stride - Pad; // the window's first input row");
                    using (w.Block("for (int r = Math.Max(next, top); r < top + K; r++)"))
                    {
                        w.Line("ref float slot = ref Unsafe.Add(ref ring, (r + K) % K * RingRow + Pad * HiddenPadded);");
                        using (w.Block("if ((uint)r < InH)"))
                        {
                            w.Line("if (wide) Expand_V512(ref Unsafe.Add(ref x, r * InW), ref w, ref b, ref slot);");
                            w.Line("else Expand_V256(ref Unsafe.Add(ref x, r * InW), ref w, ref b, ref slot);");
                        }
                        w.Line("else MemoryMarshal.CreateSpan(ref slot, InW * HiddenPadded).Clear(); // above or below the input: a zero padding row");
                    }
                    w.Line("next = top + K;");
                    w.Line("if (wide) Depthwise_V512(ref ring, top, ref Unsafe.Add(ref w, DepthwiseAt), ref Unsafe.Add(ref b, DepthwiseBiasAt), ref Unsafe.Add(ref dw, (oh - r0) * OutW * HiddenPadded));");
                    w.Line("else Depthwise_V256(ref ring, top, ref Unsafe.Add(ref w, DepthwiseAt), ref Unsafe.Add(ref b, DepthwiseBiasAt), ref Unsafe.Add(ref dw, (oh - r0) * OutW * HiddenPadded));");
                }
                w.Line("if (wide) Project_V512(ref dw, (r1 - r0) * OutW, ref Unsafe.Add(ref w, ProjectAt), ref Unsafe.Add(ref b, ProjectBiasAt), ref Unsafe.Add(ref y, r0 * OutW), ref Unsafe.Add(ref skip, r0 * OutW));");
                w.Line("else Project_V256(ref dw, (r1 - r0) * OutW, ref Unsafe.Add(ref w, ProjectAt), ref Unsafe.Add(ref b, ProjectBiasAt), ref Unsafe.Add(ref y, r0 * OutW), ref Unsafe.Add(ref skip, r0 * OutW));");
            }
            w.Line("Scratch.Return(scratch);");
        }
        w.Line();

        // Each layer, per vector width: a dispatcher over groups of vectors, then one method per group size.
        foreach (Width width in Widths(b))
            EmitLayers(w, b, width);
    }

    /// <summary>
    /// A vector width the kernel runs at: Vector512 (16 channels per vector, 32 registers: tiles of up to 24 accumulators)
    /// or Vector256 (8 per vector, 16 registers: up to 12), with the plan's tiles for it.
    /// </summary>
    private sealed record Width(int Lanes, string V, BlockTiles Tiles)
    {
        public string Suffix => "_V" + (Lanes * 32);
        public int ExpandTile => Tiles.ExpandTile;
        public int ExpandVectors => Tiles.ExpandVectors;
        public int DepthwiseTile => Tiles.DepthwiseTile;
        public int DepthwiseVectors => Tiles.DepthwiseVectors;
        public int ProjectTile => Tiles.ProjectTile;
        public int ProjectVectors => Tiles.ProjectVectors;
    }

    private static Width[] Widths(InvertedResidualPlan b) => new[] { new Width(16, "Vector512", b.Tiles512), new Width(8, "Vector256", b.Tiles256) };

    private static void EmitLayers(SourceWriter w, InvertedResidualPlan b, Width x)
    {
        int hv = b.HiddenPadded / x.Lanes, ov = b.OutPadded / x.Lanes;
        var expandGroups = Groups(hv, x.ExpandVectors);
        var depthwiseGroups = Groups(hv, x.DepthwiseVectors);
        var projectGroups = Groups(ov, x.ProjectVectors);

        w.Line($"/// <summary>Input row r (x points at its channel 0) expanded into one ring row (dst: its first unpadded position), {x.V}.</summary>");
        using (w.Block($"private static void Expand{x.Suffix}(ref float x, ref float w, ref float b, ref float dst)"))
            foreach (var (start, count) in expandGroups)
                w.Line($"Expand{count}{x.Suffix}(ref x, ref w, ref b, ref dst, {start * x.Lanes});");
        w.Line();
        foreach (int count in expandGroups.Select(g => g.Count).Distinct())
            EmitExpand(w, b, x, count);

        w.Line($"/// <summary>One depthwise output row from the ring rows of input rows [top, top + K), into dst (position-major), {x.V}.</summary>");
        using (w.Block($"private static void Depthwise{x.Suffix}(ref float ring, int top, ref float w, ref float b, ref float dst)"))
            foreach (var (start, count) in depthwiseGroups)
                w.Line($"Depthwise{count}{x.Suffix}(ref ring, top, ref w, ref b, ref dst, {start * x.Lanes});");
        w.Line();
        foreach (int count in depthwiseGroups.Select(g => g.Count).Distinct())
            EmitDepthwise(w, b, x, count);

        w.Line($"/// <summary>The projection of <paramref name=\"count\"/> depthwise positions (whole rows) into the output planes from y (and skip) on, {x.V}.</summary>");
        using (w.Block($"private static void Project{x.Suffix}(ref float dw, int count, ref float w, ref float b, ref float y, ref float skip)"))
            foreach (var (start, count) in projectGroups)
                w.Line($"Project{count}{x.Suffix}(ref dw, count, ref w, ref b, ref y, ref skip, {start * x.Lanes}, {System.Math.Min(count * x.Lanes, b.OutChannels - start * x.Lanes)});");
        w.Line();
        foreach (int count in projectGroups.Select(g => g.Count).Distinct())
            EmitProject(w, b, x, count);
    }

    /// <summary>Vectors [0, total) in groups of <paramref name="size"/>, the last one smaller if it must be.</summary>
    private static System.Collections.Generic.List<(int Start, int Count)> Groups(int total, int size)
    {
        var groups = new System.Collections.Generic.List<(int, int)>();
        for (int v = 0; v < total; v += size) groups.Add((v, System.Math.Min(size, total - v)));
        return groups;
    }

    private static string Acc(int p, int v) => $"acc{p}_{v}";

    private static void EmitExpand(SourceWriter w, InvertedResidualPlan b, Width x, int g)
    {
        int t = System.Math.Min(x.ExpandTile, b.InWidth);
        w.Line($"/// <summary>Hidden channels [c0, c0 + {g * x.Lanes}) of one input row: tiles of {t} positions × {g} vectors, {ActText(b.ExpandActivation)}.</summary>");
        using (w.Block($"private static void Expand{g}{x.Suffix}(ref float x, ref float w, ref float b, ref float dst, int c0)"))
        {
            for (int v = 0; v < g; v++) w.Line($"{x.V}<float> bias{v} = {x.V}.LoadUnsafe(ref b, (nuint)(c0 + {v * x.Lanes}));");
            using (w.Block($"for (int q = 0; q < InW; q += {t})"))
            {
                w.Line($"int q0 = Math.Min(q, InW - {t}); // the last tile ends at the row's end");
                w.Line("ref float xc = ref Unsafe.Add(ref x, q0);");
                w.Line("ref float wc = ref Unsafe.Add(ref w, c0);");
                EmitBroadcastTile(w, x, t, g, "InC", p => $"{p}", "InPlane", "HiddenPadded");
                for (int p = 0; p < t; p++)
                    for (int v = 0; v < g; v++)
                        w.Line($"{x.V}.StoreUnsafe({Activate(b.ExpandActivation, Acc(p, v))}, ref dst, (nuint)((q0 + {p}) * HiddenPadded + c0 + {v * x.Lanes}));");
            }
        }
        w.Line();
    }

    /// <summary>
    /// The 1×1 GEMM tile both pointwise layers share: accumulators acc{p}_{v} for <paramref name="t"/> positions ×
    /// <paramref name="g"/> vectors start at the bias, then over <paramref name="count"/> input channels each loads the
    /// channel's weight vectors (wc, output channel fastest) and broadcasts each position's input (xc + <paramref name="input"/>(p))
    /// into them; xc and wc then step by <paramref name="inputStep"/> and <paramref name="weightStep"/>.
    /// </summary>
    private static void EmitBroadcastTile(SourceWriter w, Width x, int t, int g, string count, System.Func<int, string> input, string inputStep, string weightStep)
    {
        for (int p = 0; p < t; p++)
            w.Line($"{x.V}<float> {string.Join(", ", Enumerable.Range(0, g).Select(v => $"{Acc(p, v)} = bias{v}"))};");
        using (w.Block($"for (int c = 0; c < {count}; c++)"))
        {
            for (int v = 0; v < g; v++) w.Line($"{x.V}<float> w{v} = {x.V}.LoadUnsafe(ref wc, {v * x.Lanes});");
            for (int p = 0; p < t; p++)
            {
                w.Line($"{x.V}<float> x{p} = {x.V}.Create(Unsafe.Add(ref xc, {input(p)}));");
                for (int v = 0; v < g; v++) w.Line($"{Acc(p, v)} = {x.V}.FusedMultiplyAdd(w{v}, x{p}, {Acc(p, v)});");
            }
            w.Line($"xc = ref Unsafe.Add(ref xc, {inputStep});");
            w.Line($"wc = ref Unsafe.Add(ref wc, {weightStep});");
        }
    }

    private static void EmitDepthwise(SourceWriter w, InvertedResidualPlan b, Width x, int g)
    {
        int t = System.Math.Min(x.DepthwiseTile, b.OutWidth);
        w.Line($"/// <summary>Hidden channels [c0, c0 + {g * x.Lanes}) of one depthwise output row: tiles of {t} positions × {g} vectors, {ActText(b.DepthwiseActivation)}.</summary>");
        using (w.Block($"private static void Depthwise{g}{x.Suffix}(ref float ring, int top, ref float w, ref float b, ref float dst, int c0)"))
        {
            for (int kh = 0; kh < b.Kernel; kh++)
                w.Line($"ref float row{kh} = ref Unsafe.Add(ref ring, (top + {kh} + K) % K * RingRow + c0); // input row top + {kh}");
            for (int v = 0; v < g; v++) w.Line($"{x.V}<float> bias{v} = {x.V}.LoadUnsafe(ref b, (nuint)(c0 + {v * x.Lanes}));");
            using (w.Block($"for (int q = 0; q < OutW; q += {t})"))
            {
                w.Line($"int q0 = Math.Min(q, OutW - {t});");
                w.Line("int at = q0 * Stride * HiddenPadded; // output q0's window starts at ring position q0 · Stride");
                for (int p = 0; p < t; p++)
                    w.Line($"{x.V}<float> {string.Join(", ", Enumerable.Range(0, g).Select(v => $"{Acc(p, v)} = bias{v}"))};");
                // Each input position of a window row is loaded once and multiplied into every output of the tile whose
                // window has it at some tap: (t − 1) · stride + K loads per row and vector instead of t · K.
                int span = (t - 1) * b.Stride + b.Kernel;
                for (int kh = 0; kh < b.Kernel; kh++)
                    for (int v = 0; v < g; v++)
                    {
                        w.Comment($"window row {kh}, channels c0 + {v * x.Lanes}: the row's {b.Kernel} taps, then its {span} input positions");
                        using var scope = w.Block("");
                        for (int kw = 0; kw < b.Kernel; kw++)
                            w.Line($"{x.V}<float> w{kw} = {x.V}.LoadUnsafe(ref w, (nuint)({kh * b.Kernel + kw} * HiddenPadded + c0 + {v * x.Lanes}));");
                        for (int o = 0; o < span; o++)
                        {
                            var uses = Enumerable.Range(0, t).Where(p => o - p * b.Stride >= 0 && o - p * b.Stride < b.Kernel).ToList();
                            w.Line($"{x.V}<float> x{o} = {x.V}.LoadUnsafe(ref row{kh}, (nuint)(at + {o * b.HiddenPadded + v * x.Lanes}));");
                            foreach (int p in uses)
                                w.Line($"{Acc(p, v)} = {x.V}.FusedMultiplyAdd(x{o}, w{o - p * b.Stride}, {Acc(p, v)});");
                        }
                    }
                for (int p = 0; p < t; p++)
                    for (int v = 0; v < g; v++)
                        w.Line($"{x.V}.StoreUnsafe({Activate(b.DepthwiseActivation, Acc(p, v))}, ref dst, (nuint)((q0 + {p}) * HiddenPadded + c0 + {v * x.Lanes}));");
            }
        }
        w.Line();
    }

    private static void EmitProject(SourceWriter w, InvertedResidualPlan b, Width x, int g)
    {
        int t = System.Math.Min(x.ProjectTile, b.OutWidth);
        w.Line($"/// <summary>Output channels [o0, o0 + channels) of <paramref name=\"count\"/> positions: tiles of {t} positions × {g} vectors, then each channel's {t} values to its plane{(b.Skip ? " + skip" : "")}, {ActText(b.ProjectActivation).Replace(" in registers", "")}.</summary>");
        using (w.Block($"private static void Project{g}{x.Suffix}(ref float dw, int count, ref float w, ref float b, ref float y, ref float skip, int o0, int channels)"))
        {
            for (int v = 0; v < g; v++) w.Line($"{x.V}<float> bias{v} = {x.V}.LoadUnsafe(ref b, (nuint)(o0 + {v * x.Lanes}));");
            w.Line($"Span<float> tile = stackalloc float[{t * g * x.Lanes}]; // [position][channel]");
            w.Line("ref float t0 = ref MemoryMarshal.GetReference(tile);");
            using (w.Block($"for (int q = 0; q < count; q += {t})"))
            {
                w.Line($"int q0 = Math.Min(q, count - {t});");
                w.Line("ref float xc = ref Unsafe.Add(ref dw, q0 * HiddenPadded);");
                w.Line("ref float wc = ref Unsafe.Add(ref w, o0);");
                EmitBroadcastTile(w, x, t, g, "Hidden", p => $"{p} * HiddenPadded", "1", "OutPadded");
                for (int p = 0; p < t; p++)
                    for (int v = 0; v < g; v++)
                        w.Line($"{x.V}.StoreUnsafe({Acc(p, v)}, ref t0, {p * g * x.Lanes + v * x.Lanes});");
                w.Comment("Each channel's positions to its plane" + (b.Skip ? ", the skip added" : "") + (b.ProjectActivation is null ? "." : ", then the activation."));
                using (w.Block("for (int j = 0; j < channels; j++)"))
                {
                    w.Line("ref float yj = ref Unsafe.Add(ref y, (o0 + j) * OutPlane + q0);");
                    if (b.Skip) w.Line("ref float sj = ref Unsafe.Add(ref skip, (o0 + j) * OutPlane + q0);");
                    for (int p = 0; p < t; p++)
                        w.Line($"Unsafe.Add(ref yj, {p}) = {Activate(b.ProjectActivation, $"Unsafe.Add(ref t0, {p * g * x.Lanes} + j)" + (b.Skip ? $" + Unsafe.Add(ref sj, {p})" : ""))};");
                }
            }
        }
        w.Line();
    }
}
