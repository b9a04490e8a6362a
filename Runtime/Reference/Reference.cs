using System;

namespace FusedNorm;

/// <summary>
/// The specification: a plain scalar implementation of every supported layer with PyTorch's semantics, in
/// double precision, NCHW with the batch first. The tests hold every generated kernel against it. Keep it
/// obvious: loops that read like the formulas, no blocking, no vectors, no shared code with the kernels.
/// </summary>
public static partial class Reference
{
    /// <summary>PyTorch's output size: ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.</summary>
    public static int OutputSize(int input, int kernel, int stride, int padding, int dilation = 1) =>
        (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

    /// <summary>
    /// torch.nn.functional.conv2d: cross-correlation with zero padding. weight is [oc, c, kh, kw]. Taps over the
    /// padding multiply 0 by the weight, so a ±∞ or NaN weight there gives NaN, as libtorch's kernels do.
    /// </summary>
    public static float[] Conv2d(float[] x, int n, int c, int h, int w, float[] weight, float[]? bias, int oc, int kh, int kw,
        int strideH, int strideW, int padH, int padW, int dilH, int dilW)
    {
        Check(x, n * c * h * w, nameof(x), $"[{n}, {c}, {h}, {w}]");
        Check(weight, oc * c * kh * kw, nameof(weight), $"[{oc}, {c}, {kh}, {kw}]");
        if (bias is not null) Check(bias, oc, nameof(bias), $"[{oc}]");
        int oh = OutputSize(h, kh, strideH, padH, dilH), ow = OutputSize(w, kw, strideW, padW, dilW);
        var y = new float[n * oc * oh * ow];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < oc; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = bias?[o] ?? 0.0;
                        for (int ci = 0; ci < c; ci++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++)
                                {
                                    int row = i * strideH - padH + u * dilH, col = j * strideW - padW + v * dilW;
                                    bool inside = row >= 0 && row < h && col >= 0 && col < w;
                                    // zero padding is multiplied like any input, so an infinite weight over it gives NaN (as libtorch's does)
                                    sum += (inside ? (double)x[((b * c + ci) * h + row) * w + col] : 0.0) * weight[((o * c + ci) * kh + u) * kw + v];
                                }
                        y[((b * oc + o) * oh + i) * ow + j] = (float)sum;
                    }
        return y;
    }

    /// <summary>torch.nn.functional.linear: y = x·Wᵀ + b, weight [out, in]. x is (n, in), already flattened.</summary>
    public static float[] Linear(float[] x, int n, int inFeatures, float[] weight, float[]? bias, int outFeatures)
    {
        Check(x, n * inFeatures, nameof(x), $"[{n}, {inFeatures}]");
        Check(weight, outFeatures * inFeatures, nameof(weight), $"[{outFeatures}, {inFeatures}]");
        if (bias is not null) Check(bias, outFeatures, nameof(bias), $"[{outFeatures}]");
        var y = new float[n * outFeatures];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = bias?[o] ?? 0.0;
                for (int i = 0; i < inFeatures; i++) sum += (double)x[b * inFeatures + i] * weight[o * inFeatures + i];
                y[b * outFeatures + o] = (float)sum;
            }
        return y;
    }

    /// <summary>
    /// BatchNorm in eval mode, per channel, as PyTorch's CPU kernel computes it: x·α + (β − running_mean·α) with
    /// α = γ/√(running_var + ε); spatial is H·W (1 after a Linear). For finite parameters this is
    /// (x − running_mean)/√(running_var + ε)·γ + β; with an infinite α it is ±∞ or NaN where that would be ±∞.
    /// </summary>
    public static float[] BatchNormEval(float[] x, int n, int c, int spatial, float[]? gamma, float[]? beta,
        float[] runningMean, float[] runningVar, double eps)
    {
        Check(x, n * c * spatial, nameof(x), $"[{n}, {c}, {spatial}]");
        var y = new float[x.Length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int s = 0; s < spatial; s++)
                {
                    int index = (b * c + ch) * spatial + s;
                    double alpha = (gamma?[ch] ?? 1.0) / Math.Sqrt(runningVar[ch] + eps);
                    y[index] = (float)(x[index] * alpha + ((beta?[ch] ?? 0.0) - runningMean[ch] * alpha));
                }
        return y;
    }

    /// <summary>
    /// An activation, elementwise. <paramref name="parameter"/> is LeakyReLU's negative_slope (default 0.01) or
    /// ELU's alpha (default 1.0); <paramref name="tanhApproximation"/> selects GELU(approximate='tanh').
    /// </summary>
    public static float[] Activation(float[] x, Layer kind, double parameter = double.NaN, bool tanhApproximation = false)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = (float)Activation(x[i], kind, parameter, tanhApproximation);
        return y;
    }

    /// <summary>An activation of one value, in double: <paramref name="parameter"/> is LeakyReLU's slope or ELU's alpha.</summary>
    public static double Activation(double x, Layer kind, double parameter = double.NaN, bool tanhApproximation = false) => kind switch
    {
        Layer.ReLU => double.IsNaN(x) ? x : Math.Max(x, 0),
        Layer.ReLU6 => double.IsNaN(x) ? x : Math.Min(Math.Max(x, 0), 6),
        Layer.LeakyReLU => x > 0 ? x : x * (double.IsNaN(parameter) ? 0.01 : parameter),
        Layer.SiLU => x / (1 + Math.Exp(-x)),
        Layer.GELU => tanhApproximation
            ? 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
            : double.IsInfinity(x) ? double.NaN // libtorch's float32 GELU gives NaN at ±∞
            : 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        Layer.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Layer.Tanh => Math.Tanh(x),
        Layer.Hardswish => x * Math.Min(Math.Max(x + 3, 0), 6) / 6,
        Layer.ELU => x > 0 ? x : (double.IsNaN(parameter) ? 1.0 : parameter) * (Math.Exp(x) - 1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an activation"),
    };

    /// <summary>torch.nn.functional.max_pool2d (floor mode): padding counts as −∞.</summary>
    public static float[] MaxPool2d(float[] x, int n, int c, int h, int w, int kernel, int stride, int padding)
    {
        Check(x, n * c * h * w, nameof(x), $"[{n}, {c}, {h}, {w}]");
        int oh = OutputSize(h, kernel, stride, padding), ow = OutputSize(w, kernel, stride, padding);
        var y = new float[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double best = double.NegativeInfinity;
                    for (int u = 0; u < kernel; u++)
                        for (int v = 0; v < kernel; v++)
                        {
                            int row = i * stride - padding + u, col = j * stride - padding + v;
                            if (row < 0 || row >= h || col < 0 || col >= w) continue;
                            double value = x[(plane * h + row) * w + col];
                            if (double.IsNaN(value) || value > best) best = value;
                            if (double.IsNaN(best)) break;
                        }
                    y[(plane * oh + i) * ow + j] = (float)best;
                }
        return y;
    }

    /// <summary>
    /// torch.nn.functional.avg_pool2d (floor mode). With count_include_pad the divisor is the window clipped to
    /// the padded input; without it, the number of real inputs in the window.
    /// </summary>
    public static float[] AvgPool2d(float[] x, int n, int c, int h, int w, int kernel, int stride, int padding, bool countIncludePad = true)
    {
        Check(x, n * c * h * w, nameof(x), $"[{n}, {c}, {h}, {w}]");
        int oh = OutputSize(h, kernel, stride, padding), ow = OutputSize(w, kernel, stride, padding);
        var y = new float[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double sum = 0;
                    int real = 0, padded = 0;
                    for (int u = 0; u < kernel; u++)
                        for (int v = 0; v < kernel; v++)
                        {
                            int row = i * stride - padding + u, col = j * stride - padding + v;
                            if (row >= h + padding || col >= w + padding) continue; // beyond the padded input
                            padded++;
                            if (row < 0 || row >= h || col < 0 || col >= w) continue;
                            real++;
                            sum += x[(plane * h + row) * w + col];
                        }
                    y[(plane * oh + i) * ow + j] = (float)(sum / (countIncludePad ? padded : real));
                }
        return y;
    }

    /// <summary>The error function in double: Taylor series below 2.5, a continued fraction for erfc above.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        double result;
        if (a < 2.5)
        {
            // erf(x) = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!·(2n+1))
            double term = a, sum = a;
            for (int k = 1; k < 100 && Math.Abs(term) > 1e-17 * Math.Abs(sum); k++)
            {
                term *= -a * a / k;
                sum += term / (2 * k + 1);
            }
            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else if (a < 27)
        {
            // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
            double fraction = a;
            for (int k = 80; k >= 1; k--) fraction = a + k / 2.0 / fraction;
            result = 1 - Math.Exp(-a * a) / (Math.Sqrt(Math.PI) * fraction);
        }
        else result = 1;
        return Math.CopySign(result, x);
    }

    private static void Check(float[] values, int expected, string name, string shape)
    {
        if (values is null) throw new ArgumentNullException(name);
        if (values.Length != expected)
            throw new ArgumentException($"{name} must hold {shape} = {expected} values, but it holds {values.Length}.", name);
    }
}
