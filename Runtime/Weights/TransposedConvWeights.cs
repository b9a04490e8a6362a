namespace FusedNorm;

/// <summary>The weight of a transposed convolution as the weight of the equivalent convolution (see Kernels.UpsampledInput).</summary>
public static class TransposedConvWeights
{
    /// <summary>
    /// PyTorch's ConvTranspose2d weight (in_channels, out_channels / groups, k, k) → a Conv2d weight
    /// (out_channels, in_channels / groups, k, k) over the upsampled input: within each group the channel axes swap and the
    /// window turns by 180°, conv[g·outPerGroup + o, i, a, b] = transposed[g·inPerGroup + i, o, k − 1 − a, k − 1 − b].
    /// </summary>
    public static float[] ToConv(float[] transposed, int inChannels, int outPerGroup, int groups, int kernel)
    {
        int inPerGroup = inChannels / groups, taps = kernel * kernel;
        var conv = new float[transposed.Length];
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < inPerGroup; i++)
                for (int o = 0; o < outPerGroup; o++)
                    for (int a = 0; a < kernel; a++)
                        for (int b = 0; b < kernel; b++)
                            conv[((g * outPerGroup + o) * inPerGroup + i) * taps + a * kernel + b] =
                                transposed[((g * inPerGroup + i) * outPerGroup + o) * taps + (kernel - 1 - a) * kernel + (kernel - 1 - b)];
        return conv;
    }
}
