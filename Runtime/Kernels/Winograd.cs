using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FusedNorm.Kernels;

/// <summary>
/// The three steps of a Winograd F(4×4, 3×3) convolution (Lavin and Gray, 2016) that a generated kernel runs for a group
/// of 4×4 output tiles: a copy of the input rows the tiles read with the channels interleaved by 8 (the conv's zero
/// padding and the rows and columns past a partial tile are zeros in it), the input transform V = Bᵀ d B of each 6×6
/// input tile, 8 channels per vector, one GEMM per transform position ξ (M[ξ] = V[ξ] · U[ξ], vectorized over output
/// channels; U from <see cref="WinogradWeights"/>), and the output transform Y = Aᵀ M A + bias of each tile, written
/// channel by channel. The generated kernel applies its epilogue (residual add, activation) and stores.
/// Each tile's result is computed by the same operations whichever task computes it, so results do not depend on the
/// thread count.
/// </summary>
[SkipLocalsInit] // the stack buffers are written before they are read
public static class Winograd
{
    /// <summary>Output tile edge (m of F(m×m, 3×3)).</summary>
    public const int Tile = 4;
    /// <summary>Input tile edge: m + 3 − 1.</summary>
    public const int Window = 6;
    /// <summary>Transform positions per tile.</summary>
    public const int Positions = Window * Window;
    /// <summary>Output channels per GEMM panel and per output transform (<see cref="WinogradWeights.Block"/>).</summary>
    public const int Block = WinogradWeights.Block;

    /// <summary>Input channels per interleaved block of <see cref="InterleaveRows"/> (one Vector256 of channels).</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Copies input rows [<paramref name="rowStart"/>, rowStart + rows) of one sample into <paramref name="xc"/> with its
    /// channels interleaved in blocks of <see cref="Lanes"/>: xc[((cb · rows + r) · columns + col) · 8 + lane] = input channel
    /// cb · 8 + lane, row rowStart + r, column col − <paramref name="padding"/>; rows and columns outside the input are
    /// zeros (the conv's padding, and the right and bottom edges the last tiles reach past). <paramref name="channels"/> is
    /// a multiple of 8. Each window element of a tile is then one vector load of 8 channels.
    /// </summary>
    public static void InterleaveRows(ref float x, int channels, int height, int width, int padding, int rowStart, int rows, int columns, ref float xc)
    {
        int plane = height * width;
        int c0 = Math.Min(padding, columns), c1 = Math.Min(columns, width + padding); // columns [c0, c1) are inside the input
        for (int cb = 0; cb < channels / Lanes; cb++)
            for (int r = 0; r < rows; r++)
            {
                ref float dst = ref Unsafe.Add(ref xc, (cb * rows + r) * columns * Lanes);
                int row = rowStart + r;
                if (row < 0 || row >= height || c1 <= c0)
                {
                    MemoryMarshal.CreateSpan(ref dst, columns * Lanes).Clear();
                    continue;
                }
                MemoryMarshal.CreateSpan(ref dst, c0 * Lanes).Clear();
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, c1 * Lanes), (columns - c1) * Lanes).Clear();
                ref float src = ref Unsafe.Add(ref x, cb * Lanes * plane + row * width);
                ref float inside = ref Unsafe.Add(ref dst, c0 * Lanes);
                int n = c1 - c0, i = 0;
                if (Avx.IsSupported)
                    for (; i + 8 <= n; i += 8)
                        Transpose8(ref Unsafe.Add(ref src, i), plane, ref Unsafe.Add(ref inside, i * Lanes), Lanes);
                for (; i < n; i++)
                    for (int lane = 0; lane < Lanes; lane++)
                        Unsafe.Add(ref inside, i * Lanes + lane) = Unsafe.Add(ref src, lane * plane + i);
            }
    }

    /// <summary>
    /// An 8×8 transpose in registers: row i of the block is 8 floats at src + i · <paramref name="plane"/>, and column k is
    /// stored as 8 floats at dst + k · <paramref name="dstPitch"/> (8 columns of 8 channels to 8 vectors of the 8 channels,
    /// or back). Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(ref float src, int plane, ref float dst, int dstPitch)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref src, (nuint)plane),
            r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * plane)), r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * plane)),
            r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * plane)), r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * plane)),
            r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * plane)), r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * plane));
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves exchanged.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref dst, (nuint)dstPitch);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstPitch));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstPitch));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstPitch));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstPitch));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstPitch));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstPitch));
    }

    /// <summary>
    /// Input transform of tiles [first, first + tiles) of one sample (tile k is row k / tilesW, column k % tilesW of the tile
    /// grid) from its interleaved rows (<see cref="InterleaveRows"/>, starting at tile row <paramref name="tileRow0"/>):
    /// V[ξ][t][c] = (Bᵀ d B)[ξ] of input channel c, written at v[ξ · pitch + t · channels + c], so each position's GEMM
    /// reads a [tiles × channels] matrix. <paramref name="tile"/> is the output tile edge: 4 for F(4×4, 3×3) (6×6 input
    /// tiles, 36 positions), 2 for F(2×2, 3×3) (<see cref="WinogradF2"/>'s 4×4 input tiles, 16 positions).
    /// </summary>
    public static void InputTiles(ref float xc, int channels, int rows, int columns, int tileRow0, int tilesW, int first, int tiles, int pitch, ref float v, int tile = Tile)
    {
        int rowPitch = columns * Lanes;
        for (int t = 0; t < tiles; t++)
        {
            int k = first + t, ty = k / tilesW - tileRow0, tx = k % tilesW;
            for (int cb = 0; cb < channels / Lanes; cb++)
            {
                ref float origin = ref Unsafe.Add(ref xc, (cb * rows + ty * tile) * rowPitch + tx * tile * Lanes);
                ref float target = ref Unsafe.Add(ref v, t * channels + cb * Lanes);
                if (tile == WinogradF2.Tile) WinogradF2.InputTile(ref origin, rowPitch, pitch, ref target);
                else if (Vector256.IsHardwareAccelerated) InputTile8(ref origin, rowPitch, pitch, ref target);
                else InputTileScalar(ref origin, rowPitch, pitch, ref target);
            }
        }
    }

    /// <summary>
    /// Bᵀ d B of one tile for the 8 channels of an interleaved block, one Vector256 lane per channel: the 1-D transform down
    /// each of the window's 6 columns (into <c>t</c>), then along each row, each result stored at v[ξ · pitch].
    /// </summary>
    private static void InputTile8(ref float origin, int rowPitch, int pitch, ref float v)
    {
        Span<Vector256<float>> t = stackalloc Vector256<float>[Positions]; // Bᵀ d, [row][column]
        ref Vector256<float> t0 = ref t[0];
        for (int j = 0; j < Window; j++)
        {
            ref float column = ref Unsafe.Add(ref origin, j * Lanes);
            InputTransform1D(Vector256.LoadUnsafe(ref column), Vector256.LoadUnsafe(ref column, (nuint)rowPitch),
                Vector256.LoadUnsafe(ref column, (nuint)(2 * rowPitch)), Vector256.LoadUnsafe(ref column, (nuint)(3 * rowPitch)),
                Vector256.LoadUnsafe(ref column, (nuint)(4 * rowPitch)), Vector256.LoadUnsafe(ref column, (nuint)(5 * rowPitch)),
                out Unsafe.Add(ref t0, j), out Unsafe.Add(ref t0, Window + j), out Unsafe.Add(ref t0, 2 * Window + j),
                out Unsafe.Add(ref t0, 3 * Window + j), out Unsafe.Add(ref t0, 4 * Window + j), out Unsafe.Add(ref t0, 5 * Window + j));
        }
        for (int i = 0; i < Window; i++)
        {
            ref Vector256<float> row = ref Unsafe.Add(ref t0, i * Window);
            InputTransform1D(row, Unsafe.Add(ref row, 1), Unsafe.Add(ref row, 2), Unsafe.Add(ref row, 3), Unsafe.Add(ref row, 4), Unsafe.Add(ref row, 5),
                out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3, out Vector256<float> r4, out Vector256<float> r5);
            ref float out0 = ref Unsafe.Add(ref v, i * Window * pitch);
            r0.StoreUnsafe(ref out0);
            r1.StoreUnsafe(ref out0, (nuint)pitch);
            r2.StoreUnsafe(ref out0, (nuint)(2 * pitch));
            r3.StoreUnsafe(ref out0, (nuint)(3 * pitch));
            r4.StoreUnsafe(ref out0, (nuint)(4 * pitch));
            r5.StoreUnsafe(ref out0, (nuint)(5 * pitch));
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
                InputTransform1D(column, Unsafe.Add(ref column, rowPitch), Unsafe.Add(ref column, 2 * rowPitch),
                    Unsafe.Add(ref column, 3 * rowPitch), Unsafe.Add(ref column, 4 * rowPitch), Unsafe.Add(ref column, 5 * rowPitch),
                    out t[j], out t[Window + j], out t[2 * Window + j], out t[3 * Window + j], out t[4 * Window + j], out t[5 * Window + j]);
            }
            for (int i = 0; i < Window; i++)
            {
                ref float out0 = ref Unsafe.Add(ref v, i * Window * pitch + lane);
                InputTransform1D(t[i * Window], t[i * Window + 1], t[i * Window + 2], t[i * Window + 3], t[i * Window + 4], t[i * Window + 5],
                    out out0, out Unsafe.Add(ref out0, pitch), out Unsafe.Add(ref out0, 2 * pitch),
                    out Unsafe.Add(ref out0, 3 * pitch), out Unsafe.Add(ref out0, 4 * pitch), out Unsafe.Add(ref out0, 5 * pitch));
            }
        }
    }

    /// <summary>
    /// Bᵀ applied to 6 values (a column or a row of a tile's window), 8 channels per vector. Bᵀ rows: (4, 0, −5, 0, 1, 0),
    /// (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform1D(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4, Vector256<float> d5,
        out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3, out Vector256<float> r4, out Vector256<float> r5)
    {
        Vector256<float> a = d4 - d2 * 4f, b = d3 - d1 * 4f, e = d4 - d2, f = (d3 - d1) * 2f; // rows 1, 2 share a, b; rows 3, 4 e, f
        r0 = d0 * 4f - d2 * 5f + d4;
        r1 = a + b;
        r2 = a - b;
        r3 = e + f;
        r4 = e - f;
        r5 = d1 * 4f - d3 * 5f + d5;
    }

    /// <summary>The scalar <see cref="InputTransform1D(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float})"/>: the same operations in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform1D(float d0, float d1, float d2, float d3, float d4, float d5, out float r0, out float r1, out float r2, out float r3, out float r4, out float r5)
    {
        float a = d4 - d2 * 4f, b = d3 - d1 * 4f, e = d4 - d2, f = (d3 - d1) * 2f;
        r0 = d0 * 4f - d2 * 5f + d4;
        r1 = a + b;
        r2 = a - b;
        r3 = e + f;
        r4 = e - f;
        r5 = d1 * 4f - d3 * 5f + d5;
    }

    /// <summary>
    /// <see cref="Multiply"/> for two panels of 16 output channels at once (32 channels; the second panel's weights follow
    /// the first's, <paramref name="channels"/> · 16 floats on): with Vector512, 8 tiles × 32 channels of accumulators, so
    /// each broadcast input feeds two FMAs. Each output is the same sum in the same order as <see cref="Multiply"/> gives it.
    /// </summary>
    public static void MultiplyPair(ref float v, int channels, ref float u, ref float m0, ref float m1, int tiles)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Multiply(ref v, channels, ref u, ref m0, tiles);
            Multiply(ref v, channels, ref Unsafe.Add(ref u, channels * Block), ref m1, tiles);
            return;
        }
        nint c1 = channels, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1, c6 = 6 * c1, c7 = 7 * c1, second = c1 * Block;
        // The pair's weights for the next transform position follow these (WinogradWeights' layout): the first pass over
        // the tiles asks for them, a line per panel per input channel, so they are in L2 when the next call starts.
        nint next = 2 * second;
        int t = 0;
        for (; t + 8 <= tiles; t += 8)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
            ref float vc = ref Unsafe.Add(ref v, t * channels);
            ref float uc = ref u;
            for (int c = 0; c < channels; c++)
            {
                Prefetch.ToL2(ref uc, next);
                Prefetch.ToL2(ref uc, next + second);
                Vector512<float> w0 = Vector512.LoadUnsafe(ref uc), w1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref uc, second));
                Vector512<float> x = Vector512.Create(vc);
                a0 = Vector512.FusedMultiplyAdd(x, w0, a0); b0 = Vector512.FusedMultiplyAdd(x, w1, b0);
                x = Vector512.Create(Unsafe.Add(ref vc, c1));
                a1 = Vector512.FusedMultiplyAdd(x, w0, a1); b1 = Vector512.FusedMultiplyAdd(x, w1, b1);
                x = Vector512.Create(Unsafe.Add(ref vc, c2));
                a2 = Vector512.FusedMultiplyAdd(x, w0, a2); b2 = Vector512.FusedMultiplyAdd(x, w1, b2);
                x = Vector512.Create(Unsafe.Add(ref vc, c3));
                a3 = Vector512.FusedMultiplyAdd(x, w0, a3); b3 = Vector512.FusedMultiplyAdd(x, w1, b3);
                x = Vector512.Create(Unsafe.Add(ref vc, c4));
                a4 = Vector512.FusedMultiplyAdd(x, w0, a4); b4 = Vector512.FusedMultiplyAdd(x, w1, b4);
                x = Vector512.Create(Unsafe.Add(ref vc, c5));
                a5 = Vector512.FusedMultiplyAdd(x, w0, a5); b5 = Vector512.FusedMultiplyAdd(x, w1, b5);
                x = Vector512.Create(Unsafe.Add(ref vc, c6));
                a6 = Vector512.FusedMultiplyAdd(x, w0, a6); b6 = Vector512.FusedMultiplyAdd(x, w1, b6);
                x = Vector512.Create(Unsafe.Add(ref vc, c7));
                a7 = Vector512.FusedMultiplyAdd(x, w0, a7); b7 = Vector512.FusedMultiplyAdd(x, w1, b7);
                vc = ref Unsafe.Add(ref vc, 1);
                uc = ref Unsafe.Add(ref uc, Block);
            }
            ref float ma = ref Unsafe.Add(ref m0, t * Block);
            a0.StoreUnsafe(ref ma); a1.StoreUnsafe(ref ma, 16); a2.StoreUnsafe(ref ma, 32); a3.StoreUnsafe(ref ma, 48);
            a4.StoreUnsafe(ref ma, 64); a5.StoreUnsafe(ref ma, 80); a6.StoreUnsafe(ref ma, 96); a7.StoreUnsafe(ref ma, 112);
            ref float mb = ref Unsafe.Add(ref m1, t * Block);
            b0.StoreUnsafe(ref mb); b1.StoreUnsafe(ref mb, 16); b2.StoreUnsafe(ref mb, 32); b3.StoreUnsafe(ref mb, 48);
            b4.StoreUnsafe(ref mb, 64); b5.StoreUnsafe(ref mb, 80); b6.StoreUnsafe(ref mb, 96); b7.StoreUnsafe(ref mb, 112);
        }
        for (; t + 4 <= tiles; t += 4)
        {
            // A small plane's last tiles (a 7×7 plane has 4): 4 tiles × 32 channels, each weight loaded once for the 4.
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            ref float vc = ref Unsafe.Add(ref v, t * channels);
            ref float uc = ref u;
            for (int c = 0; c < channels; c++)
            {
                Prefetch.ToL2(ref uc, next);
                Prefetch.ToL2(ref uc, next + second);
                Vector512<float> w0 = Vector512.LoadUnsafe(ref uc), w1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref uc, second));
                Vector512<float> x = Vector512.Create(vc);
                a0 = Vector512.FusedMultiplyAdd(x, w0, a0); b0 = Vector512.FusedMultiplyAdd(x, w1, b0);
                x = Vector512.Create(Unsafe.Add(ref vc, c1));
                a1 = Vector512.FusedMultiplyAdd(x, w0, a1); b1 = Vector512.FusedMultiplyAdd(x, w1, b1);
                x = Vector512.Create(Unsafe.Add(ref vc, c2));
                a2 = Vector512.FusedMultiplyAdd(x, w0, a2); b2 = Vector512.FusedMultiplyAdd(x, w1, b2);
                x = Vector512.Create(Unsafe.Add(ref vc, c3));
                a3 = Vector512.FusedMultiplyAdd(x, w0, a3); b3 = Vector512.FusedMultiplyAdd(x, w1, b3);
                vc = ref Unsafe.Add(ref vc, 1);
                uc = ref Unsafe.Add(ref uc, Block);
            }
            ref float ma = ref Unsafe.Add(ref m0, t * Block);
            a0.StoreUnsafe(ref ma); a1.StoreUnsafe(ref ma, 16); a2.StoreUnsafe(ref ma, 32); a3.StoreUnsafe(ref ma, 48);
            ref float mb = ref Unsafe.Add(ref m1, t * Block);
            b0.StoreUnsafe(ref mb); b1.StoreUnsafe(ref mb, 16); b2.StoreUnsafe(ref mb, 32); b3.StoreUnsafe(ref mb, 48);
        }
        for (; t < tiles; t++)
        {
            Vector512<float> a0 = default, b0 = default;
            ref float vc = ref Unsafe.Add(ref v, t * channels);
            ref float uc = ref u;
            for (int c = 0; c < channels; c++)
            {
                Vector512<float> x = Vector512.Create(vc);
                a0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref uc), a0);
                b0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref Unsafe.Add(ref uc, second)), b0);
                vc = ref Unsafe.Add(ref vc, 1);
                uc = ref Unsafe.Add(ref uc, Block);
            }
            a0.StoreUnsafe(ref m0, (nuint)(t * Block));
            b0.StoreUnsafe(ref m1, (nuint)(t * Block));
        }
    }

    /// <summary>
    /// One position's GEMM for a panel of 16 output channels: m[t · 16 + lane] = Σ_c v[t · channels + c] · u[c · 16 + lane]
    /// for t in [0, tiles). The sum runs over c in order, one fused multiply-add per term, on every path.
    /// </summary>
    public static void Multiply(ref float v, int channels, ref float u, ref float m, int tiles)
    {
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // 8 tiles × 16 channels of accumulators: each weight row loaded once serves 8 broadcast inputs.
            for (; t + 8 <= tiles; t += 8)
            {
                ref float vt = ref Unsafe.Add(ref v, t * channels);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int c = 0; c < channels; c++)
                {
                    Vector512<float> w = Vector512.LoadUnsafe(ref u, (nuint)(c * Block));
                    ref float vc = ref Unsafe.Add(ref vt, c);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(vc), w, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, channels)), w, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 2 * channels)), w, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 3 * channels)), w, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 4 * channels)), w, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 5 * channels)), w, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 6 * channels)), w, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vc, 7 * channels)), w, a7);
                }
                ref float mt = ref Unsafe.Add(ref m, t * Block);
                a0.StoreUnsafe(ref mt); a1.StoreUnsafe(ref mt, 16); a2.StoreUnsafe(ref mt, 32); a3.StoreUnsafe(ref mt, 48);
                a4.StoreUnsafe(ref mt, 64); a5.StoreUnsafe(ref mt, 80); a6.StoreUnsafe(ref mt, 96); a7.StoreUnsafe(ref mt, 112);
            }
            for (; t < tiles; t++)
            {
                ref float vt = ref Unsafe.Add(ref v, t * channels);
                Vector512<float> a0 = default;
                for (int c = 0; c < channels; c++)
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref vt, c)), Vector512.LoadUnsafe(ref u, (nuint)(c * Block)), a0);
                a0.StoreUnsafe(ref m, (nuint)(t * Block));
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            // 6 tiles × 2 vectors of 8 channels: 12 accumulators of the 16 registers.
            for (; t + 6 <= tiles; t += 6)
            {
                ref float vt = ref Unsafe.Add(ref v, t * channels);
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
                Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
                for (int c = 0; c < channels; c++)
                {
                    Vector256<float> wl = Vector256.LoadUnsafe(ref u, (nuint)(c * Block)), wh = Vector256.LoadUnsafe(ref u, (nuint)(c * Block + 8));
                    ref float vc = ref Unsafe.Add(ref vt, c);
                    Vector256<float> x0 = Vector256.Create(vc);
                    a0 = Vector256.FusedMultiplyAdd(x0, wl, a0); b0 = Vector256.FusedMultiplyAdd(x0, wh, b0);
                    Vector256<float> x1 = Vector256.Create(Unsafe.Add(ref vc, channels));
                    a1 = Vector256.FusedMultiplyAdd(x1, wl, a1); b1 = Vector256.FusedMultiplyAdd(x1, wh, b1);
                    Vector256<float> x2 = Vector256.Create(Unsafe.Add(ref vc, 2 * channels));
                    a2 = Vector256.FusedMultiplyAdd(x2, wl, a2); b2 = Vector256.FusedMultiplyAdd(x2, wh, b2);
                    Vector256<float> x3 = Vector256.Create(Unsafe.Add(ref vc, 3 * channels));
                    a3 = Vector256.FusedMultiplyAdd(x3, wl, a3); b3 = Vector256.FusedMultiplyAdd(x3, wh, b3);
                    Vector256<float> x4 = Vector256.Create(Unsafe.Add(ref vc, 4 * channels));
                    a4 = Vector256.FusedMultiplyAdd(x4, wl, a4); b4 = Vector256.FusedMultiplyAdd(x4, wh, b4);
                    Vector256<float> x5 = Vector256.Create(Unsafe.Add(ref vc, 5 * channels));
                    a5 = Vector256.FusedMultiplyAdd(x5, wl, a5); b5 = Vector256.FusedMultiplyAdd(x5, wh, b5);
                }
                ref float mt = ref Unsafe.Add(ref m, t * Block);
                a0.StoreUnsafe(ref mt); b0.StoreUnsafe(ref mt, 8); a1.StoreUnsafe(ref mt, 16); b1.StoreUnsafe(ref mt, 24);
                a2.StoreUnsafe(ref mt, 32); b2.StoreUnsafe(ref mt, 40); a3.StoreUnsafe(ref mt, 48); b3.StoreUnsafe(ref mt, 56);
                a4.StoreUnsafe(ref mt, 64); b4.StoreUnsafe(ref mt, 72); a5.StoreUnsafe(ref mt, 80); b5.StoreUnsafe(ref mt, 88);
            }
            for (; t < tiles; t++)
            {
                ref float vt = ref Unsafe.Add(ref v, t * channels);
                Vector256<float> a0 = default, b0 = default;
                for (int c = 0; c < channels; c++)
                {
                    Vector256<float> x0 = Vector256.Create(Unsafe.Add(ref vt, c));
                    a0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref u, (nuint)(c * Block)), a0);
                    b0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref u, (nuint)(c * Block + 8)), b0);
                }
                a0.StoreUnsafe(ref m, (nuint)(t * Block));
                b0.StoreUnsafe(ref m, (nuint)(t * Block + 8));
            }
            return;
        }
        for (; t < tiles; t++)
            for (int lane = 0; lane < Block; lane++)
            {
                float sum = 0f;
                for (int c = 0; c < channels; c++)
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref v, t * channels + c), Unsafe.Add(ref u, c * Block + lane), sum);
                Unsafe.Add(ref m, t * Block + lane) = sum;
            }
    }

    /// <summary>
    /// Output transform of tile t for a panel of 16 channels: Y = Aᵀ M A + bias, where M[ξ] is the 16 channels at
    /// m[ξ · pitch + t · 16]. Writes each channel's 4×4 outputs together, row by row: out[lane · 16 + row · 4 + column]
    /// (so a tile row of a channel is one 4-float store into its plane). Aᵀ rows: (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0),
    /// (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1).
    /// </summary>
    public static void OutputTile(ref float m, int pitch, int t, ref float bias, ref float output)
    {
        ref float mt = ref Unsafe.Add(ref m, t * Block);
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Span<Vector512<float>> s = stackalloc Vector512<float>[4 * Window]; // Aᵀ M: 4 rows × 6 columns
            for (int j = 0; j < Window; j++)
            {
                Vector512<float> m0 = Vector512.LoadUnsafe(ref mt, (nuint)(j * pitch)), m1 = Vector512.LoadUnsafe(ref mt, (nuint)((Window + j) * pitch)),
                    m2 = Vector512.LoadUnsafe(ref mt, (nuint)((2 * Window + j) * pitch)), m3 = Vector512.LoadUnsafe(ref mt, (nuint)((3 * Window + j) * pitch)),
                    m4 = Vector512.LoadUnsafe(ref mt, (nuint)((4 * Window + j) * pitch)), m5 = Vector512.LoadUnsafe(ref mt, (nuint)((5 * Window + j) * pitch));
                Vector512<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
                s[j] = m0 + p + r;
                s[Window + j] = q + u * 2f;
                s[2 * Window + j] = p + r * 4f;
                s[3 * Window + j] = q + u * 8f + m5;
            }
            Vector512<float> b = Vector512.LoadUnsafe(ref bias);
            for (int i = 0; i < 4; i++)
            {
                Vector512<float> m0 = s[i * Window], m1 = s[i * Window + 1], m2 = s[i * Window + 2], m3 = s[i * Window + 3], m4 = s[i * Window + 4], m5 = s[i * Window + 5];
                Vector512<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
                Vector512<float> y0 = m0 + p + r + b, y1 = q + u * 2f + b, y2 = p + r * 4f + b, y3 = q + u * 8f + m5 + b; // columns 0..3, 16 channels each
                // 4 × 16 → 16 × 4 within each 128-bit block: block k of c{j} holds channel 4k + j's 4 columns.
                Vector512<float> lo01 = Avx512F.UnpackLow(y0, y1), hi01 = Avx512F.UnpackHigh(y0, y1), lo23 = Avx512F.UnpackLow(y2, y3), hi23 = Avx512F.UnpackHigh(y2, y3);
                ref float row = ref Unsafe.Add(ref output, i * 4);
                StoreBlocks(Avx512F.Shuffle(lo01, lo23, 0x44), ref row);
                StoreBlocks(Avx512F.Shuffle(lo01, lo23, 0xEE), ref Unsafe.Add(ref row, Block));
                StoreBlocks(Avx512F.Shuffle(hi01, hi23, 0x44), ref Unsafe.Add(ref row, 2 * Block));
                StoreBlocks(Avx512F.Shuffle(hi01, hi23, 0xEE), ref Unsafe.Add(ref row, 3 * Block));
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            OutputTile256(ref mt, pitch, ref bias, ref output);
            OutputTile256(ref Unsafe.Add(ref mt, 8), pitch, ref Unsafe.Add(ref bias, 8), ref Unsafe.Add(ref output, 8 * Block));
            return;
        }
        Span<float> sc = stackalloc float[4 * Window];
        for (int lane = 0; lane < Block; lane++)
        {
            for (int j = 0; j < Window; j++)
            {
                float m0 = Unsafe.Add(ref mt, j * pitch + lane), m1 = Unsafe.Add(ref mt, (Window + j) * pitch + lane),
                    m2 = Unsafe.Add(ref mt, (2 * Window + j) * pitch + lane), m3 = Unsafe.Add(ref mt, (3 * Window + j) * pitch + lane),
                    m4 = Unsafe.Add(ref mt, (4 * Window + j) * pitch + lane), m5 = Unsafe.Add(ref mt, (5 * Window + j) * pitch + lane);
                float p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
                sc[j] = m0 + p + r;
                sc[Window + j] = q + u * 2f;
                sc[2 * Window + j] = p + r * 4f;
                sc[3 * Window + j] = q + u * 8f + m5;
            }
            float b = Unsafe.Add(ref bias, lane);
            for (int i = 0; i < 4; i++)
            {
                float m0 = sc[i * Window], m1 = sc[i * Window + 1], m2 = sc[i * Window + 2], m3 = sc[i * Window + 3], m4 = sc[i * Window + 4], m5 = sc[i * Window + 5];
                float p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
                ref float row = ref Unsafe.Add(ref output, lane * Block + i * 4);
                row = m0 + p + r + b;
                Unsafe.Add(ref row, 1) = q + u * 2f + b;
                Unsafe.Add(ref row, 2) = p + r * 4f + b;
                Unsafe.Add(ref row, 3) = q + u * 8f + m5 + b;
            }
        }
    }

    /// <summary>Stores the 4 blocks of 128 bits of <paramref name="v"/> (channels j, 4 + j, 8 + j, 12 + j of a transposed tile row) 4 channels apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector512<float> v, ref float channel)
    {
        Vector256<float> low = v.GetLower(), high = v.GetUpper();
        low.GetLower().StoreUnsafe(ref channel);
        low.GetUpper().StoreUnsafe(ref channel, 4 * Block);
        high.GetLower().StoreUnsafe(ref channel, 8 * Block);
        high.GetUpper().StoreUnsafe(ref channel, 12 * Block);
    }

    /// <summary><see cref="OutputTile"/> for 8 of the panel's channels in Vector256s (output: their 8 × 16 values).</summary>
    private static void OutputTile256(ref float mt, int pitch, ref float bias, ref float output)
    {
        Span<Vector256<float>> s = stackalloc Vector256<float>[4 * Window];
        for (int j = 0; j < Window; j++)
        {
            Vector256<float> m0 = Vector256.LoadUnsafe(ref mt, (nuint)(j * pitch)), m1 = Vector256.LoadUnsafe(ref mt, (nuint)((Window + j) * pitch)),
                m2 = Vector256.LoadUnsafe(ref mt, (nuint)((2 * Window + j) * pitch)), m3 = Vector256.LoadUnsafe(ref mt, (nuint)((3 * Window + j) * pitch)),
                m4 = Vector256.LoadUnsafe(ref mt, (nuint)((4 * Window + j) * pitch)), m5 = Vector256.LoadUnsafe(ref mt, (nuint)((5 * Window + j) * pitch));
            Vector256<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
            s[j] = m0 + p + r;
            s[Window + j] = q + u * 2f;
            s[2 * Window + j] = p + r * 4f;
            s[3 * Window + j] = q + u * 8f + m5;
        }
        Vector256<float> b = Vector256.LoadUnsafe(ref bias);
        for (int i = 0; i < 4; i++)
        {
            Vector256<float> m0 = s[i * Window], m1 = s[i * Window + 1], m2 = s[i * Window + 2], m3 = s[i * Window + 3], m4 = s[i * Window + 4], m5 = s[i * Window + 5];
            Vector256<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, u = m3 - m4;
            Vector256<float> y0 = m0 + p + r + b, y1 = q + u * 2f + b, y2 = p + r * 4f + b, y3 = q + u * 8f + m5 + b;
            Vector256<float> lo01 = Avx.UnpackLow(y0, y1), hi01 = Avx.UnpackHigh(y0, y1), lo23 = Avx.UnpackLow(y2, y3), hi23 = Avx.UnpackHigh(y2, y3);
            ref float row = ref Unsafe.Add(ref output, i * 4);
            StoreBlocks(Avx.Shuffle(lo01, lo23, 0x44), ref row);
            StoreBlocks(Avx.Shuffle(lo01, lo23, 0xEE), ref Unsafe.Add(ref row, Block));
            StoreBlocks(Avx.Shuffle(hi01, hi23, 0x44), ref Unsafe.Add(ref row, 2 * Block));
            StoreBlocks(Avx.Shuffle(hi01, hi23, 0xEE), ref Unsafe.Add(ref row, 3 * Block));
        }
    }

    /// <summary>Stores the 2 blocks of 128 bits of <paramref name="v"/> (channels j and 4 + j of a transposed tile row) 4 channels apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector256<float> v, ref float channel)
    {
        v.GetLower().StoreUnsafe(ref channel);
        v.GetUpper().StoreUnsafe(ref channel, 4 * Block);
    }
}
