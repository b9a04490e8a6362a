using System;

namespace FusedNorm;

/// <summary>
/// Reorders PyTorch weight layouts into the layouts the generated kernels stream through. Each kernel's
/// PackWeights calls one of these once, at load, with its constants.
/// </summary>
public static class WeightPacking
{
    /// <summary>
    /// Convolution weight [outC, inC/groups, taps…] → blocks of up to <paramref name="block"/> output channels that
    /// never cross a group (each group's last block may be smaller), each laid out [tap][channel in block], so one
    /// tap's weights for the block are adjacent and the block at channel oc0 starts at element oc0·taps.
    /// </summary>
    public static float[] PackConv(float[] weight, int outChannels, int taps, int outPerGroup, int block)
    {
        if (weight.Length != outChannels * taps)
            throw new ArgumentException($"Convolution weight has {weight.Length} elements; expected {outChannels} × {taps}.", nameof(weight));
        var packed = new float[weight.Length];
        ForEachConvBlock(outChannels, outPerGroup, block, (oc0, r) =>
        {
            for (int t = 0; t < taps; t++)
                for (int j = 0; j < r; j++)
                    packed[oc0 * taps + t * r + j] = weight[(oc0 + j) * taps + t];
        });
        return packed;
    }

    /// <summary>
    /// Depthwise convolution weight [channels, 1, taps…] → [tap][channel], plus 16 zeros: one tap's weights for 16
    /// consecutive channels are one Vector512 at element tap·channels + c0, for any c0 below channels (the kernels that
    /// compute 16 channels per vector on tiny planes). Requires one input and one output channel per group.
    /// </summary>
    public static float[] PackDepthwiseLanes(float[] weight, int channels, int taps)
    {
        if (weight.Length != channels * taps)
            throw new ArgumentException($"Depthwise convolution weight has {weight.Length} elements; expected {channels} × {taps}.", nameof(weight));
        var packed = new float[taps * channels + 16];
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < taps; t++)
                packed[t * channels + c] = weight[c * taps + t];
        return packed;
    }

    /// <summary>Visits the blocks <see cref="PackConv"/> lays out: (first channel, channels in block).</summary>
    public static void ForEachConvBlock(int outChannels, int outPerGroup, int block, Action<int, int> visit)
    {
        for (int group = 0; group < outChannels; group += outPerGroup)
            for (int oc0 = group; oc0 < group + outPerGroup; oc0 += block)
                visit(oc0, Math.Min(block, group + outPerGroup - oc0));
    }

    /// <summary>
    /// Linear weight [out, in] → ⌈out/L⌉ blocks of L = <paramref name="lanes"/> (8 or 16) output features, each
    /// [in][L]. Block b covers outputs min(Lb, out − L) … +L−1, so when out is not a multiple of L the last block
    /// overlaps the one before it and a kernel never needs a scalar tail. A Vector512 reads a 16-wide block row at
    /// once, a Vector256 each half. Requires out ≥ L.
    /// </summary>
    public static float[] PackLinear(float[] weight, int outFeatures, int inFeatures, int lanes = 8)
    {
        if (lanes is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "Linear blocks are 8 or 16 output features wide.");
        if (outFeatures < lanes) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, $"Blocked Linear packing needs at least {lanes} output features.");
        if (weight.Length != outFeatures * inFeatures)
            throw new ArgumentException($"Linear weight has {weight.Length} elements; expected [{outFeatures}, {inFeatures}].", nameof(weight));
        int blocks = (outFeatures + lanes - 1) / lanes;
        var packed = new float[blocks * inFeatures * lanes];
        for (int b = 0; b < blocks; b++)
        {
            int start = Math.Min(b * lanes, outFeatures - lanes);
            for (int i = 0; i < inFeatures; i++)
                for (int lane = 0; lane < lanes; lane++)
                    packed[(b * inFeatures + i) * lanes + lane] = weight[(start + lane) * inFeatures + i];
        }
        return packed;
    }

    /// <summary>The output feature that element <paramref name="index"/> of a <see cref="PackLinear"/> layout belongs to.</summary>
    public static int LinearFeatureOf(int index, int outFeatures, int inFeatures, int lanes = 8)
    {
        int block = index / (inFeatures * lanes), lane = index % lanes;
        return Math.Min(block * lanes, outFeatures - lanes) + lane;
    }
}
