using System;

namespace FusedNorm;

/// <summary>
/// Packs the folded weights of an inverted residual (1×1 expansion, k×k depthwise, 1×1 projection) for its one-kernel
/// form, where a Vector512 holds 16 channels of one position: every layer's weights are stored with the output (hidden
/// or projected) channel fastest, padded with zeros to whole vectors of 16.
/// </summary>
public static class InvertedResidualWeights
{
    /// <summary>
    /// The weights, as one array: the expansion's [in][hidden padded], the depthwise [k·k][hidden padded], the projection's
    /// [hidden padded][out padded]; and the biases, as one array: [hidden padded], [hidden padded], [out padded].
    /// The arguments are PyTorch's layouts, folded: (hidden, in), (hidden, k·k), (out, hidden) and one bias per channel.
    /// </summary>
    public static (float[] Weights, float[] Bias) Pack(
        float[] expand, float[] expandBias, float[] depthwise, float[] depthwiseBias, float[] project, float[] projectBias,
        int inChannels, int hidden, int kernel, int outChannels)
    {
        int taps = kernel * kernel;
        Check(expand, hidden * inChannels, nameof(expand));
        Check(expandBias, hidden, nameof(expandBias));
        Check(depthwise, hidden * taps, nameof(depthwise));
        Check(depthwiseBias, hidden, nameof(depthwiseBias));
        Check(project, outChannels * hidden, nameof(project));
        Check(projectBias, outChannels, nameof(projectBias));
        int hp = (hidden + 15) / 16 * 16, op = (outChannels + 15) / 16 * 16;
        var weights = new float[inChannels * hp + taps * hp + hp * op];
        var bias = new float[2 * hp + op];
        for (int h = 0; h < hidden; h++)
        {
            for (int i = 0; i < inChannels; i++) weights[i * hp + h] = expand[h * inChannels + i];
            for (int t = 0; t < taps; t++) weights[inChannels * hp + t * hp + h] = depthwise[h * taps + t];
            bias[h] = expandBias[h];
            bias[hp + h] = depthwiseBias[h];
        }
        int projectAt = inChannels * hp + taps * hp;
        for (int o = 0; o < outChannels; o++)
        {
            for (int h = 0; h < hidden; h++) weights[projectAt + h * op + o] = project[o * hidden + h];
            bias[2 * hp + o] = projectBias[o];
        }
        return (weights, bias);
    }

    private static void Check(float[] values, int length, string name)
    {
        if (values is null) throw new ArgumentNullException(name);
        if (values.Length != length) throw new ArgumentException($"{name} has {values.Length} elements; expected {length}.", name);
    }
}
