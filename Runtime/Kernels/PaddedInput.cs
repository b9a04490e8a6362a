using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
                for (int y = 0; y < h; y++)
                {
                    int at = (y + ph) * wp + pw;
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, ((p * d + z) * h + y) * w), w).CopyTo(slice.Slice(at, w));
                    // this row's right padding and the next row's left padding (or the bottom rows after the last)
                    slice.Slice(at + w, y + 1 < h ? 2 * pw : hp * wp - (at + w)).Clear();
                }
            }
        }
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
                for (int y = 0; y < hp; y++)
                {
                    ref float row = ref Unsafe.Add(ref destination, ((p * dp + z) * hp + y) * pitch);
                    MemoryMarshal.CreateSpan(ref row, pitch).Clear(); // the padding and a segment's unused last slot
                    int sz = z - pd, sy = y - ph;
                    if ((uint)sz >= (uint)d || (uint)sy >= (uint)h) continue;
                    ref float src = ref Unsafe.Add(ref source, ((p * d + sz) * h + sy) * w);
                    for (int q = 0; q < phases; q++)
                    {
                        // Slot j of phase q holds padded column j·phases + q, source column j·phases + q − pw: the slots whose
                        // source column is inside the row are j0 … j1 − 1.
                        int last = pw + w - 1 - q; // the last padded column of phase q that holds an input, ·phases: floor, so test the sign
                        int j0 = (pw - q + phases - 1) / phases, j1 = last < 0 ? 0 : Math.Min(phaseWidth, last / phases + 1);
                        ref float segment = ref Unsafe.Add(ref row, q * phaseWidth);
                        for (int j = j0; j < j1; j++) Unsafe.Add(ref segment, j) = Unsafe.Add(ref src, j * phases + q - pw);
                    }
                }
    }
}
