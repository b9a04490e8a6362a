using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FusedNorm.Kernels;

/// <summary>
/// The layout of the depthwise channel-lane kernel (a depthwise conv with 8 channels per Vector256): 8 channels' planes
/// interleaved as [row][column][8] (<see cref="Winograd.InterleaveRows"/> writes them, zero-padded), so each tap of a
/// position is one aligned vector load of its 8 channels and each weight vector serves every position of a tile; then
/// the outputs, [position][8], back to the 8 channels' planes (<see cref="StorePlanes"/>).
/// </summary>
public static class ChannelLanes
{
    /// <summary>Channels per interleaved block: one Vector256.</summary>
    public const int Lanes = Winograd.Lanes;

    /// <summary>
    /// Positions [0, <paramref name="count"/>) of 8 channels laid out [position][8] at <paramref name="src"/> to the
    /// channels' planes: channel k's position p at dst + k · <paramref name="plane"/> + p. Blocks of 8 positions are
    /// 8×8 transposes in registers (with AVX), the rest one float at a time.
    /// </summary>
    public static void StorePlanes(ref float src, int count, ref float dst, int plane)
    {
        int p = 0;
        if (Avx.IsSupported)
            for (; p + 8 <= count; p += 8)
                Winograd.Transpose8(ref Unsafe.Add(ref src, p * Lanes), Lanes, ref Unsafe.Add(ref dst, p), plane);
        for (; p < count; p++)
            for (int lane = 0; lane < Lanes; lane++)
                Unsafe.Add(ref dst, lane * plane + p) = Unsafe.Add(ref src, p * Lanes + lane);
    }
}
