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

    /// <summary>Visits the blocks <see cref="PackConv"/> lays out: (first channel, channels in block).</summary>
    public static void ForEachConvBlock(int outChannels, int outPerGroup, int block, Action<int, int> visit)
    {
        for (int group = 0; group < outChannels; group += outPerGroup)
            for (int oc0 = group; oc0 < group + outPerGroup; oc0 += block)
                visit(oc0, Math.Min(block, group + outPerGroup - oc0));
    }

    /// <summary>
    /// Linear weight [out, in] → ⌈out/8⌉ blocks of 8 output features, each [in][8]. Block b covers outputs
    /// min(8b, out − 8) … +7, so when out is not a multiple of 8 the last block overlaps the one before it and
    /// a kernel never needs a scalar tail. Requires out ≥ 8.
    /// </summary>
    public static float[] PackLinear(float[] weight, int outFeatures, int inFeatures)
    {
        if (outFeatures < 8) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "Blocked Linear packing needs at least 8 output features.");
        if (weight.Length != outFeatures * inFeatures)
            throw new ArgumentException($"Linear weight has {weight.Length} elements; expected [{outFeatures}, {inFeatures}].", nameof(weight));
        int blocks = (outFeatures + 7) / 8;
        var packed = new float[blocks * inFeatures * 8];
        for (int b = 0; b < blocks; b++)
        {
            int start = Math.Min(b * 8, outFeatures - 8);
            for (int i = 0; i < inFeatures; i++)
                for (int lane = 0; lane < 8; lane++)
                    packed[(b * inFeatures + i) * 8 + lane] = weight[(start + lane) * inFeatures + i];
        }
        return packed;
    }

    /// <summary>The output feature that element <paramref name="index"/> of a <see cref="PackLinear"/> layout belongs to.</summary>
    public static int LinearFeatureOf(int index, int outFeatures, int inFeatures)
    {
        int block = index / (inFeatures * 8), lane = index % 8;
        return Math.Min(block * 8, outFeatures - 8) + lane;
    }
}
