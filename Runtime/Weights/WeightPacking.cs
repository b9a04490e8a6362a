using System;

namespace FusedNorm;

/// <summary>
/// Reorders PyTorch weight layouts into the layouts the generated kernels stream through. Each kernel's
/// PackWeights calls one of these once, at load, with its constants.
/// </summary>
public static class WeightPacking
{
    /// <summary>
    /// Conv2d weight [outC, inC, k, k] → blocks of <paramref name="block"/> output channels (the last block may be
    /// smaller), each laid out [ic][kh][kw][channel in block], so one tap's weights for the block are adjacent and
    /// the block starts at element oc0·inC·k·k.
    /// </summary>
    public static float[] PackConv2d(float[] weight, int outChannels, int inChannels, int kernel, int block)
    {
        int taps = inChannels * kernel * kernel;
        if (weight.Length != outChannels * taps)
            throw new ArgumentException($"Conv2d weight has {weight.Length} elements; expected [{outChannels}, {inChannels}, {kernel}, {kernel}].", nameof(weight));
        var packed = new float[weight.Length];
        for (int oc0 = 0; oc0 < outChannels; oc0 += block)
        {
            int r = Math.Min(block, outChannels - oc0);
            for (int t = 0; t < taps; t++)
                for (int j = 0; j < r; j++)
                    packed[oc0 * taps + t * r + j] = weight[(oc0 + j) * taps + t];
        }
        return packed;
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
}
