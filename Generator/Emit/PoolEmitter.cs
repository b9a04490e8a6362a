using FusedNorm.Generator.Plan;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>Max or average pooling (1d, 2d, 3d) of consecutive channel planes, with PyTorch's padding rules.</summary>
internal static class PoolEmitter
{
    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        PoolPlan p = chain.Pool!;
        w.Line($"private const int PoolKernel = {p.Kernel}, PoolStride = {p.Stride}, PoolPadding = {p.Padding};");
        string rule = p.IsMax
            ? "padding counts as −∞, NaN propagates"
            : p.CountIncludePad ? "the divisor counts the zero padding (count_include_pad=True)" : "the divisor counts only real inputs (count_include_pad=False)";
        w.Line($"/// <summary>{p.Kind} of <paramref name=\"channels\"/> consecutive planes from <paramref name=\"src\"/> into <paramref name=\"dst\"/>, pooled rows [rowStart, rowEnd): {rule}.</summary>");
        using (w.Block("private static void Pool(int channels, ref float src, ref float dst, int rowStart = 0, int rowEnd = PoolH)"))
        using (w.Block("for (int c = 0; c < channels; c++)"))
        using (w.Block("for (int pd = 0; pd < PoolD; pd++)"))
        using (w.Block("for (int ph = rowStart; ph < rowEnd; ph++)"))
        using (w.Block("for (int pw = 0; pw < PoolW; pw++)"))
        {
            // Window start and end per dim, clipped to the conv output; PyTorch's divisor clips to the padded input.
            w.Line($"int d0 = pd * {p.StrideD} - {p.PaddingD}, h0 = ph * {p.StrideH} - {p.PaddingH}, w0 = pw * PoolStride - PoolPadding;");
            w.Line($"int d1 = Math.Min(d0 + {p.KernelD}, ConvD), h1 = Math.Min(h0 + {p.KernelH}, ConvH), w1 = Math.Min(w0 + PoolKernel, ConvW);");
            if (!p.IsMax && p.CountIncludePad)
                w.Line($"int divisor = (Math.Min(d0 + {p.KernelD}, ConvD + {p.PaddingD}) - d0) * (Math.Min(h0 + {p.KernelH}, ConvH + {p.PaddingH}) - h0) * (Math.Min(w0 + PoolKernel, ConvW + PoolPadding) - w0);");
            w.Line("d0 = Math.Max(d0, 0); h0 = Math.Max(h0, 0); w0 = Math.Max(w0, 0);");
            w.Line(p.IsMax ? "float result = float.NegativeInfinity;" : "float sum = 0f;");
            w.Line("for (int d = d0; d < d1; d++)");
            w.Line("    for (int h = h0; h < h1; h++)");
            w.Line("        for (int i = w0; i < w1; i++)");
            w.Line(p.IsMax
                ? $"            result = MathF.Max(result, {Unsafe}.Add(ref src, ((c * ConvD + d) * ConvH + h) * ConvW + i));"
                : $"            sum += {Unsafe}.Add(ref src, ((c * ConvD + d) * ConvH + h) * ConvW + i);");
            if (!p.IsMax && !p.CountIncludePad) w.Line("int divisor = (d1 - d0) * (h1 - h0) * (w1 - w0);");
            w.Line($"{Unsafe}.Add(ref dst, ((c * PoolD + pd) * PoolH + ph) * PoolW + pw) = {(p.IsMax ? "result" : "sum / divisor")};");
        }
    }
}
