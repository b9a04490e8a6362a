using System;

namespace FusedNorm;

// The reference for a classifier head: global average pooling and softmax. Plain loops in double.
public static partial class Reference
{
    /// <summary>
    /// torch.nn.AdaptiveAvgPool2d(1) (also 1d/3d: any spatial shape): the mean of each (sample, channel)'s
    /// <paramref name="spatial"/> values, summed in double in index order, rounded to float once. Output (n, c).
    /// </summary>
    public static float[] GlobalAveragePool(float[] x, int n, int c, int spatial)
    {
        Check(x, n * c * spatial, nameof(x), $"[{n}, {c}, {spatial}]");
        var y = new float[n * c];
        for (int plane = 0; plane < n * c; plane++)
        {
            double sum = 0;
            for (int i = 0; i < spatial; i++) sum += x[plane * spatial + i];
            y[plane] = (float)(sum / spatial);
        }
        return y;
    }

    /// <summary>
    /// torch.nn.Softmax(dim=1) of (n, features): exp(x − max) / Σ exp(x − max) per sample, in double, rounded to float.
    /// A NaN or +∞ in a row makes the row NaN (exp(∞ − ∞)), as in libtorch.
    /// </summary>
    public static float[] Softmax(float[] x, int n, int features)
    {
        Check(x, n * features, nameof(x), $"[{n}, {features}]");
        var y = new float[x.Length];
        for (int s = 0; s < n; s++)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < features; i++) max = Math.Max(max, x[s * features + i]);
            double sum = 0;
            for (int i = 0; i < features; i++) sum += Math.Exp(x[s * features + i] - max);
            for (int i = 0; i < features; i++) y[s * features + i] = (float)(Math.Exp(x[s * features + i] - max) / sum);
        }
        return y;
    }
}
