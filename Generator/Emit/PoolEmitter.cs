using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Emit.Format;

namespace FusedNorm.Generator.Emit;

/// <summary>MaxPool2d / AvgPool2d over a channel block's scratch plane, with PyTorch's padding rules.</summary>
internal static class PoolEmitter
{
    public static void Emit(SourceWriter w, ChainPlan chain)
    {
        PoolPlan p = chain.Pool!;
        bool max = p.Kind == LayerKind.MaxPool2d;
        w.Line($"private const int PoolKernel = {p.Kernel}, PoolStride = {p.Stride}, PoolPadding = {p.Padding};");
        string rule = max
            ? "padding counts as −∞, NaN propagates"
            : p.CountIncludePad ? "the divisor counts the zero padding (count_include_pad=True)" : "the divisor counts only real inputs (count_include_pad=False)";
        w.Line($"/// <summary>{p.Kind} of r channels from the scratch plane into the output: {rule}.</summary>");
        using (w.Block($"private static void Pool(int r, ref float src, ref float dst)"))
        {
            using (w.Block("for (int j = 0; j < r; j++)"))
            using (w.Block("for (int ph = 0; ph < PoolH; ph++)"))
            using (w.Block("for (int pw = 0; pw < PoolW; pw++)"))
            {
                w.Line("int h0 = ph * PoolStride - PoolPadding, w0 = pw * PoolStride - PoolPadding;");
                w.Line("int h1 = Math.Min(h0 + PoolKernel, ConvH), w1 = Math.Min(w0 + PoolKernel, ConvW);");
                if (!max && p.CountIncludePad)
                    w.Line("int divisor = (Math.Min(h0 + PoolKernel, ConvH + PoolPadding) - h0) * (Math.Min(w0 + PoolKernel, ConvW + PoolPadding) - w0);");
                w.Line("h0 = Math.Max(h0, 0); w0 = Math.Max(w0, 0);");
                w.Line(max ? "float result = float.NegativeInfinity;" : "float sum = 0f;");
                w.Line("for (int h = h0; h < h1; h++)");
                w.Line("    for (int c = w0; c < w1; c++)");
                w.Line(max
                    ? $"        result = MathF.Max(result, {Unsafe}.Add(ref src, (j * ConvH + h) * ConvW + c));"
                    : $"        sum += {Unsafe}.Add(ref src, (j * ConvH + h) * ConvW + c);");
                if (!max && !p.CountIncludePad) w.Line("int divisor = (h1 - h0) * (w1 - w0);");
                w.Line($"{Unsafe}.Add(ref dst, (j * PoolH + ph) * PoolW + pw) = {(max ? "result" : "sum / divisor")};");
            }
        }
    }
}
