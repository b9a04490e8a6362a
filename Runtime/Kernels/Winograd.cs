using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FusedNorm.Kernels;

/// <summary>
/// The three steps of a Winograd F(4×4, 3×3) convolution (Lavin and Gray, 2016) that a generated kernel runs for a group
/// of 4×4 output tiles: the input transform V = Bᵀ d B of each 6×6 input tile (read from the unpadded input; the conv's
/// zero padding and the rows and columns past a partial tile read as zeros), one GEMM per transform position ξ
/// (M[ξ] = V[ξ] · U[ξ], vectorized over output channels; U from <see cref="WinogradWeights"/>), and the output transform
/// Y = Aᵀ M A + bias of each tile. The generated kernel applies its epilogue (residual add, activation) and stores.
/// Each tile's result is computed by the same operations whichever task computes it, so results do not depend on the
/// thread count.
/// </summary>
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

    /// <summary>
    /// Input transform of tiles [first, first + tiles) of one sample (tile k is row k / tilesW, column k % tilesW of the
    /// tile grid; its window starts at input row 4·row − padding, column 4·column − padding): V[ξ][t][c] =
    /// (Bᵀ d B)[ξ] of input channel c, written at v[ξ · pitch + t · channels + c], so each position's GEMM reads a
    /// [tiles × channels] matrix. Positions outside the input read as zeros.
    /// </summary>
    public static void InputTiles(ref float x, int channels, int height, int width, int padding, int tilesW, int first, int tiles, int pitch, ref float v)
    {
        Span<float> d = stackalloc float[Positions];
        Span<float> t6 = stackalloc float[Positions];
        int plane = height * width;
        for (int t = 0; t < tiles; t++)
        {
            int tile = first + t, y0 = tile / tilesW * Tile - padding, x0 = tile % tilesW * Tile - padding;
            bool inside = y0 >= 0 && x0 >= 0 && y0 + Window <= height && x0 + Window <= width;
            int i0 = Math.Max(0, -y0), i1 = Math.Min(Window, height - y0), j0 = Math.Max(0, -x0), j1 = Math.Min(Window, width - x0);
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c + 8 <= channels; c += 8)
                    InputTile8(ref Unsafe.Add(ref x, c * plane), plane, width, y0 * width + x0, inside, i0, i1, j0, j1, pitch, ref Unsafe.Add(ref v, t * channels + c));
            for (; c < channels; c++)
            {
                // Indices relative to the plane, never a reference outside it: a border tile's window starts before it.
                ref float source = ref Unsafe.Add(ref x, c * plane);
                int origin = y0 * width + x0;
                if (inside)
                {
                    for (int i = 0; i < Window; i++)
                        for (int j = 0; j < Window; j++)
                            d[i * Window + j] = Unsafe.Add(ref source, origin + i * width + j);
                }
                else
                {
                    d.Clear();
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < j1; j++)
                            d[i * Window + j] = Unsafe.Add(ref source, origin + i * width + j);
                }
                // Bᵀ d: the 1-D transform down each column, then (Bᵀ d) B: along each row.
                for (int j = 0; j < Window; j++) InputTransform1D(d, j, Window, t6);
                for (int i = 0; i < Window; i++) InputTransform1D(t6, i * Window, 1, d);
                ref float target = ref Unsafe.Add(ref v, t * channels + c);
                for (int xi = 0; xi < Positions; xi++) Unsafe.Add(ref target, xi * pitch) = d[xi];
            }
        }
    }

    /// <summary>
    /// The input transform of one tile for 8 consecutive channels at once, one Vector256 lane per channel: each window
    /// element is gathered from the 8 planes (<paramref name="plane"/> apart), the two 1-D passes run on vectors, and each
    /// position's 8 values are stored side by side at v[ξ · pitch]. Rows [i0, i1) and columns [j0, j1) of the window are
    /// inside the input; the rest read as zeros.
    /// </summary>
    private static void InputTile8(ref float x, int plane, int width, int origin, bool inside, int i0, int i1, int j0, int j1, int pitch, ref float v)
    {
        Span<Vector256<float>> d = stackalloc Vector256<float>[Positions];
        ref Vector256<float> d0 = ref d[0];
        if (!inside) d.Clear();
        else { i0 = 0; i1 = Window; j0 = 0; j1 = Window; }
        for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++)
            {
                ref float e = ref Unsafe.Add(ref x, origin + i * width + j);
                Unsafe.Add(ref d0, i * Window + j) = Vector256.Create(e, Unsafe.Add(ref e, plane), Unsafe.Add(ref e, 2 * plane), Unsafe.Add(ref e, 3 * plane),
                    Unsafe.Add(ref e, 4 * plane), Unsafe.Add(ref e, 5 * plane), Unsafe.Add(ref e, 6 * plane), Unsafe.Add(ref e, 7 * plane));
            }
        for (int j = 0; j < Window; j++) InputTransform1D(ref Unsafe.Add(ref d0, j), Window);
        for (int i = 0; i < Window; i++) InputTransform1D(ref Unsafe.Add(ref d0, i * Window), 1);
        for (int xi = 0; xi < Positions; xi++) Unsafe.Add(ref d0, xi).StoreUnsafe(ref v, (nuint)(xi * pitch));
    }

    /// <summary><see cref="InputTransform1D(Span{float}, int, int, Span{float})"/> on vectors, in place: the 6 at <paramref name="d"/>, <paramref name="step"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform1D(ref Vector256<float> d, int step)
    {
        Vector256<float> d0 = d, d1 = Unsafe.Add(ref d, step), d2 = Unsafe.Add(ref d, 2 * step), d3 = Unsafe.Add(ref d, 3 * step), d4 = Unsafe.Add(ref d, 4 * step), d5 = Unsafe.Add(ref d, 5 * step);
        Vector256<float> a = d4 - d2 * 4f, b = d3 - d1 * 4f, e = d4 - d2, f = (d3 - d1) * 2f;
        d = d0 * 4f - d2 * 5f + d4;
        Unsafe.Add(ref d, step) = a + b;
        Unsafe.Add(ref d, 2 * step) = a - b;
        Unsafe.Add(ref d, 3 * step) = e + f;
        Unsafe.Add(ref d, 4 * step) = e - f;
        Unsafe.Add(ref d, 5 * step) = d1 * 4f - d3 * 5f + d5;
    }

    /// <summary>
    /// Bᵀ applied to the 6 values at <paramref name="start"/>, <paramref name="start"/> + step, …, written to the same
    /// places of <paramref name="result"/>. Bᵀ rows: (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0),
    /// (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform1D(Span<float> d, int start, int step, Span<float> result)
    {
        float d0 = d[start], d1 = d[start + step], d2 = d[start + 2 * step], d3 = d[start + 3 * step], d4 = d[start + 4 * step], d5 = d[start + 5 * step];
        float a = d4 - 4f * d2, b = d3 - 4f * d1; // rows 1, 2 share them
        float e = d4 - d2, f = 2f * (d3 - d1);     // rows 3, 4
        result[start] = 4f * d0 - 5f * d2 + d4;
        result[start + step] = a + b;
        result[start + 2 * step] = a - b;
        result[start + 3 * step] = e + f;
        result[start + 4 * step] = e - f;
        result[start + 5 * step] = 4f * d1 - 5f * d3 + d5;
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
    /// m[ξ · pitch + t · 16]. Writes the 4×4 outputs as out[(row · 4 + column) · 16 + lane]. Aᵀ rows: (1, 1, 1, 1, 1, 0),
    /// (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1).
    /// </summary>
    public static void OutputTile(ref float m, int pitch, int t, ref float bias, ref float output)
    {
        ref float mt = ref Unsafe.Add(ref m, t * Block);
        if (Vector512.IsHardwareAccelerated)
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
                ref float row = ref Unsafe.Add(ref output, i * 4 * Block);
                (m0 + p + r + b).StoreUnsafe(ref row);
                (q + u * 2f + b).StoreUnsafe(ref row, Block);
                (p + r * 4f + b).StoreUnsafe(ref row, 2 * Block);
                (q + u * 8f + m5 + b).StoreUnsafe(ref row, 3 * Block);
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            OutputTile256(ref mt, pitch, ref bias, ref output);
            OutputTile256(ref Unsafe.Add(ref mt, 8), pitch, ref Unsafe.Add(ref bias, 8), ref Unsafe.Add(ref output, 8));
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
                ref float row = ref Unsafe.Add(ref output, i * 4 * Block + lane);
                row = m0 + p + r + b;
                Unsafe.Add(ref row, Block) = q + u * 2f + b;
                Unsafe.Add(ref row, 2 * Block) = p + r * 4f + b;
                Unsafe.Add(ref row, 3 * Block) = q + u * 8f + m5 + b;
            }
        }
    }

    /// <summary><see cref="OutputTile"/> for 8 of the panel's channels in Vector256s.</summary>
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
            ref float row = ref Unsafe.Add(ref output, i * 4 * Block);
            (m0 + p + r + b).StoreUnsafe(ref row);
            (q + u * 2f + b).StoreUnsafe(ref row, Block);
            (p + r * 4f + b).StoreUnsafe(ref row, 2 * Block);
            (q + u * 8f + m5 + b).StoreUnsafe(ref row, 3 * Block);
        }
    }
}
