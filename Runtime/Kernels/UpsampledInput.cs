using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FusedNorm.Kernels;

/// <summary>
/// The input copy of a transposed convolution. ConvTranspose2d(stride s, padding p, output_padding op, dilation d) equals
/// a stride-1 Conv2d with the flipped, transposed weight over the input with s − 1 zeros between its rows and columns,
/// d·(k − 1) − p zero rows and columns before them and d·(k − 1) − p + op after: this writes that copy, so the ordinary
/// conv kernels (and their fused epilogues) compute the transposed convolution.
/// </summary>
public static class UpsampledInput
{
    /// <summary>
    /// Copies planes <paramref name="first"/> … first + count − 1 of (h, w) from <paramref name="source"/> into
    /// <paramref name="destination"/> as (hp, wp) planes: input (y, x) at (pad + y·stride, pad + x·stride) when that lies
    /// inside the plane (a negative <paramref name="pad"/> crops), zeros everywhere else.
    /// </summary>
    public static void CopyPlanes(ref float source, ref float destination, int first, int count, int h, int w, int hp, int wp, int stride, int pad)
    {
        for (int p = first; p < first + count; p++)
        {
            Span<float> plane = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, p * hp * wp), hp * wp);
            plane.Clear();
            ref float input = ref Unsafe.Add(ref source, p * h * w);
            // The input columns that land inside a row: pad + x·stride in [0, wp).
            int x0 = pad >= 0 ? 0 : (-pad + stride - 1) / stride;
            int x1 = Math.Min(w, wp - 1 - pad < 0 ? 0 : (wp - 1 - pad) / stride + 1);
            for (int y = 0; y < h; y++)
            {
                int row = pad + y * stride;
                if (row < 0 || row >= hp) continue;
                Span<float> target = plane.Slice(row * wp, wp);
                ref float line = ref Unsafe.Add(ref input, y * w);
                for (int x = x0; x < x1; x++) target[pad + x * stride] = Unsafe.Add(ref line, x);
            }
        }
    }
}
