using System.Collections.Generic;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>
/// Conv2d kernels: a Vector256 block kernel per channel-block size (8 output columns × up to 4 output channels
/// of accumulators, the K×K window unrolled), a checked scalar pixel kernel for border columns and for the
/// scalar path, and the pooling epilogue when the chain has one.
/// </summary>
internal static class ConvEmitter
{
    private const string Ref = "ref float";

    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        w.Line($"private const int InC = {c.InChannels}, InH = {c.InHeight}, InW = {c.InWidth};");
        w.Line($"private const int OutC = {c.OutChannels}, ConvH = {c.OutHeight}, ConvW = {c.OutWidth};");
        w.Line($"private const int Kernel = {c.Kernel}, Stride = {c.Stride}, Padding = {c.Padding}, Dilation = {c.Dilation};");
        w.Line($"private const int Block = {c.OcBlock}, Taps = InC * Kernel * Kernel;");
        if (c.Vectorized) w.Line($"private const int InteriorStart = {c.InteriorStart}, InteriorEnd = {c.InteriorEnd};");
        if (chain.Pool is { } p) w.Line($"private const int PoolH = {p.OutHeight}, PoolW = {p.OutWidth};");
        w.Line();

        w.Line("/// <summary>Packs conv weights [OutC, InC, K, K] (norm already folded) as [block][ic][kh][kw][channel in block].</summary>");
        w.Line("public static float[] PackWeights(float[] weight) => WeightPacking.PackConv2d(weight, OutC, InC, Kernel, Block);");
        w.Line();
        EmitRun(w, chain);

        var blockSizes = new List<int> { c.OcBlock };
        if (c.TailChannels > 0) blockSizes.Add(c.TailChannels);
        if (c.Vectorized)
            foreach (int r in blockSizes) { w.Line(); EmitVectorBlock(w, chain, r); }
        w.Line();
        EmitScalarBlock(w, chain);
        w.Line();
        EmitPixel(w, chain);
        if (chain.Pool is not null) { w.Line(); PoolEmitter.Emit(w, chain); }
        if (c.Vectorized && c.Stride > 1) { w.Line(); EmitStridedLoad(w, c); }
    }

    private static string VectorName(ChainPlan chain, int r) => $"{Tag(chain)}_R{r}_V256";

    private static void EmitRun(SourceWriter w, ChainPlan chain)
    {
        ConvPlan c = chain.Conv!;
        bool pool = chain.Pool is not null;
        using (w.Block($"public static void Run(ReadOnlySpan<float> x, Span<float> y, int batch, float[] weights, float[] bias)"))
        {
            w.Line($"{Ref} w0 = ref MemoryMarshal.GetArrayDataReference(weights);");
            w.Line($"{Ref} b0 = ref MemoryMarshal.GetArrayDataReference(bias);");
            if (pool)
            {
                w.Comment("The conv output of one channel block goes to a scratch plane that stays in cache; only the pooled result is stored.");
                w.Line("float[] scratch = ArrayPool<float>.Shared.Rent(Block * ConvH * ConvW);");
                w.Line($"{Ref} s0 = ref MemoryMarshal.GetArrayDataReference(scratch);");
                w.Open("try");
            }
            using (w.Block("for (int n = 0; n < batch; n++)"))
            {
                w.Line($"{Ref} xn = ref {Unsafe}.Add(ref MemoryMarshal.GetReference(x), n * InputSize);");
                w.Line($"{Ref} yn = ref {Unsafe}.Add(ref MemoryMarshal.GetReference(y), n * OutputSize);");
                EmitBlockCall(w, chain, c.OcBlock, "oc", $"for (int oc = 0; oc < {c.FullBlocks * c.OcBlock}; oc += Block)", $"{c.FullBlocks} block(s) of {c.OcBlock} channels");
                if (c.TailChannels > 0)
                    EmitBlockCall(w, chain, c.TailChannels, $"{c.FullBlocks * c.OcBlock}", null, $"the last {c.TailChannels} channel(s)");
            }
            if (pool)
            {
                w.Close();
                using (w.Block("finally"))
                    w.Line("ArrayPool<float>.Shared.Return(scratch);");
            }
        }
    }

    private static void EmitBlockCall(SourceWriter w, ChainPlan chain, int r, string oc, string? loop, string what)
    {
        ConvPlan c = chain.Conv!;
        bool pool = chain.Pool is not null;
        w.Comment(what);
        if (loop is not null) w.Open(loop);
        else w.Open("");
        string dst = pool ? "ref s0" : $"ref {Unsafe}.Add(ref yn, {oc} * ConvH * ConvW)";
        string args = $"ref xn, ref {Unsafe}.Add(ref w0, {oc} * Taps), ref {Unsafe}.Add(ref b0, {oc}), {dst}";
        if (c.Vectorized)
        {
            w.Line($"if (Vector256.IsHardwareAccelerated) {VectorName(chain, r)}({args});");
            w.Line($"else ConvScalar({r}, {args});");
        }
        else
            w.Line($"ConvScalar({r}, {args});");
        if (pool)
            w.Line($"Pool({r}, ref s0, ref {Unsafe}.Add(ref yn, {oc} * PoolH * PoolW));");
        w.Close();
    }

    private static void EmitVectorBlock(SourceWriter w, ChainPlan chain, int r)
    {
        ConvPlan c = chain.Conv!;
        string vec = "Vector256<float>";
        w.Line($"/// <summary>{r} output channels, all rows: Vector256 over 8 interior columns, scalar at the borders; {(chain.Activation is { } a ? ActivationName(a) : "no activation")} in registers.</summary>");
        using (w.Block($"private static void {VectorName(chain, r)}({Ref} x, {Ref} w, {Ref} bias, {Ref} dst)"))
        {
            w.Comment("Per-channel bias (the norm folded in), broadcast once.");
            for (int j = 0; j < r; j++)
                w.Line($"{vec} bias{j} = {V}.Create({Unsafe}.Add(ref bias, {j}));");
            using (w.Block("for (int oh = 0; oh < ConvH; oh++)"))
            {
                w.Line("int ih0 = oh * Stride - Padding;");
                if (c.InteriorStart > 0 || c.InteriorEnd < c.OutWidth)
                {
                    w.Comment("Border columns: some taps fall in the zero padding, so they take the checked scalar path.");
                    if (c.InteriorStart > 0) w.Line($"for (int ox = 0; ox < InteriorStart; ox++) ConvPixel({r}, ref x, ref w, ref bias, ref dst, oh, ox);");
                    if (c.InteriorEnd < c.OutWidth) w.Line($"for (int ox = InteriorEnd; ox < ConvW; ox++) ConvPixel({r}, ref x, ref w, ref bias, ref dst, oh, ox);");
                }
                w.Comment("Interior columns, 8 per vector; the last vector overlaps the one before instead of a scalar tail.");
                using (w.Block("for (int ox = InteriorStart; ox < InteriorEnd; ox += 8)"))
                {
                    w.Line("if (ox > InteriorEnd - 8) ox = InteriorEnd - 8;");
                    w.Line(string.Join(", ", Range(r, j => $"acc{j} = bias{j}")).Insert(0, $"{vec} ") + ";");
                    w.Line("int xo = ih0 * InW + ox * Stride - Padding; // window origin in input channel 0 (negative rows are skipped below)");
                    using (w.Block("for (int ic = 0; ic < InC; ic++)"))
                    {
                        w.Line($"{Ref} wk = ref {Unsafe}.Add(ref w, ic * Kernel * Kernel * {r}); // this channel's {c.Kernel * c.Kernel} taps × {r} outputs");
                        w.Line("int xc = xo + ic * InH * InW;");
                        for (int kh = 0; kh < c.Kernel; kh++)
                        {
                            w.Comment($"kernel row {kh}");
                            bool check = c.Padding > 0;
                            if (check) w.Open($"if ((uint)(ih0 + {kh * c.Dilation}) < InH)");
                            else w.Open("");
                            for (int kw = 0; kw < c.Kernel; kw++)
                            {
                                int offset = kh * c.Dilation * c.InWidth + kw * c.Dilation;
                                string load = c.Stride == 1
                                    ? $"{V}.LoadUnsafe(ref x, (nuint)(xc + {offset}))"
                                    : $"LoadStrided(ref x, xc + {offset})";
                                w.Line($"{vec} x{kw} = {load};");
                                for (int j = 0; j < r; j++)
                                    w.Line($"acc{j} = {V}.FusedMultiplyAdd(x{kw}, {V}.Create({Unsafe}.Add(ref wk, {(kh * c.Kernel + kw) * r + j})), acc{j});");
                            }
                            w.Close();
                        }
                    }
                    w.Comment($"Epilogue: {(chain.Activation is { } act ? ActivationName(act) + " in registers, then " : "")}store 8 columns of each channel.");
                    for (int j = 0; j < r; j++)
                        w.Line($"{V}.StoreUnsafe({Activate(chain.Activation, $"acc{j}")}, ref dst, (nuint)({j} * ConvH * ConvW + oh * ConvW + ox));");
                }
            }
        }
    }

    private static void EmitScalarBlock(SourceWriter w, ChainPlan chain)
    {
        w.Line("/// <summary>The scalar path: every pixel of r output channels through the checked pixel kernel.</summary>");
        using (w.Block($"private static void ConvScalar(int r, {Ref} x, {Ref} w, {Ref} bias, {Ref} dst)"))
        {
            w.Line("for (int oh = 0; oh < ConvH; oh++)");
            w.Line("    for (int ox = 0; ox < ConvW; ox++)");
            w.Line("        ConvPixel(r, ref x, ref w, ref bias, ref dst, oh, ox);");
        }
    }

    private static void EmitPixel(SourceWriter w, ChainPlan chain)
    {
        w.Line("/// <summary>One output pixel of r channels with bounds checks: the zero padding is skipped, not read.</summary>");
        using (w.Block($"private static void ConvPixel(int r, {Ref} x, {Ref} w, {Ref} bias, {Ref} dst, int oh, int ox)"))
        {
            w.Line("int ih0 = oh * Stride - Padding, iw0 = ox * Stride - Padding;");
            using (w.Block("for (int j = 0; j < r; j++)"))
            {
                w.Line($"float acc = {Unsafe}.Add(ref bias, j);");
                using (w.Block("for (int ic = 0; ic < InC; ic++)"))
                using (w.Block("for (int kh = 0; kh < Kernel; kh++)"))
                {
                    w.Line("int ih = ih0 + kh * Dilation;");
                    w.Line("if ((uint)ih >= InH) continue;");
                    using (w.Block("for (int kw = 0; kw < Kernel; kw++)"))
                    {
                        w.Line("int iw = iw0 + kw * Dilation;");
                        w.Line("if ((uint)iw >= InW) continue;");
                        w.Line($"acc += {Unsafe}.Add(ref x, (ic * InH + ih) * InW + iw) * {Unsafe}.Add(ref w, ((ic * Kernel + kh) * Kernel + kw) * r + j);");
                    }
                }
                w.Line($"{Unsafe}.Add(ref dst, j * ConvH * ConvW + oh * ConvW + ox) = {Activate(chain.Activation, "acc")};");
            }
        }
    }

    private static void EmitStridedLoad(SourceWriter w, ConvPlan c)
    {
        w.Line($"/// <summary>Eight inputs {c.Stride} apart, for a stride-{c.Stride} window.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"private static Vector256<float> LoadStrided({Ref} x, int offset)"))
        {
            w.Line($"return {V}.Create(");
            for (int k = 0; k < 8; k++)
                w.Line($"    {Unsafe}.Add(ref x, offset + {k * c.Stride}){(k < 7 ? "," : ");")}");
        }
    }

    private static IEnumerable<string> Range(int count, System.Func<int, string> item)
    {
        for (int i = 0; i < count; i++) yield return item(i);
    }
}
