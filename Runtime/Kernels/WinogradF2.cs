using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FusedNorm.Kernels;

/// <summary>
/// The transforms of Winograd F(2×2, 3×3), for planes too small for F(4×4, 3×3)'s tiles (a 7×7 plane is 16 tiles of 2×2,
/// against 4 of 4×4: the GEMMs need tiles to reuse each weight they load). The rest of the kernel is
/// <see cref="Winograd"/>'s: the interleaved copy of the input rows (<see cref="Winograd.InterleaveRows"/>), the loop over
/// the tiles of the input transform (<see cref="Winograd.InputTiles"/> with tile 2) and one GEMM per transform position
/// (<see cref="Winograd.MultiplyPair(ref float, int, ref float, ref float, ref float, int)"/>), here 16 positions of a 4×4
/// input tile per 2×2 output tile: 16 multiplies per output tile and (input, output) channel pair instead of 36.
/// Bᵀ rows: (1, 0, −1, 0), (0, 1, 1, 0), (0, −1, 1, 0), (0, 1, 0, −1); Aᵀ rows: (1, 1, 1, 0), (0, 1, −1, −1). The
/// transforms only add and subtract, so F(2×2) rounds less than F(4×4).
/// </summary>
[SkipLocalsInit] // the stack buffers are written before they are read
public static class WinogradF2
{
    /// <summary>Output tile edge (m of F(m×m, 3×3)).</summary>
    public const int Tile = 2;
    /// <summary>Input tile edge: m + 3 − 1.</summary>
    public const int Window = 4;
    /// <summary>Transform positions per tile.</summary>
    public const int Positions = Window * Window;
    private const int Block = WinogradWeights.Block, Lanes = Winograd.Lanes;

    /// <summary>Bᵀ d B of one 4×4 input tile for the 8 channels of an interleaved block (<see cref="Winograd.InputTiles"/> with tile 2): V[ξ] at v[ξ · pitch].</summary>
    internal static void InputTile(ref float origin, int rowPitch, int pitch, ref float v)
    {
        if (Vector256.IsHardwareAccelerated) InputTile8(ref origin, rowPitch, pitch, ref v);
        else InputTileScalar(ref origin, rowPitch, pitch, ref v);
    }

    /// <summary>Bᵀ d B of one tile for the 8 channels of an interleaved block: down each of the window's 4 columns, then along each row.</summary>
    private static void InputTile8(ref float origin, int rowPitch, int pitch, ref float v)
    {
        Span<Vector256<float>> t = stackalloc Vector256<float>[Positions]; // Bᵀ d, [row][column]
        ref Vector256<float> t0 = ref t[0];
        for (int j = 0; j < Window; j++)
        {
            ref float column = ref Unsafe.Add(ref origin, j * Lanes);
            Transform1D(Vector256.LoadUnsafe(ref column), Vector256.LoadUnsafe(ref column, (nuint)rowPitch),
                Vector256.LoadUnsafe(ref column, (nuint)(2 * rowPitch)), Vector256.LoadUnsafe(ref column, (nuint)(3 * rowPitch)),
                out Unsafe.Add(ref t0, j), out Unsafe.Add(ref t0, Window + j), out Unsafe.Add(ref t0, 2 * Window + j), out Unsafe.Add(ref t0, 3 * Window + j));
        }
        for (int i = 0; i < Window; i++)
        {
            ref Vector256<float> row = ref Unsafe.Add(ref t0, i * Window);
            Transform1D(row, Unsafe.Add(ref row, 1), Unsafe.Add(ref row, 2), Unsafe.Add(ref row, 3),
                out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3);
            ref float out0 = ref Unsafe.Add(ref v, i * Window * pitch);
            r0.StoreUnsafe(ref out0);
            r1.StoreUnsafe(ref out0, (nuint)pitch);
            r2.StoreUnsafe(ref out0, (nuint)(2 * pitch));
            r3.StoreUnsafe(ref out0, (nuint)(3 * pitch));
        }
    }

    /// <summary><see cref="InputTile8"/> one channel at a time, in scalars: the same operations in the same order per value.</summary>
    private static void InputTileScalar(ref float origin, int rowPitch, int pitch, ref float v)
    {
        Span<float> t = stackalloc float[Positions];
        for (int lane = 0; lane < Lanes; lane++)
        {
            for (int j = 0; j < Window; j++)
            {
                ref float column = ref Unsafe.Add(ref origin, j * Lanes + lane);
                Transform1D(column, Unsafe.Add(ref column, rowPitch), Unsafe.Add(ref column, 2 * rowPitch), Unsafe.Add(ref column, 3 * rowPitch),
                    out t[j], out t[Window + j], out t[2 * Window + j], out t[3 * Window + j]);
            }
            for (int i = 0; i < Window; i++)
            {
                ref float out0 = ref Unsafe.Add(ref v, i * Window * pitch + lane);
                Transform1D(t[i * Window], t[i * Window + 1], t[i * Window + 2], t[i * Window + 3],
                    out out0, out Unsafe.Add(ref out0, pitch), out Unsafe.Add(ref out0, 2 * pitch), out Unsafe.Add(ref out0, 3 * pitch));
            }
        }
    }

    /// <summary>Bᵀ applied to 4 values (a column or a row of a tile's window), 8 channels per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform1D(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3,
        out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3)
    {
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    /// <summary>The scalar Bᵀ: the same operations in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform1D(float d0, float d1, float d2, float d3, out float r0, out float r1, out float r2, out float r3)
    {
        r0 = d0 - d2;
        r1 = d1 + d2;
        r2 = d2 - d1;
        r3 = d1 - d3;
    }

    /// <summary>
    /// Output transform of tile t for a panel of 16 channels: Y = Aᵀ M A + bias, where M[ξ] is the 16 channels at
    /// m[ξ · pitch + t · 16]. Writes each channel's 2×2 outputs together: out[lane · 4 + row · 2 + column].
    /// </summary>
    public static void OutputTile(ref float m, int pitch, int t, ref float bias, ref float output)
    {
        ref float mt = ref Unsafe.Add(ref m, t * Block);
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Vector512<float> s00, s01, s02, s03, s10, s11, s12, s13; // Aᵀ M: 2 rows × 4 columns
            Column(ref mt, pitch, 0, out s00, out s10);
            Column(ref mt, pitch, 1, out s01, out s11);
            Column(ref mt, pitch, 2, out s02, out s12);
            Column(ref mt, pitch, 3, out s03, out s13);
            Vector512<float> b = Vector512.LoadUnsafe(ref bias);
            Vector512<float> y00 = s00 + s01 + s02 + b, y01 = s01 - s02 - s03 + b, y10 = s10 + s11 + s12 + b, y11 = s11 - s12 - s13 + b;
            // 4 × 16 → 16 × 4 within each 128-bit block: block k of c{j} holds channel 4k + j's 2×2 outputs.
            Vector512<float> lo01 = Avx512F.UnpackLow(y00, y01), hi01 = Avx512F.UnpackHigh(y00, y01), lo23 = Avx512F.UnpackLow(y10, y11), hi23 = Avx512F.UnpackHigh(y10, y11);
            StoreBlocks(Avx512F.Shuffle(lo01, lo23, 0x44), ref output);
            StoreBlocks(Avx512F.Shuffle(lo01, lo23, 0xEE), ref Unsafe.Add(ref output, 4));
            StoreBlocks(Avx512F.Shuffle(hi01, hi23, 0x44), ref Unsafe.Add(ref output, 8));
            StoreBlocks(Avx512F.Shuffle(hi01, hi23, 0xEE), ref Unsafe.Add(ref output, 12));
            return;
        }
        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            OutputTile256(ref mt, pitch, ref bias, ref output);
            OutputTile256(ref Unsafe.Add(ref mt, 8), pitch, ref Unsafe.Add(ref bias, 8), ref Unsafe.Add(ref output, 8 * 4));
            return;
        }
        for (int lane = 0; lane < Block; lane++)
        {
            float s00, s01, s02, s03, s10, s11, s12, s13;
            Column(ref Unsafe.Add(ref mt, lane), pitch, 0, out s00, out s10);
            Column(ref Unsafe.Add(ref mt, lane), pitch, 1, out s01, out s11);
            Column(ref Unsafe.Add(ref mt, lane), pitch, 2, out s02, out s12);
            Column(ref Unsafe.Add(ref mt, lane), pitch, 3, out s03, out s13);
            float b = Unsafe.Add(ref bias, lane);
            ref float y = ref Unsafe.Add(ref output, lane * 4);
            y = s00 + s01 + s02 + b;
            Unsafe.Add(ref y, 1) = s01 - s02 - s03 + b;
            Unsafe.Add(ref y, 2) = s10 + s11 + s12 + b;
            Unsafe.Add(ref y, 3) = s11 - s12 - s13 + b;
        }
    }

    /// <summary>Aᵀ down column <paramref name="j"/> of M (positions j, 4 + j, 8 + j, 12 + j): its two rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float mt, int pitch, int j, out Vector512<float> s0, out Vector512<float> s1)
    {
        Vector512<float> m0 = Vector512.LoadUnsafe(ref mt, (nuint)(j * pitch)), m1 = Vector512.LoadUnsafe(ref mt, (nuint)((Window + j) * pitch)),
            m2 = Vector512.LoadUnsafe(ref mt, (nuint)((2 * Window + j) * pitch)), m3 = Vector512.LoadUnsafe(ref mt, (nuint)((3 * Window + j) * pitch));
        s0 = m0 + m1 + m2;
        s1 = m1 - m2 - m3;
    }

    /// <summary><see cref="Column(ref float, int, int, out Vector512{float}, out Vector512{float})"/> in Vector256s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float mt, int pitch, int j, out Vector256<float> s0, out Vector256<float> s1)
    {
        Vector256<float> m0 = Vector256.LoadUnsafe(ref mt, (nuint)(j * pitch)), m1 = Vector256.LoadUnsafe(ref mt, (nuint)((Window + j) * pitch)),
            m2 = Vector256.LoadUnsafe(ref mt, (nuint)((2 * Window + j) * pitch)), m3 = Vector256.LoadUnsafe(ref mt, (nuint)((3 * Window + j) * pitch));
        s0 = m0 + m1 + m2;
        s1 = m1 - m2 - m3;
    }

    /// <summary>The scalar column: the same operations in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float mt, int pitch, int j, out float s0, out float s1)
    {
        float m0 = Unsafe.Add(ref mt, j * pitch), m1 = Unsafe.Add(ref mt, (Window + j) * pitch),
            m2 = Unsafe.Add(ref mt, (2 * Window + j) * pitch), m3 = Unsafe.Add(ref mt, (3 * Window + j) * pitch);
        s0 = m0 + m1 + m2;
        s1 = m1 - m2 - m3;
    }

    /// <summary>Stores the 4 blocks of 128 bits of <paramref name="v"/> (channels j, 4 + j, 8 + j, 12 + j: 2×2 outputs each) 4 channels apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector512<float> v, ref float channel)
    {
        Vector256<float> low = v.GetLower(), high = v.GetUpper();
        low.GetLower().StoreUnsafe(ref channel);
        low.GetUpper().StoreUnsafe(ref channel, 16);
        high.GetLower().StoreUnsafe(ref channel, 32);
        high.GetUpper().StoreUnsafe(ref channel, 48);
    }

    /// <summary><see cref="OutputTile"/> for 8 of the panel's channels in Vector256s (output: their 8 × 4 values).</summary>
    private static void OutputTile256(ref float mt, int pitch, ref float bias, ref float output)
    {
        Vector256<float> s00, s01, s02, s03, s10, s11, s12, s13;
        Column(ref mt, pitch, 0, out s00, out s10);
        Column(ref mt, pitch, 1, out s01, out s11);
        Column(ref mt, pitch, 2, out s02, out s12);
        Column(ref mt, pitch, 3, out s03, out s13);
        Vector256<float> b = Vector256.LoadUnsafe(ref bias);
        Vector256<float> y00 = s00 + s01 + s02 + b, y01 = s01 - s02 - s03 + b, y10 = s10 + s11 + s12 + b, y11 = s11 - s12 - s13 + b;
        Vector256<float> lo01 = Avx.UnpackLow(y00, y01), hi01 = Avx.UnpackHigh(y00, y01), lo23 = Avx.UnpackLow(y10, y11), hi23 = Avx.UnpackHigh(y10, y11);
        StoreBlocks(Avx.Shuffle(lo01, lo23, 0x44), ref output);
        StoreBlocks(Avx.Shuffle(lo01, lo23, 0xEE), ref Unsafe.Add(ref output, 4));
        StoreBlocks(Avx.Shuffle(hi01, hi23, 0x44), ref Unsafe.Add(ref output, 8));
        StoreBlocks(Avx.Shuffle(hi01, hi23, 0xEE), ref Unsafe.Add(ref output, 12));
    }

    /// <summary>Stores the 2 blocks of 128 bits of <paramref name="v"/> (channels j and 4 + j) 4 channels apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector256<float> v, ref float channel)
    {
        v.GetLower().StoreUnsafe(ref channel);
        v.GetUpper().StoreUnsafe(ref channel, 16);
    }
}
