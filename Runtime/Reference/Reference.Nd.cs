using System;

namespace FusedNorm;

// The reference for every rank and every normalization: a convolution, pooling or norm over (N, C, spatial…),
// spatial being (L), (H, W) or (D, H, W). Plain loops in double, as obvious as the 2d versions.
public static partial class Reference
{
    /// <summary>
    /// torch.nn.functional.conv1d/2d/3d with groups: weight [oc, c/groups, k…] (cubic), zero padding (multiplied
    /// like any input, so a non-finite weight over it gives NaN, as in libtorch).
    /// <paramref name="spatial"/> is the input's spatial shape (1 to 3 dims).
    /// </summary>
    public static float[] ConvNd(float[] x, int n, int c, int[] spatial, float[] weight, float[]? bias, int oc, int groups,
        int kernel, int stride, int padding, int dilation)
    {
        int rank = spatial.Length;
        return ConvNd(x, n, c, spatial, weight, bias, oc, groups, Fill(rank, kernel), Fill(rank, stride), Fill(rank, padding), Fill(rank, dilation));
    }

    /// <summary>
    /// torch.nn.functional.conv1d/2d/3d with PyTorch's per-dim tuples: <paramref name="kernel"/>, <paramref name="stride"/>,
    /// <paramref name="padding"/> and <paramref name="dilation"/> have one entry per spatial dim (kernel_size=(1, 7), …);
    /// weight [oc, c/groups, k₀, k₁…].
    /// </summary>
    public static float[] ConvNd(float[] x, int n, int c, int[] spatial, float[] weight, float[]? bias, int oc, int groups,
        int[] kernel, int[] stride, int[] padding, int[] dilation)
    {
        int rank = spatial.Length;
        if (kernel.Length != rank || stride.Length != rank || padding.Length != rank || dilation.Length != rank)
            throw new ArgumentException($"kernel, stride, padding and dilation need one entry per spatial dim ({rank}).");
        int[] dims = Pad3(spatial, 1);
        int[] k = Pad3(kernel, 1), s = Pad3(stride, 1), p = Pad3(padding, 0), d = Pad3(dilation, 1);
        int[] o = new int[3];
        for (int i = 0; i < 3; i++) o[i] = OutputSize(dims[i], k[i], s[i], p[i], d[i]);
        int cg = c / groups, og = oc / groups;
        Check(x, n * c * dims[0] * dims[1] * dims[2], nameof(x), $"[{n}, {c}, {string.Join(", ", spatial)}]");
        Check(weight, oc * cg * k[0] * k[1] * k[2], nameof(weight), $"[{oc}, {cg}, {string.Join(", ", kernel)}]");
        var y = new float[n * oc * o[0] * o[1] * o[2]];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < oc; co++)
                for (int z0 = 0; z0 < o[0]; z0++)
                    for (int z1 = 0; z1 < o[1]; z1++)
                        for (int z2 = 0; z2 < o[2]; z2++)
                        {
                            double sum = bias?[co] ?? 0.0;
                            int group = co / og;
                            for (int ci = 0; ci < cg; ci++)
                                for (int u = 0; u < k[0]; u++)
                                    for (int v = 0; v < k[1]; v++)
                                        for (int t = 0; t < k[2]; t++)
                                        {
                                            int i0 = z0 * s[0] - p[0] + u * d[0], i1 = z1 * s[1] - p[1] + v * d[1], i2 = z2 * s[2] - p[2] + t * d[2];
                                            bool inside = i0 >= 0 && i0 < dims[0] && i1 >= 0 && i1 < dims[1] && i2 >= 0 && i2 < dims[2];
                                            int input = group * cg + ci;
                                            // zero padding is multiplied like any input: 0·∞ is NaN, as in libtorch
                                            sum += (inside ? (double)x[(((b * c + input) * dims[0] + i0) * dims[1] + i1) * dims[2] + i2] : 0.0)
                                                 * weight[(((co * cg + ci) * k[0] + u) * k[1] + v) * k[2] + t];
                                        }
                            y[(((b * oc + co) * o[0] + z0) * o[1] + z1) * o[2] + z2] = (float)sum;
                        }
        return y;
    }

    /// <summary>Max (or average) pooling over 1 to 3 spatial dims with a cubic window, PyTorch's floor mode and padding rules.</summary>
    public static float[] PoolNd(float[] x, int n, int c, int[] spatial, bool max, int kernel, int stride, int padding, bool countIncludePad = true)
    {
        int rank = spatial.Length;
        int[] dims = Pad3(spatial, 1), k = Pad3(Fill(rank, kernel), 1), s = Pad3(Fill(rank, stride), 1), p = Pad3(Fill(rank, padding), 0);
        int[] o = new int[3];
        for (int i = 0; i < 3; i++) o[i] = OutputSize(dims[i], k[i], s[i], p[i]);
        var y = new float[n * c * o[0] * o[1] * o[2]];
        for (int plane = 0; plane < n * c; plane++)
            for (int z0 = 0; z0 < o[0]; z0++)
                for (int z1 = 0; z1 < o[1]; z1++)
                    for (int z2 = 0; z2 < o[2]; z2++)
                    {
                        double best = double.NegativeInfinity, sum = 0;
                        int real = 0, padded = 0;
                        for (int u = 0; u < k[0]; u++)
                            for (int v = 0; v < k[1]; v++)
                                for (int t = 0; t < k[2]; t++)
                                {
                                    int i0 = z0 * s[0] - p[0] + u, i1 = z1 * s[1] - p[1] + v, i2 = z2 * s[2] - p[2] + t;
                                    if (i0 >= dims[0] + p[0] || i1 >= dims[1] + p[1] || i2 >= dims[2] + p[2]) continue;
                                    padded++;
                                    if (i0 < 0 || i0 >= dims[0] || i1 < 0 || i1 >= dims[1] || i2 < 0 || i2 >= dims[2]) continue;
                                    real++;
                                    double value = x[((plane * dims[0] + i0) * dims[1] + i1) * dims[2] + i2];
                                    sum += value;
                                    if (double.IsNaN(value) || value > best || double.IsNaN(best)) best = double.IsNaN(best) ? best : value;
                                }
                        y[((plane * o[0] + z0) * o[1] + z1) * o[2] + z2] = (float)(max ? best : sum / (countIncludePad ? padded : real));
                    }
        return y;
    }

    /// <summary>
    /// BatchNorm with batch statistics (training mode, or track_running_stats=False): per channel, mean and biased
    /// variance over (N, spatial). Also returns the mean and the unbiased variance, which update running statistics.
    /// </summary>
    public static (float[] Y, double[] Mean, double[] UnbiasedVar) BatchNormBatch(float[] x, int n, int c, int spatial, float[]? gamma, float[]? beta, double eps)
    {
        var y = new float[x.Length];
        var means = new double[c];
        var unbiased = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++) for (int s = 0; s < spatial; s++) sum += x[(b * c + ch) * spatial + s];
            int count = n * spatial;
            double mean = sum / count, squares = 0;
            for (int b = 0; b < n; b++) for (int s = 0; s < spatial; s++) { double d = x[(b * c + ch) * spatial + s] - mean; squares += d * d; }
            double variance = squares / count;
            means[ch] = mean;
            unbiased[ch] = squares / (count - 1);
            for (int b = 0; b < n; b++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * c + ch) * spatial + s;
                    y[i] = (float)((x[i] - mean) / Math.Sqrt(variance + eps) * (gamma?[ch] ?? 1.0) + (beta?[ch] ?? 0.0));
                }
        }
        return (y, means, unbiased);
    }

    /// <summary>
    /// Normalizes each run of <paramref name="runLength"/> consecutive elements by its own mean and biased variance,
    /// then applies an affine: per channel (<paramref name="elementwise"/> false: γ[c], β[c] with c = index / spatial
    /// within the sample) or elementwise over the run (LayerNorm). InstanceNorm: runLength = spatial; GroupNorm:
    /// runLength = C/G·spatial; LayerNorm: runLength = Π normalized_shape.
    /// </summary>
    public static float[] NormalizeRuns(float[] x, int runLength, int spatial, float[]? gamma, float[]? beta, double eps, bool elementwise, int sampleSize)
    {
        var y = new float[x.Length];
        for (int start = 0; start < x.Length; start += runLength)
        {
            double sum = 0;
            for (int i = 0; i < runLength; i++) sum += x[start + i];
            double mean = sum / runLength, squares = 0;
            for (int i = 0; i < runLength; i++) { double d = x[start + i] - mean; squares += d * d; }
            double invStd = 1 / Math.Sqrt(squares / runLength + eps);
            for (int i = 0; i < runLength; i++)
            {
                int a = elementwise ? i : (start + i) % sampleSize / spatial;
                y[start + i] = (float)((x[start + i] - mean) * invStd * (gamma?[a] ?? 1.0) + (beta?[a] ?? 0.0));
            }
        }
        return y;
    }

    /// <summary>Per-run means and unbiased variances (InstanceNorm's contribution to running statistics).</summary>
    public static (double[] Mean, double[] UnbiasedVar) RunMoments(float[] x, int runLength)
    {
        int runs = x.Length / runLength;
        var means = new double[runs];
        var variances = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            double sum = 0;
            for (int i = 0; i < runLength; i++) sum += x[r * runLength + i];
            double mean = sum / runLength, squares = 0;
            for (int i = 0; i < runLength; i++) { double d = x[r * runLength + i] - mean; squares += d * d; }
            means[r] = mean;
            variances[r] = squares / (runLength - 1);
        }
        return (means, variances);
    }

    /// <summary>The residual add <c>x + skip</c> (torch.add of two float32 tensors of one shape): elementwise, rounded to float.</summary>
    public static float[] Add(float[] x, float[] skip)
    {
        Check(skip, x.Length, nameof(skip), $"[{x.Length}] (x's shape)");
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] + skip[i];
        return y;
    }

    private static int[] Fill(int rank, int value) { var a = new int[rank]; Array.Fill(a, value); return a; }

    /// <summary>Pads a spatial shape on the left to three dims (D, H, W).</summary>
    private static int[] Pad3(int[] dims, int fill)
    {
        var padded = new int[3];
        Array.Fill(padded, fill);
        Array.Copy(dims, 0, padded, 3 - dims.Length, dims.Length);
        return padded;
    }
}
