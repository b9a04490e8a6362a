using System;
using System.Runtime.CompilerServices;

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
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
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
}
