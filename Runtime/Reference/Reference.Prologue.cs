using System;

namespace FusedNorm;

// The prologue layers: what a convolution applies to its input as it reads it. Upsampling (nearest, bilinear) and
// padding (zeros, reflect, replicate, circular), each a whole new tensor, as PyTorch's modules compute them one by one.
public static partial class Reference
{
    /// <summary>
    /// torch.nn.functional.pad over the spatial dims of (n, c, spatial…): <paramref name="before"/>[i] and
    /// <paramref name="after"/>[i] elements on each side of spatial dim i, in mode 'constant' (zeros), 'reflect',
    /// 'replicate' or 'circular'. Reflect needs padding &lt; the dim, circular padding ≤ the dim (PyTorch raises otherwise).
    /// </summary>
    public static float[] Pad(float[] x, int n, int c, int[] spatial, int[] before, int[] after, PaddingMode mode)
    {
        int rank = spatial.Length;
        int planeIn = 1, planeOut = 1;
        var padded = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            padded[i] = spatial[i] + before[i] + after[i];
            planeIn *= spatial[i];
            planeOut *= padded[i];
            int most = Math.Max(before[i], after[i]);
            if (mode == PaddingMode.Reflect && most >= spatial[i])
                throw new ArgumentException($"Reflect padding {most} must be less than the input size {spatial[i]} (dim {i}).");
            if (mode == PaddingMode.Circular && most > spatial[i])
                throw new ArgumentException($"Circular padding {most} must be at most the input size {spatial[i]} (dim {i}).");
        }
        Check(x, n * c * planeIn, nameof(x), $"[{n}, {c}, {string.Join(", ", spatial)}]");
        var y = new float[n * c * planeOut];
        var at = new int[rank];
        for (int plane = 0; plane < n * c; plane++)
            for (int o = 0; o < planeOut; o++)
            {
                // o → its coordinates in the padded plane, then each coordinate → the input coordinate it shows.
                int rest = o, source = 0;
                bool zero = false;
                for (int i = rank - 1; i >= 0; i--) { at[i] = rest % padded[i]; rest /= padded[i]; }
                for (int i = 0; i < rank; i++)
                {
                    int j = at[i] - before[i], size = spatial[i];
                    if (j < 0 || j >= size)
                    {
                        switch (mode)
                        {
                            case PaddingMode.Zeros: zero = true; break;
                            case PaddingMode.Reflect: j = j < 0 ? -j : 2 * (size - 1) - j; break; // mirror, edge not repeated
                            case PaddingMode.Replicate: j = j < 0 ? 0 : size - 1; break;
                            default: j = (j + size) % size; break; // circular: wrap once
                        }
                    }
                    source = source * size + j;
                }
                y[plane * planeOut + o] = zero ? 0f : x[plane * planeIn + source];
            }
        return y;
    }

    /// <summary>
    /// torch.nn.Upsample(scale_factor=<paramref name="scale"/>, mode) on (n, c, h, w), output (n, c, h·scale, w·scale).
    /// Nearest: output index i reads min(⌊i · s⌋, size − 1) with s = (float)(1/scale) and the product in float, as libtorch.
    /// Bilinear: source = s·(i + 0.5) − 0.5, clamped at 0 (align_corners=False), or i·(size − 1)/(out − 1) (True); it reads
    /// ⌊source⌋ and the next index (the same at the last), weighted 1 − λ and λ; the width is interpolated first, then the rows.
    /// </summary>
    public static float[] Upsample2d(float[] x, int n, int c, int h, int w, int scale, UpsampleMode mode, bool alignCorners = false)
    {
        Check(x, n * c * h * w, nameof(x), $"[{n}, {c}, {h}, {w}]");
        int oh = h * scale, ow = w * scale;
        var y = new float[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double value;
                    if (mode == UpsampleMode.Nearest)
                        value = x[(plane * h + NearestSource(i, h, scale)) * w + NearestSource(j, w, scale)];
                    else
                    {
                        var (r0, r1, rl) = LinearSource(i, h, scale, alignCorners);
                        var (c0, c1, cl) = LinearSource(j, w, scale, alignCorners);
                        double Row(int r) => x[(plane * h + r) * w + c0] * (1.0 - cl) + x[(plane * h + r) * w + c1] * cl;
                        value = Row(r0) * (1.0 - rl) + Row(r1) * rl;
                    }
                    y[(plane * oh + i) * ow + j] = (float)value;
                }
        return y;
    }

    private static int NearestSource(int i, int size, int scale)
    {
        float s = (float)(1.0 / scale);
        float product = i * s; // float, as libtorch
        return Math.Min((int)Math.Floor(product), size - 1);
    }

    private static (int Low, int High, double Lambda) LinearSource(int i, int size, int scale, bool alignCorners)
    {
        int outSize = size * scale;
        if (outSize == size) return (i, i, 0);
        float s = alignCorners ? (outSize > 1 ? (float)(size - 1) / (outSize - 1) : 0f) : (float)(1.0 / scale);
        float source = alignCorners ? s * i : Math.Max(s * (i + 0.5f) - 0.5f, 0f);
        int low = Math.Min((int)Math.Floor(source), size - 1);
        double lambda = Math.Clamp(source - low, 0f, 1f);
        return (low, low < size - 1 ? low + 1 : low, lambda);
    }
}
