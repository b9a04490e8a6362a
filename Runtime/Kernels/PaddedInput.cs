using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FusedNorm.Kernels;

/// <summary>Copies planes into a zero-padded layout, so a convolution's window never leaves its input.</summary>
public static class PaddedInput
{
    /// <summary>
    /// Copies <paramref name="planes"/> planes of (d, h, w) from <paramref name="source"/> into
    /// <paramref name="destination"/> as (d + 2·pd, h + 2·ph, w + 2·pw), with zeros around each.
    /// </summary>
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination, int planes, int d, int h, int w, int pd, int ph, int pw)
    {
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        if (planes < 0 || source.Length < planes * d * h * w || destination.Length < planes * dp * hp * wp)
            throw new ArgumentException("The padded copy's buffers are too small.");
        if (planes == 0) return;
        CopyPlanes(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), 0, planes, d, h, w, pd, ph, pw);
    }

    /// <summary>
    /// Copies planes <paramref name="first"/> … first + count − 1, for a caller that split the planes over threads
    /// and checked the buffers once (source holds every plane of (d, h, w), destination every padded plane). Only
    /// the padding is written with zeros, so a rented buffer needs no clearing pass of its own.
    /// </summary>
    public static void CopyPlanes(ref float source, ref float destination, int first, int count, int d, int h, int w, int pd, int ph, int pw)
    {
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        for (int p = first; p < first + count; p++)
        {
            Span<float> plane = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, p * dp * hp * wp), dp * hp * wp);
            plane.Slice(0, pd * hp * wp).Clear(); // leading depth padding
            plane.Slice((pd + d) * hp * wp).Clear(); // trailing depth padding
            for (int z = 0; z < d; z++)
            {
                Span<float> slice = plane.Slice((z + pd) * hp * wp, hp * wp);
                slice.Slice(0, ph * wp + pw).Clear(); // top rows and the first row's left padding
                ref float input = ref Unsafe.Add(ref source, (p * d + z) * h * w);
                for (int y = 0; y < h; y++)
                {
                    int at = (y + ph) * wp + pw;
                    if (w < 16 && y + 1 < h)
                    {
                        // A narrow row: two overlapping vectors rather than a call to the runtime's copy, then this row's
                        // right padding and the next row's left padding one float at a time (a 7×7 plane has 7 of them).
                        ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(slice), at);
                        CopyNarrow(ref Unsafe.Add(ref input, y * w), ref row, w);
                        for (int x = 0; x < 2 * pw; x++) Unsafe.Add(ref row, w + x) = 0f;
                        continue;
                    }
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, y * w), w).CopyTo(slice.Slice(at, w));
                    // this row's right padding and the next row's left padding (or the bottom rows after the last)
                    slice.Slice(at + w, y + 1 < h ? 2 * pw : hp * wp - (at + w)).Clear();
                }
            }
        }
    }

    /// <summary>
    /// destination[0 … n) = source[0 … n) for a row under 16 floats: two vectors that overlap, both loaded before either
    /// is stored, or one float at a time under 4.
    /// </summary>
    private static void CopyNarrow(ref float source, ref float destination, int n)
    {
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref source), b = Vector256.LoadUnsafe(ref source, (nuint)(n - 8));
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, (nuint)(n - 8));
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref source), b = Vector128.LoadUnsafe(ref source, (nuint)(n - 4));
            a.StoreUnsafe(ref destination);
            b.StoreUnsafe(ref destination, (nuint)(n - 4));
        }
        else
            for (int i = 0; i < n; i++) Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
    }

    /// <summary>destination[0 … n) = 0: whole vectors, the last one overlapping the one before.</summary>
    private static void Clear(ref float destination, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            for (int i = 0; i < n - 16; i += 16) Vector512<float>.Zero.StoreUnsafe(ref destination, (nuint)i);
            Vector512<float>.Zero.StoreUnsafe(ref destination, (nuint)(n - 16));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            for (int i = 0; i < n - 8; i += 8) Vector256<float>.Zero.StoreUnsafe(ref destination, (nuint)i);
            Vector256<float>.Zero.StoreUnsafe(ref destination, (nuint)(n - 8));
        }
        else
            for (int i = 0; i < n; i++) Unsafe.Add(ref destination, i) = 0f;
    }

    /// <summary>
    /// As <see cref="CopyPlanes"/>, for a stride-<paramref name="phases"/> convolution: each padded row of
    /// wp = w + 2·pw columns is stored as <paramref name="phases"/> segments of ⌈wp / phases⌉, segment q holding
    /// columns q, q + phases, q + 2·phases, … So the inputs of consecutive output columns at one tap, which lie
    /// phases apart in the row, are consecutive in one segment, and the kernel loads them as one vector. Rows are
    /// phases · ⌈wp / phases⌉ apart; the unused last slots of a segment are zero.
    /// </summary>
    public static void CopyPlanesPhased(ref float source, ref float destination, int first, int count, int d, int h, int w, int pd, int ph, int pw, int phases)
    {
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        int phaseWidth = (wp + phases - 1) / phases, pitch = phases * phaseWidth;
        for (int p = first; p < first + count; p++)
            for (int z = 0; z < dp; z++)
            {
                ref float slice = ref Unsafe.Add(ref destination, (p * dp + z) * hp * pitch);
                int sz = z - pd;
                if ((uint)sz >= (uint)d)
                {
                    Clear(ref slice, hp * pitch); // depth padding
                    continue;
                }
                Clear(ref slice, ph * pitch); // top rows
                Clear(ref Unsafe.Add(ref slice, (ph + h) * pitch), ph * pitch); // bottom rows
                for (int sy = 0; sy < h; sy++)
                {
                    ref float row = ref Unsafe.Add(ref slice, (sy + ph) * pitch);
                    ref float src = ref Unsafe.Add(ref source, ((p * d + sz) * h + sy) * w);
                    Clear(ref row, pitch); // the padding and a segment's unused last slot
                    SplitRow(ref src, ref row, phaseWidth, w, pw, phases, phaseWidth);
                }
            }
    }

    /// <summary>
    /// A 2d strided convolution's copy split into <paramref name="phases"/>² quarter planes (for stride 2): padded row y,
    /// column x is stored in quarter (y mod phases, x mod phases), at row y / phases, slot x / phases. Each quarter has
    /// ⌈hp / phases⌉ rows of ⌈wp / phases⌉ slots, so for output (oh, ox) every tap reads position oh · slots + ox of one
    /// quarter (plus a fixed offset): consecutive outputs, across rows too, read consecutive inputs, and a flat kernel over
    /// the quarter's width keeps all but the few slots past each row. Unused slots and rows are zero.
    /// </summary>
    public static void CopyPlanesPolyphase(ref float source, ref float destination, int first, int count, int h, int w, int ph, int pw, int phases)
    {
        int hp = h + 2 * ph, wp = w + 2 * pw;
        int slots = (wp + phases - 1) / phases, rows = (hp + phases - 1) / phases, quarter = rows * slots, plane = phases * phases * quarter;
        for (int p = first; p < first + count; p++)
        {
            ref float planeStart = ref Unsafe.Add(ref destination, p * plane);
            Clear(ref planeStart, plane); // the padding, and the slots and rows no column or row fills
            for (int sy = 0; sy < h; sy++)
            {
                int y = sy + ph;
                ref float src = ref Unsafe.Add(ref source, (p * h + sy) * w);
                ref float band = ref Unsafe.Add(ref planeStart, (y % phases * phases * rows + y / phases) * slots); // quarter (y mod phases, 0), row y / phases
                SplitRow(ref src, ref band, quarter, w, pw, phases, slots);
            }
        }
    }

    /// <summary>
    /// One source row of <paramref name="w"/> columns into its <paramref name="phases"/> column phases: padded column c =
    /// s + pw goes to slot c / phases of segment c mod phases, segments <paramref name="segmentStride"/> apart (the next
    /// part of the row in the phased copy, the next quarter plane in the polyphase one), each of <paramref name="slots"/>.
    /// Slots no source column reaches are left as they are (the callers cleared them).
    /// </summary>
    private static void SplitRow(ref float source, ref float segments, int segmentStride, int w, int pw, int phases, int slots)
    {
        if (phases == 2) { SplitPairs(ref source, ref segments, ref Unsafe.Add(ref segments, segmentStride), w, pw); return; }
        for (int q = 0; q < phases; q++)
        {
            // Slot j of phase q holds padded column j·phases + q, source column j·phases + q − pw: the slots whose
            // source column is inside the row are j0 … j1 − 1.
            int last = pw + w - 1 - q; // the last padded column of phase q that holds an input, ·phases: floor, so test the sign
            int j0 = (pw - q + phases - 1) / phases, j1 = last < 0 ? 0 : Math.Min(slots, last / phases + 1);
            if (j1 > j0) GatherEvery(ref Unsafe.Add(ref source, j0 * phases + q - pw), ref Unsafe.Add(ref segments, q * segmentStride + j0), j1 - j0, phases);
        }
    }

    /// <summary>
    /// One source row of <paramref name="w"/> columns into the two phases of its padded row (stride 2): source column s
    /// is padded column c = s + pw, stored at slot c / 2 of phase c % 2. Blocks of 32 source columns are two vector loads
    /// split into their even and odd columns (16 each, one two-source permute each), the last block overlapping the one
    /// before (it rewrites the same values); nothing outside the source row is read. Narrower rows take blocks of 16
    /// (Vector256), rows under 16 columns one column at a time.
    /// </summary>
    private static void SplitPairs(ref float source, ref float even, ref float odd, int w, int pw)
    {
        int s = 0;
        if (Avx512F.IsSupported && w >= 32)
        {
            Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            Vector512<int> odds = evens + Vector512<int>.One;
            for (; ; s += 32)
            {
                if (s > w - 32) s = w - 32;
                Vector512<float> a = Vector512.LoadUnsafe(ref source, (nuint)s), b = Vector512.LoadUnsafe(ref source, (nuint)(s + 16));
                int c = s + pw; // the padded column of source column s; s + 1 is c + 1
                Avx512F.PermuteVar16x32x2(a, evens, b).StoreUnsafe(ref Phase(c, ref even, ref odd), (nuint)(c >> 1));
                Avx512F.PermuteVar16x32x2(a, odds, b).StoreUnsafe(ref Phase(c + 1, ref even, ref odd), (nuint)(c + 1 >> 1));
                if (s == w - 32) return;
            }
        }
        if (Vector256.IsHardwareAccelerated && w >= 16)
        {
            Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7); // evens to the lower half, odds to the upper
            for (; ; s += 16)
            {
                if (s > w - 16) s = w - 16;
                Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)s), split);
                Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(s + 8)), split);
                int c = s + pw;
                Vector256.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref Phase(c, ref even, ref odd), (nuint)(c >> 1));
                Vector256.Create(a.GetUpper(), b.GetUpper()).StoreUnsafe(ref Phase(c + 1, ref even, ref odd), (nuint)(c + 1 >> 1));
                if (s == w - 16) return;
            }
        }
        for (; s < w; s++)
        {
            int c = s + pw;
            Unsafe.Add(ref Phase(c, ref even, ref odd), c >> 1) = Unsafe.Add(ref source, s);
        }
    }

    /// <summary>The segment that holds padded column <paramref name="column"/>: <paramref name="even"/>'s for even columns, else <paramref name="odd"/>'s.</summary>
    private static ref float Phase(int column, ref float even, ref float odd) => ref (column & 1) == 0 ? ref even : ref odd;

    /// <summary>
    /// destination[j] = source[j · step] for j &lt; count. Steps 2 and 4 (stride-2 and stride-4 convolutions) run in
    /// vectors: load step vectors of consecutive source elements, keep each one's lanes 0, step, 2·step, … (one permute),
    /// and join them. A vector step never reads past source[(count − 1) · step], the last element the copy needs, so
    /// the read stays inside the caller's row; the remainder is copied one element at a time.
    /// </summary>
    internal static void GatherEvery(ref float source, ref float destination, int count, int step)
    {
        int j = 0;
        if (step == 2)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
                // 16 outputs read source[32j … 32j + 31]; the last needed is 2·(count − 1), so it must be ≥ 32j + 31.
                for (; 2 * (j + 15) + 1 <= 2 * (count - 1); j += 16)
                {
                    Vector512<float> a = Vector512.Shuffle(Vector512.LoadUnsafe(ref source, (nuint)(2 * j)), evens);
                    Vector512<float> b = Vector512.Shuffle(Vector512.LoadUnsafe(ref source, (nuint)(2 * j + 16)), evens);
                    Vector512.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref destination, (nuint)j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
                for (; 2 * (j + 7) + 1 <= 2 * (count - 1); j += 8)
                {
                    Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(2 * j)), evens);
                    Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(2 * j + 8)), evens);
                    Vector256.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref destination, (nuint)j);
                }
            }
        }
        else if (step == 4 && Vector512.IsHardwareAccelerated)
        {
            Vector512<int> fourths = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
            // 16 outputs read source[64j … 64j + 63]; the last needed is 4·(count − 1).
            for (; 4 * (j + 15) + 3 <= 4 * (count - 1); j += 16)
            {
                ref float at = ref Unsafe.Add(ref source, 4 * j);
                Vector128<float> a = Vector512.Shuffle(Vector512.LoadUnsafe(ref at), fourths).GetLower().GetLower();
                Vector128<float> b = Vector512.Shuffle(Vector512.LoadUnsafe(ref at, 16), fourths).GetLower().GetLower();
                Vector128<float> c = Vector512.Shuffle(Vector512.LoadUnsafe(ref at, 32), fourths).GetLower().GetLower();
                Vector128<float> d = Vector512.Shuffle(Vector512.LoadUnsafe(ref at, 48), fourths).GetLower().GetLower();
                Vector512.Create(Vector256.Create(a, b), Vector256.Create(c, d)).StoreUnsafe(ref destination, (nuint)j);
            }
        }
        for (; j < count; j++) Unsafe.Add(ref destination, j) = Unsafe.Add(ref source, j * step);
    }
}
