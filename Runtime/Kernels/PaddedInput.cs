using System;

namespace FusedNorm.Kernels;

/// <summary>Copies planes into a zero-padded layout, so a convolution's window never leaves its input.</summary>
public static class PaddedInput
{
    /// <summary>
    /// Copies <paramref name="planes"/> planes of (d, h, w) from <paramref name="source"/> into
    /// <paramref name="destination"/> as (d + 2·pd, h + 2·ph, w + 2·pw), with zeros around each.
    /// </summary>
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination, int planes, int d, int h, int w, int pd, int ph, int pw)
    {
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        if (source.Length < planes * d * h * w || destination.Length < planes * dp * hp * wp)
            throw new ArgumentException("The padded copy's buffers are too small.");
        destination.Slice(0, planes * dp * hp * wp).Clear();
        for (int p = 0; p < planes; p++)
            for (int z = 0; z < d; z++)
                for (int y = 0; y < h; y++)
                    source.Slice(((p * d + z) * h + y) * w, w)
                          .CopyTo(destination.Slice(((p * dp + z + pd) * hp + y + ph) * wp + pw, w));
    }
}
