using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FusedNorm.Kernels;

/// <summary>
/// The prologue of a chain whose input is pooled as it is read (<c>[Fuse(Layer.MaxPool2d, Layer.Conv2d, …)]</c>, a UNet's
/// down step whose un-pooled input is also a skip): one plane pooled, in PyTorch's floor mode, into a buffer from which
/// the conv's input copy is made. Max: padding counts as −∞ and a NaN in the window wins. Avg: summed in double, divided
/// by the window clipped to the padded plane (count_include_pad) or by the real inputs in it.
/// </summary>
public static class PooledInput
{
    /// <summary>Pools the h×w plane at <paramref name="source"/> into the oh×ow <paramref name="destination"/> (max, or avg with count_include_pad as PyTorch).</summary>
    public static void PoolPlane(ref float source, Span<float> destination, int h, int w, int oh, int ow,
        int kernel, int stride, int padding, bool max, bool countIncludePad)
    {
        int vectorColumns = 0; // output columns of each row already computed in vectors
        if (max && kernel == 2 && stride == 2 && padding == 0 && Vector256.IsHardwareAccelerated)
            vectorColumns = MaxPool2x2Rows(ref source, ref MemoryMarshal.GetReference(destination), w, oh, ow);
        for (int i = 0; i < oh; i++)
            for (int j = vectorColumns; j < ow; j++)
            {
                int row0 = i * stride - padding, col0 = j * stride - padding;
                if (max)
                {
                    float best = float.NegativeInfinity;
                    for (int u = Math.Max(0, row0); u < Math.Min(h, row0 + kernel); u++)
                        for (int v = Math.Max(0, col0); v < Math.Min(w, col0 + kernel); v++)
                        {
                            float value = Unsafe.Add(ref source, u * w + v);
                            if (value > best || float.IsNaN(value)) best = value;
                        }
                    destination[i * ow + j] = best;
                }
                else
                {
                    double sum = 0;
                    for (int u = Math.Max(0, row0); u < Math.Min(h, row0 + kernel); u++)
                        for (int v = Math.Max(0, col0); v < Math.Min(w, col0 + kernel); v++)
                            sum += Unsafe.Add(ref source, u * w + v);
                    int divisor = countIncludePad
                        ? (Math.Min(row0 + kernel, h + padding) - row0) * (Math.Min(col0 + kernel, w + padding) - col0)
                        : (Math.Min(h, row0 + kernel) - Math.Max(0, row0)) * (Math.Min(w, col0 + kernel) - Math.Max(0, col0));
                    destination[i * ow + j] = (float)(sum / divisor);
                }
            }
    }

    /// <summary>
    /// MaxPool2d(2) (stride 2, no padding) of whole vectors of 8 output columns per row: the window's four values
    /// taken in the scalar loop's order (row 0 left, right, row 1 left, right), each replacing the best so far where it
    /// is greater or NaN, lane by lane: the same result as the scalar loop, NaNs and signed zeros included. Returns
    /// how many output columns of each row it computed (a multiple of 8); the scalar loop does the rest.
    /// </summary>
    private static int MaxPool2x2Rows(ref float source, ref float destination, int w, int oh, int ow)
    {
        int columns = ow / 8 * 8;
        Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7); // evens to the lower half, odds to the upper
        for (int i = 0; i < oh; i++)
        {
            ref float row0 = ref Unsafe.Add(ref source, 2 * i * w);
            ref float row1 = ref Unsafe.Add(ref row0, w);
            for (int j = 0; j < columns; j += 8)
            {
                Vector256<float> a0 = Vector256.Shuffle(Vector256.LoadUnsafe(ref row0, (nuint)(2 * j)), split);
                Vector256<float> b0 = Vector256.Shuffle(Vector256.LoadUnsafe(ref row0, (nuint)(2 * j + 8)), split);
                Vector256<float> a1 = Vector256.Shuffle(Vector256.LoadUnsafe(ref row1, (nuint)(2 * j)), split);
                Vector256<float> b1 = Vector256.Shuffle(Vector256.LoadUnsafe(ref row1, (nuint)(2 * j + 8)), split);
                Vector256<float> best = Vector256.Create(a0.GetLower(), b0.GetLower()); // row 0, left column: the first value
                best = Take(Vector256.Create(a0.GetUpper(), b0.GetUpper()), best);     // row 0, right column
                best = Take(Vector256.Create(a1.GetLower(), b1.GetLower()), best);     // row 1, left column
                best = Take(Vector256.Create(a1.GetUpper(), b1.GetUpper()), best);     // row 1, right column
                best.StoreUnsafe(ref destination, (nuint)(i * ow + j));
            }
        }
        return columns;

        // The scalar loop's rule per lane: value > best || IsNaN(value) ? value : best.
        static Vector256<float> Take(Vector256<float> value, Vector256<float> best) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(value, best) | ~Vector256.Equals(value, value), value, best);
    }
}
