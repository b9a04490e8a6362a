namespace FusedNorm;

public static partial class Reference
{
    /// <summary>
    /// torch.nn.functional.conv_transpose2d as its definition: every input element scatters its window of weights into the
    /// output, y[n, g·outPerGroup + o, iy·stride − padding + ky·dilation, ix·stride − padding + kx·dilation] +=
    /// x[n, g·inPerGroup + i, iy, ix] · weight[g·inPerGroup + i, o, ky, kx], positions outside the output dropped; sums in
    /// double, plus the bias, rounded to float. weight is PyTorch's (in_channels, out_channels / groups, k, k).
    /// </summary>
    public static float[] ConvTranspose2d(float[] x, int n, int c, int h, int w, float[] weight, float[]? bias, int oc, int groups,
        int kernel, int stride, int padding, int outputPadding, int dilation)
    {
        int oh = (h - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
        int ow = (w - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
        int inPerGroup = c / groups, outPerGroup = oc / groups;
        Check(x, n * c * h * w, nameof(x), $"[{n}, {c}, {h}, {w}]");
        Check(weight, c * outPerGroup * kernel * kernel, nameof(weight), $"[{c}, {outPerGroup}, {kernel}, {kernel}]");
        var sums = new double[n * oc * oh * ow];
        for (int s = 0; s < n; s++)
            for (int ic = 0; ic < c; ic++)
            {
                int g = ic / inPerGroup;
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++)
                    {
                        double value = x[((s * c + ic) * h + iy) * w + ix];
                        for (int o = 0; o < outPerGroup; o++)
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                int y = iy * stride - padding + ky * dilation;
                                if (y < 0 || y >= oh) continue;
                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int xo = ix * stride - padding + kx * dilation;
                                    if (xo < 0 || xo >= ow) continue;
                                    sums[((s * oc + g * outPerGroup + o) * oh + y) * ow + xo] +=
                                        value * weight[((ic * outPerGroup + o) * kernel + ky) * kernel + kx];
                                }
                            }
                    }
            }
        var result = new float[sums.Length];
        for (int i = 0; i < sums.Length; i++)
            result[i] = (float)(sums[i] + (bias is null ? 0 : bias[i / (oh * ow) % oc]));
        return result;
    }
}
