using System;

namespace FusedNorm;

/// <summary>
/// The weights of a 3×3 convolution run as Winograd F(4×4, 3×3) (Lavin and Gray, 2016): each (output, input) pair's
/// 3×3 window g becomes the 6×6 matrix U = G g Gᵀ once, at load (after any BatchNorm is folded into g), laid out for the
/// 36 GEMMs the kernel runs, one per transform position, each vectorized over output channels.
/// </summary>
public static class WinogradWeights
{
    /// <summary>Output channels side by side in the packed layout: one Vector512, or two Vector256s.</summary>
    public const int Block = 16;

    /// <summary>Transform positions of F(4×4, 3×3): a 6×6 input tile per 4×4 output tile.</summary>
    public const int Positions = 36;

    /// <summary>G (6×3): the weight transform of F(4, 3) with interpolation points 0, ±1, ±2 and ∞.</summary>
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    /// <summary>
    /// Conv weight [outC, inC, 3, 3] → U laid out by pairs of output blocks of 16 channels (the GEMM runs two at once; the
    /// last pair is one block when outC / 16 is odd): [pair][position ξ (36)][block of the pair][input channel][16 outputs].
    /// The GEMM of position ξ for block b reads the inC × 16 panel at <see cref="PanelOffset"/>, so a pair's 36 GEMMs read
    /// one contiguous stream (at batch 1 on small planes these weights come from memory). Computed in double and rounded once.
    /// </summary>
    public static float[] Pack(float[] weight, int outChannels, int inChannels)
    {
        if (weight.Length != outChannels * inChannels * 9)
            throw new ArgumentException($"Convolution weight has {weight.Length} elements; expected {outChannels} × {inChannels} × 3 × 3.", nameof(weight));
        if (outChannels % Block != 0)
            throw new ArgumentException($"Winograd weights need a multiple of {Block} output channels; got {outChannels}.", nameof(outChannels));
        int blocks = outChannels / Block;
        var packed = new float[Positions * outChannels * inChannels];
        var u = new double[6, 6];
        for (int oc = 0; oc < outChannels; oc++)
            for (int ic = 0; ic < inChannels; ic++)
            {
                Transform(weight, (oc * inChannels + ic) * 9, u);
                int b = oc / Block, lane = oc % Block;
                for (int xi = 0; xi < Positions; xi++)
                    packed[PanelOffset(b, xi, blocks, inChannels) + ic * Block + lane] = (float)u[xi / 6, xi % 6];
            }
        return packed;
    }

    /// <summary>
    /// Where the inC × 16 panel of output block <paramref name="block"/> at transform position <paramref name="position"/>
    /// starts in the packed weights of <paramref name="blocks"/> blocks: (p · 36 + ξ · k + block − p) · inC · 16 for the pair
    /// starting at block p = block − block mod 2, of k = min(2, blocks − p) blocks. The one statement of the layout: the
    /// packing and the generated GEMM calls both ask here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int PanelOffset(int block, int position, int blocks, int inChannels)
    {
        int first = block - block % 2, pair = Math.Min(2, blocks - first);
        return (first * Positions + position * pair + block - first) * inChannels * Block;
    }

    /// <summary>U = G g Gᵀ of the 3×3 window at <paramref name="offset"/> (row-major).</summary>
    internal static void Transform(float[] weight, int offset, double[,] u)
    {
        var gg = new double[6, 3]; // G g
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 3; j++)
            {
                double sum = 0;
                for (int k = 0; k < 3; k++) sum += G[i, k] * weight[offset + k * 3 + j];
                gg[i, j] = sum;
            }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                double sum = 0;
                for (int k = 0; k < 3; k++) sum += gg[i, k] * G[j, k];
                u[i, j] = sum;
            }
    }
}
