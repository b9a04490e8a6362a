using System;

namespace FusedNorm;

/// <summary>
/// The weights of a 3×3 convolution run as Winograd F(4×4, 3×3) or F(2×2, 3×3) (Lavin and Gray, 2016): each (output,
/// input) pair's 3×3 window g becomes the 6×6 (or 4×4) matrix U = G g Gᵀ once, at load (after any BatchNorm is folded
/// into g), laid out for the 36 (or 16) GEMMs the kernel runs, one per transform position, each vectorized over output
/// channels.
/// </summary>
public static class WinogradWeights
{
    /// <summary>Output channels side by side in the packed layout: one Vector512, or two Vector256s.</summary>
    public const int Block = 16;

    /// <summary>Transform positions of F(4×4, 3×3): a 6×6 input tile per 4×4 output tile.</summary>
    public const int Positions = 36;

    /// <summary>Transform positions of F(2×2, 3×3): a 4×4 input tile per 2×2 output tile.</summary>
    public const int Positions2 = 16;

    /// <summary>G (4×3): the weight transform of F(2, 3) with interpolation points 0, ±1 and ∞.</summary>
    private static readonly double[,] G2 =
    {
        { 1, 0, 0 },
        { 0.5, 0.5, 0.5 },
        { 0.5, -0.5, 0.5 },
        { 0, 0, 1 },
    };

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
    /// Conv weight [outC, inC, 3, 3] → U of F(<paramref name="tile"/>×tile, 3×3) (tile 4 or 2) laid out by pairs of output
    /// blocks of 16 channels (the GEMM runs two at once; the last pair is one block when outC / 16 is odd): [pair][position
    /// ξ (36 or 16)][block of the pair][input channel][16 outputs]. The GEMM of position ξ for block b reads the inC × 16
    /// panel at <see cref="PanelOffset"/>, so a pair's GEMMs read one contiguous stream (at batch 1 on small planes these
    /// weights come from memory). Computed in double and rounded once.
    /// </summary>
    public static float[] Pack(float[] weight, int outChannels, int inChannels, int tile = 4)
    {
        if (tile is not (2 or 4))
            throw new ArgumentOutOfRangeException(nameof(tile), tile, "Winograd weights are packed for F(4×4, 3×3) or F(2×2, 3×3): tile 4 or 2.");
        if (weight.Length != outChannels * inChannels * 9)
            throw new ArgumentException($"Convolution weight has {weight.Length} elements; expected {outChannels} × {inChannels} × 3 × 3.", nameof(weight));
        if (outChannels % Block != 0)
            throw new ArgumentException($"Winograd weights need a multiple of {Block} output channels; got {outChannels}.", nameof(outChannels));
        int blocks = outChannels / Block, window = tile + 2, positions = window * window;
        double[,] g = tile == 4 ? G : G2;
        var packed = new float[positions * outChannels * inChannels];
        var u = new double[window, window];
        for (int oc = 0; oc < outChannels; oc++)
            for (int ic = 0; ic < inChannels; ic++)
            {
                Transform(g, weight, (oc * inChannels + ic) * 9, u);
                int b = oc / Block, lane = oc % Block;
                for (int xi = 0; xi < positions; xi++)
                    packed[PanelOffset(b, xi, blocks, inChannels, positions) + ic * Block + lane] = (float)u[xi / window, xi % window];
            }
        return packed;
    }

    /// <summary>
    /// Where the inC × 16 panel of output block <paramref name="block"/> at transform position <paramref name="position"/>
    /// starts in the packed weights of <paramref name="blocks"/> blocks with <paramref name="positions"/> transform positions
    /// (36 for F(4×4, 3×3), 16 for F(2×2, 3×3)): (p · positions + ξ · k + block − p) · inC · 16 for the pair starting at
    /// block p = block − block mod 2, of k = min(2, blocks − p) blocks. The one statement of the layout: the packing and the
    /// generated GEMM calls both ask here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int PanelOffset(int block, int position, int blocks, int inChannels, int positions = Positions)
    {
        int first = block - block % 2, pair = Math.Min(2, blocks - first);
        return (first * positions + position * pair + block - first) * inChannels * Block;
    }

    /// <summary>U = G g Gᵀ of the 3×3 window at <paramref name="offset"/> (row-major), for the transform <paramref name="g"/> (6×3 or 4×3).</summary>
    private static void Transform(double[,] g, float[] weight, int offset, double[,] u)
    {
        int window = g.GetLength(0);
        var gg = new double[window, 3]; // G g
        for (int i = 0; i < window; i++)
            for (int j = 0; j < 3; j++)
            {
                double sum = 0;
                for (int k = 0; k < 3; k++) sum += g[i, k] * weight[offset + k * 3 + j];
                gg[i, j] = sum;
            }
        for (int i = 0; i < window; i++)
            for (int j = 0; j < window; j++)
            {
                double sum = 0;
                for (int k = 0; k < 3; k++) sum += gg[i, k] * g[j, k];
                u[i, j] = sum;
            }
    }
}
