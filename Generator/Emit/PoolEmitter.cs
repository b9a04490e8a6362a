using System.Linq;
using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>Max or average pooling (1d, 2d, 3d) of consecutive channel planes, with PyTorch's padding rules.</summary>
internal static class PoolEmitter
{
    /// <summary>The pooled shape's constants a kernel class with a pool declares (the direct and the Winograd kernels).</summary>
    public static string ShapeConstants(PoolPlan p) => $"private const int PoolD = {p.OutDepth}, PoolH = {p.OutHeight}, PoolW = {p.OutWidth}, PoolSpatial = PoolD * PoolH * PoolW;";

    /// <summary>The skip tensor's size per sample in a chain that adds before it pools (the conv output's shape).</summary>
    public const string AddSizeConstant = "public const int AddSize = OutC * ConvSpatial; // the skip tensor per sample: the conv output's shape, added before pooling";

    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        PoolPlan p = chain.Pool!;
        if (p.IsGlobal)
        {
            EmitGlobalAverage(w);
            return;
        }
        w.Line($"private const int PoolKernel = {p.Kernel}, PoolStride = {p.Stride}, PoolPadding = {p.Padding};");
        if (p.IsMax && p.Rank == 2 && p.Kernel == 2 && p.Stride == 2 && p.Padding == 0)
        {
            EmitMax2x2(w, p);
            return;
        }
        EmitSeparable(w, p);
    }

    /// <summary>
    /// AdaptiveAvgPool2d(1): each channel's plane, still in cache after the block computed it, summed in double in one
    /// fixed order (four interleaved partial sums, then (s0 + s1) + (s2 + s3)), so the mean is the same for every thread
    /// count and batch split; then divided and rounded to float once.
    /// </summary>
    private static void EmitGlobalAverage(SourceWriter w)
    {
        w.Line("/// <summary>AdaptiveAvgPool2d(1) of <paramref name=\"channels\"/> consecutive planes from <paramref name=\"src\"/>: the mean of each plane's ConvSpatial values, summed in double in a fixed order, into one float per channel of <paramref name=\"dst\"/>. NaN propagates; +∞ and −∞ together give NaN.</summary>");
        using (w.Block("private static void Pool(int channels, ref float src, ref float dst, int rowStart = 0, int rowEnd = PoolH)"))
        using (w.Block("for (int c = 0; c < channels; c++)"))
        {
            w.Line($"ref float plane = ref {Unsafe}.Add(ref src, c * ConvSpatial);");
            w.Line("double s0 = 0, s1 = 0, s2 = 0, s3 = 0; // four chains of adds in flight; element i goes to chain i % 4");
            w.Line("int i = 0;");
            using (w.Block("for (; i <= ConvSpatial - 4; i += 4)"))
            {
                w.Line($"s0 += {Unsafe}.Add(ref plane, i);");
                w.Line($"s1 += {Unsafe}.Add(ref plane, i + 1);");
                w.Line($"s2 += {Unsafe}.Add(ref plane, i + 2);");
                w.Line($"s3 += {Unsafe}.Add(ref plane, i + 3);");
            }
            w.Line($"for (; i < ConvSpatial; i++) s0 += {Unsafe}.Add(ref plane, i);");
            w.Line($"{Unsafe}.Add(ref dst, c) = (float)(((s0 + s1) + (s2 + s3)) / ConvSpatial);");
        }
    }

    /// <summary>
    /// Any window, stride and padding, separably: for each pooled row, the window's conv rows (over depth and height) are
    /// reduced column by column into one row, in vectors; then each pooled column reduces its window of that row. A
    /// k×k window costs (k − 1) vector steps per 8 columns and k scalar steps per output instead of k² scalar steps with
    /// bounds. Max is exact, so the order cannot change a result; an average adds in (rows, then columns) order.
    /// </summary>
    private static void EmitSeparable(SourceWriter w, PoolPlan p)
    {
        string rule = p.IsMax
            ? "padding counts as −∞, NaN propagates"
            : p.CountIncludePad ? "the divisor counts the zero padding (count_include_pad=True)" : "the divisor counts only real inputs (count_include_pad=False)";
        string op = p.IsMax ? "Max" : "Add";
        string Scalar(string a, string b) => p.IsMax ? $"MathF.Max({a}, {b})" : $"{a} + {b}";
        w.Line($"/// <summary>{p.Kind} of <paramref name=\"channels\"/> consecutive planes from <paramref name=\"src\"/> into <paramref name=\"dst\"/>, pooled rows [rowStart, rowEnd): {rule}. Every window holds a real input (padding ≤ kernel / 2).</summary>");
        int lo = (p.Padding + p.Stride - 1) / p.Stride; // the first pooled column whose window starts inside the row
        int hi = System.Math.Min(p.OutWidth, (p.ConvWidth - p.Kernel + p.Padding) / p.Stride + 1); // past the last one that ends inside it
        bool vector = p.Stride <= 2 && hi - lo >= 8; // the horizontal pass takes 8 pooled columns at a time
        using (w.Block("private static void Pool(int channels, ref float src, ref float dst, int rowStart = 0, int rowEnd = PoolH)"))
        {
            w.Line(vector
                ? "float[] rented = ArrayPool<float>.Shared.Rent(ConvW + 16); // room for a vector step that reads a lane past the row (and drops it)"
                : "float[] rented = ArrayPool<float>.Shared.Rent(ConvW);");
            w.Line("ref float t = ref MemoryMarshal.GetArrayDataReference(rented); // one pooled row's window rows, reduced");
            using (w.Block("try"))
            using (w.Block("for (int c = 0; c < channels; c++)"))
            using (w.Block("for (int pd = 0; pd < PoolD; pd++)"))
            using (w.Block("for (int ph = rowStart; ph < rowEnd; ph++)"))
            {
                w.Comment("The window's rows, clipped to the conv output; PyTorch's divisor clips to the padded input.");
                w.Line($"int d0 = pd * {p.StrideD} - {p.PaddingD}, h0 = ph * {p.StrideH} - {p.PaddingH};");
                w.Line($"int d1 = Math.Min(d0 + {p.KernelD}, ConvD), h1 = Math.Min(h0 + {p.KernelH}, ConvH);");
                if (!p.IsMax && p.CountIncludePad)
                    w.Line($"int rows = (Math.Min(d0 + {p.KernelD}, ConvD + {p.PaddingD}) - d0) * (Math.Min(h0 + {p.KernelH}, ConvH + {p.PaddingH}) - h0);");
                w.Line("d0 = Math.Max(d0, 0); h0 = Math.Max(h0, 0);");
                if (!p.IsMax && !p.CountIncludePad) w.Line("int rows = (d1 - d0) * (h1 - h0);");
                w.Comment($"Vertical: t = the first row, then {op} every other row of the window into it.");
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref src, ((c * ConvD + d0) * ConvH + h0) * ConvW), ConvW).CopyTo(MemoryMarshal.CreateSpan(ref t, ConvW));");
                w.Line("for (int d = d0; d < d1; d++)");
                w.Line("    for (int h = d == d0 ? h0 + 1 : h0; h < h1; h++)");
                w.Line($"        ReduceRow(ref t, ref {Unsafe}.Add(ref src, ((c * ConvD + d) * ConvH + h) * ConvW));");
                w.Line($"ref float o = ref {Unsafe}.Add(ref dst, ((c * PoolD + pd) * PoolH + ph) * PoolW);");
                w.Comment("Horizontal: each pooled column's window of t.");
                w.Line("int pw = 0;");
                if (vector)
                {
                    using (w.Block("if (Vector256.IsHardwareAccelerated)"))
                    {
                        w.Comment($"Pooled columns {lo}..{hi - 1}: whole windows, 8 at a time (the last step overlaps the one before); the border columns below take the scalar loop.");
                        if (p.Stride == 2) w.Line("Vector256<int> evenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7); // 8 columns' even ones low, odd ones high");
                        using (w.Block($"for (pw = {lo}; pw < {hi}; pw += 8)"))
                        {
                            w.Line($"if (pw > {hi - 8}) pw = {hi - 8};");
                            EmitHorizontalVector(w, p);
                        }
                        w.Line($"pw = 0;");
                    }
                }
                using (w.Block("for (; pw < PoolW; pw++)"))
                {
                    if (vector) w.Line($"if (pw == {lo} && Vector256.IsHardwareAccelerated) pw = {hi}; // done in vectors");
                    if (vector) w.Line("if (pw >= PoolW) break;");
                    w.Line("int w0 = pw * PoolStride - PoolPadding, w1 = Math.Min(w0 + PoolKernel, ConvW);");
                    if (!p.IsMax && p.CountIncludePad) w.Line("int divisor = rows * (Math.Min(w0 + PoolKernel, ConvW + PoolPadding) - w0);");
                    w.Line("w0 = Math.Max(w0, 0);");
                    if (!p.IsMax && !p.CountIncludePad) w.Line("int divisor = rows * (w1 - w0);");
                    w.Line($"float result = {Unsafe}.Add(ref t, w0);");
                    w.Line($"for (int i = w0 + 1; i < w1; i++) result = {Scalar("result", $"{Unsafe}.Add(ref t, i)")};");
                    w.Line($"{Unsafe}.Add(ref o, pw) = {(p.IsMax ? "result" : "result / divisor")};");
                }
            }
            using (w.Block("finally"))
                w.Line("ArrayPool<float>.Shared.Return(rented);");
        }
        w.Line();
        w.Line($"/// <summary>t[i] = {(p.IsMax ? "max(t[i], row[i])" : "t[i] + row[i]")} over the ConvW columns{(p.IsMax ? "; NaN propagates (Vector256.Max and MathF.Max return NaN if either input is NaN)" : "")}.</summary>");
        using (w.Block("private static void ReduceRow(ref float t, ref float row)"))
        {
            w.Line("int i = 0;");
            w.Line("if (Vector256.IsHardwareAccelerated)");
            w.Line("    for (; i <= ConvW - 8; i += 8)");
            w.Line($"        Vector256.StoreUnsafe(Vector256.{op}(Vector256.LoadUnsafe(ref t, (nuint)i), Vector256.LoadUnsafe(ref row, (nuint)i)), ref t, (nuint)i);");
            w.Line($"for (; i < ConvW; i++) {Unsafe}.Add(ref t, i) = {Scalar($"{Unsafe}.Add(ref t, i)", $"{Unsafe}.Add(ref row, i)")};");
        }
    }

    /// <summary>
    /// 8 pooled columns pw … pw + 7 from the reduced row t, each window whole. Stride 1: tap j reads t[pw − padding + j]
    /// as one vector. Stride 2: tap j reads columns 2·pw + (j − padding), every other one; 16 consecutive columns are
    /// split into their even and odd ones (a shuffle puts the even columns low and the odd high), so taps with the same
    /// (j − padding) ÷ 2 share one split: even offsets read its even half, odd offsets its odd half.
    /// </summary>
    private static void EmitHorizontalVector(SourceWriter w, PoolPlan p)
    {
        string op = p.IsMax ? "Max" : "Add";
        string? result = null;
        void Reduce(string value)
        {
            if (result is null) { w.Line($"Vector256<float> r = {value};"); result = "r"; }
            else w.Line($"r = Vector256.{op}(r, {value});");
        }
        if (p.Stride == 1)
            for (int j = 0; j < p.Kernel; j++)
                Reduce($"Vector256.LoadUnsafe(ref t, (nuint)(pw + {j - p.Padding}))");
        else
        {
            var shifts = new System.Collections.Generic.SortedDictionary<int, System.Collections.Generic.List<int>>();
            for (int j = 0; j < p.Kernel; j++)
            {
                int offset = j - p.Padding, shift = (int)System.Math.Floor(offset / 2.0);
                if (!shifts.TryGetValue(shift, out var list)) shifts[shift] = list = new System.Collections.Generic.List<int>();
                list.Add(offset - 2 * shift); // 0: the even half, 1: the odd half
            }
            foreach (var pair in shifts)
            {
                string at = $"2 * pw{(pair.Key == 0 ? "" : pair.Key > 0 ? $" + {2 * pair.Key}" : $" - {-2 * pair.Key}")}";
                string name = pair.Key < 0 ? $"m{-pair.Key}" : $"p{pair.Key}";
                w.Line($"Vector256<float> a{name} = Vector256.Shuffle(Vector256.LoadUnsafe(ref t, (nuint)({at})), evenOdd), b{name} = Vector256.Shuffle(Vector256.LoadUnsafe(ref t, (nuint)({at} + 8)), evenOdd);");
                foreach (int half in pair.Value.Distinct())
                    Reduce(half == 0 ? $"Vector256.Create(a{name}.GetLower(), b{name}.GetLower())" : $"Vector256.Create(a{name}.GetUpper(), b{name}.GetUpper())");
            }
        }
        w.Line(p.IsMax
            ? "Vector256.StoreUnsafe(r, ref o, (nuint)pw);"
            : $"Vector256.StoreUnsafe(r / (rows * {p.Kernel}), ref o, (nuint)pw); // a whole window: {p.Kernel} columns of every row");
    }

    /// <summary>
    /// MaxPool2d(2) (window 2, stride 2, no padding), the common CNN pool: with no padding every window is whole, so
    /// no bounds are computed. A pooled row is the max of two conv rows, taken 16 columns at a time in Vector256s;
    /// a shuffle puts each pair's even column in the lower half and its odd column in the upper half, and the max of
    /// the halves is the max of the pairs. Max is exact, so the order of the comparisons cannot change a result.
    /// </summary>
    private static void EmitMax2x2(SourceWriter w, PoolPlan p)
    {
        w.Line($"/// <summary>{p.Kind} 2×2, stride 2, of <paramref name=\"channels\"/> consecutive planes from <paramref name=\"src\"/> into <paramref name=\"dst\"/>, pooled rows [rowStart, rowEnd): 8 outputs per step in vectors, the last step overlapping the one before; NaN propagates (Vector256.Max and MathF.Max return NaN if either input is NaN).</summary>");
        using (w.Block("private static void Pool(int channels, ref float src, ref float dst, int rowStart = 0, int rowEnd = PoolH)"))
        using (w.Block("for (int c = 0; c < channels; c++)"))
        using (w.Block("for (int ph = rowStart; ph < rowEnd; ph++)"))
        {
            w.Line($"ref float r0 = ref {Unsafe}.Add(ref src, (c * ConvH + 2 * ph) * ConvW); // the window's two conv rows");
            w.Line($"ref float r1 = ref {Unsafe}.Add(ref r0, ConvW);");
            w.Line($"ref float o = ref {Unsafe}.Add(ref dst, (c * PoolH + ph) * PoolW);");
            w.Line("int pw = 0;");
            if (p.OutWidth >= 8)
            {
                using (w.Block("if (Vector256.IsHardwareAccelerated)"))
                {
                    w.Comment("Columns 2·pw … 2·pw + 15 of both rows give pooled columns pw … pw + 7; the last step starts at PoolW − 8 (2·PoolW ≤ ConvW: no read past the row).");
                    using (w.Block("for (; pw < PoolW; pw += 8)"))
                    {
                        w.Line("if (pw > PoolW - 8) pw = PoolW - 8;");
                        w.Line("Vector256<float> a = Vector256.Max(Vector256.LoadUnsafe(ref r0, (nuint)(2 * pw)), Vector256.LoadUnsafe(ref r1, (nuint)(2 * pw)));");
                        w.Line("Vector256<float> b = Vector256.Max(Vector256.LoadUnsafe(ref r0, (nuint)(2 * pw + 8)), Vector256.LoadUnsafe(ref r1, (nuint)(2 * pw + 8)));");
                        w.Line("a = Vector256.Shuffle(a, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7)); // even columns low, odd columns high");
                        w.Line("b = Vector256.Shuffle(b, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));");
                        w.Line("Vector128.StoreUnsafe(Vector128.Max(a.GetLower(), a.GetUpper()), ref o, (nuint)pw);");
                        w.Line("Vector128.StoreUnsafe(Vector128.Max(b.GetLower(), b.GetUpper()), ref o, (nuint)(pw + 4));");
                    }
                    w.Line("continue;");
                }
            }
            w.Line("for (; pw < PoolW; pw++)");
            w.Line($"    {Unsafe}.Add(ref o, pw) = MathF.Max(MathF.Max({Unsafe}.Add(ref r0, 2 * pw), {Unsafe}.Add(ref r0, 2 * pw + 1)), MathF.Max({Unsafe}.Add(ref r1, 2 * pw), {Unsafe}.Add(ref r1, 2 * pw + 1)));");
        }
    }
}
