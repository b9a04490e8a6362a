using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FusedNorm.Kernels;

/// <summary>
/// A convolution's prologue: what it applies to its input as it makes the copy its kernels read. In PyTorch's order, per
/// spatial axis: an optional upsampling (nearest or bilinear, integer scale), an optional padding layer (ReflectionPad2d,
/// ReplicationPad2d, ZeroPad2d: before / after counts and a mode), then the conv's own padding with its padding_mode.
/// Each position of the copy is mapped, once, to the input positions it reads (<see cref="Axis"/>), so the copy is one pass
/// that gathers: the upsampled and padded tensors are never stored. With <c>phases</c> &gt; 1 each copied row is laid out as
/// <see cref="PaddedInput.CopyPlanesPhased"/> lays it out, for a strided convolution.
/// </summary>
public sealed class InputPrologue
{
    /// <summary>
    /// One axis: for each position of the copy, the input index it reads (-1: a zero of the padding) and, when the axis
    /// interpolates (bilinear), the second index and both weights, as PyTorch computes them.
    /// </summary>
    public sealed class Axis
    {
        /// <summary>Per position of the copy: the input index it reads, or -1 for a zero of the padding.</summary>
        public int[] First { get; }
        /// <summary>Per position: the second input index a bilinear axis reads (the same as <see cref="First"/> at the last input).</summary>
        public int[] Second { get; }
        /// <summary>Per position: the weight of <see cref="First"/> (1 − λ; 1 when the axis does not interpolate).</summary>
        public float[] FirstWeight { get; }
        /// <summary>Per position: the weight of <see cref="Second"/> (λ; 0 when the axis does not interpolate).</summary>
        public float[] SecondWeight { get; }
        /// <summary>Bilinear: a position is First·FirstWeight + Second·SecondWeight; else it is First.</summary>
        public bool Interpolates { get; }
        /// <summary>Positions in the copy (with phases: the row pitch, whose unused slots read -1).</summary>
        public int Length => First.Length;

        internal Axis(int[] first, int[] second, float[] firstWeight, float[] secondWeight, bool interpolates)
        {
            First = first; Second = second; FirstWeight = firstWeight; SecondWeight = secondWeight; Interpolates = interpolates;
        }
    }

    /// <summary>Where a padded index reads in a tensor of <paramref name="size"/> padded by <paramref name="before"/> in front: an index, or -1 for a zero.</summary>
    public static int PaddedIndex(int index, int before, int size, PaddingMode mode)
    {
        int j = index - before;
        if (j >= 0 && j < size) return j;
        return mode switch
        {
            PaddingMode.Zeros => -1,
            PaddingMode.Reflect => j < 0 ? -j : 2 * (size - 1) - j, // the edge is not repeated (PyTorch requires padding < size)
            PaddingMode.Replicate => j < 0 ? 0 : size - 1,
            _ => (j % size + size) % size, // circular
        };
    }

    /// <summary>
    /// PyTorch's nearest index (upsample_nearest, legacy 'nearest'): output i of an axis scaled by <paramref name="scale"/> reads
    /// min(⌊i · (float)(1/scale)⌋, size − 1), the product in float (libtorch's nearest_neighbor_compute_source_index).
    /// </summary>
    public static int NearestIndex(int index, int size, int scale)
    {
        if (scale == 1) return index;
        if (scale == 2) return index >> 1; // libtorch's shortcut when output = 2·input: the same value
        float ratio = (float)(1.0 / scale);
        return Math.Min((int)MathF.Floor(index * ratio), size - 1);
    }

    /// <summary>
    /// PyTorch's linear taps (compute_source_index_and_lambda) for output <paramref name="index"/> of an axis of
    /// <paramref name="size"/> scaled by <paramref name="scale"/>: the two input indices and their weights, in float.
    /// </summary>
    public static (int First, int Second, float FirstWeight, float SecondWeight) LinearTaps(int index, int size, int scale, bool alignCorners)
    {
        int outputSize = size * scale;
        if (outputSize == size) return (index, index, 1f, 0f);
        float ratio = alignCorners
            ? (outputSize > 1 ? (float)(size - 1) / (outputSize - 1) : 0f)
            : (float)(1.0 / scale);
        float real = alignCorners ? ratio * index : ratio * (index + 0.5f) - 0.5f;
        if (!alignCorners && real < 0) real = 0;
        int first = Math.Min((int)MathF.Floor(real), size - 1);
        float lambda = Math.Min(Math.Max(real - first, 0f), 1f);
        int second = first + (first < size - 1 ? 1 : 0);
        return (first, second, 1f - lambda, lambda);
    }

    /// <summary>
    /// The map of one axis of <paramref name="size"/> input positions: upsampled by <paramref name="scale"/> (mode
    /// <paramref name="upsample"/>, ignored at scale 1 with nearest), padded by a padding layer (<paramref name="before"/>,
    /// <paramref name="after"/>, <paramref name="layerMode"/>), then by the conv's padding (<paramref name="convPadding"/> on
    /// each side, <paramref name="convMode"/>); the copy's rows split into <paramref name="phases"/> column phases.
    /// </summary>
    public static Axis BuildAxis(int size, int scale, UpsampleMode upsample, bool alignCorners, int before, int after, PaddingMode layerMode,
        int convPadding, PaddingMode convMode, int phases = 1)
    {
        if (size <= 0 || scale <= 0 || before < 0 || after < 0 || convPadding < 0 || phases <= 0)
            throw new ArgumentException("An input prologue needs positive sizes and non-negative padding.");
        int upsampled = size * scale, layered = upsampled + before + after, padded = layered + 2 * convPadding;
        int phaseWidth = (padded + phases - 1) / phases, length = phases == 1 ? padded : phases * phaseWidth;
        bool interpolates = upsample == UpsampleMode.Bilinear;
        var first = new int[length];
        var second = new int[length];
        var firstWeight = new float[length];
        var secondWeight = new float[length];
        for (int slot = 0; slot < length; slot++)
        {
            // Slot j of phase q holds padded position j·phases + q.
            int position = phases == 1 ? slot : slot % phaseWidth * phases + slot / phaseWidth;
            int u = position >= padded ? -1 : PaddedIndex(position, convPadding, layered, convMode);
            if (u >= 0) u = PaddedIndex(u, before, upsampled, layerMode);
            if (u < 0) { first[slot] = second[slot] = -1; continue; }
            if (interpolates)
                (first[slot], second[slot], firstWeight[slot], secondWeight[slot]) = LinearTaps(u, size, scale, alignCorners);
            else
            {
                first[slot] = second[slot] = NearestIndex(u, size, scale);
                firstWeight[slot] = 1f;
            }
        }
        return new Axis(first, second, firstWeight, secondWeight, interpolates);
    }

    /// <summary>The depth axis (a Conv3d's; one position otherwise): only the conv's padding applies to it.</summary>
    public Axis Depth { get; }
    /// <summary>The height axis: upsampled, then padded by the layer's top and bottom, then by the conv.</summary>
    public Axis Height { get; }
    /// <summary>The width axis: upsampled, padded by the layer's left and right, then by the conv; its positions are the copy's row slots.</summary>
    public Axis Width { get; }
    /// <summary>The input's depth per plane.</summary>
    public int SourceDepth { get; }
    /// <summary>The input's height per plane.</summary>
    public int SourceHeight { get; }
    /// <summary>The input's width per plane.</summary>
    public int SourceWidth { get; }

    /// <summary>
    /// A prologue for planes of (<paramref name="sourceDepth"/>, <paramref name="sourceHeight"/>, <paramref name="sourceWidth"/>);
    /// the depth axis only takes the conv's padding (upsampling and padding layers are 2d). The copy's dims must be
    /// (<paramref name="copyDepth"/>, <paramref name="copyHeight"/>, <paramref name="copyPitch"/>), which the generator computed.
    /// <paramref name="convPadding"/> pads every dim the conv has, unless <paramref name="convPaddingDepth"/> /
    /// <paramref name="convPaddingHeight"/> (a conv with per-dim padding, e.g. (0, 3)) give the depth / height dim's own.
    /// </summary>
    public InputPrologue(int sourceDepth, int sourceHeight, int sourceWidth, int scale, UpsampleMode upsample, bool alignCorners,
        int left, int right, int top, int bottom, PaddingMode layerMode, int convPadding, PaddingMode convMode, int rank, int phases,
        int copyDepth, int copyHeight, int copyPitch, int convPaddingDepth = -1, int convPaddingHeight = -1)
    {
        SourceDepth = sourceDepth; SourceHeight = sourceHeight; SourceWidth = sourceWidth;
        int padDepth = convPaddingDepth >= 0 ? convPaddingDepth : convPadding, padHeight = convPaddingHeight >= 0 ? convPaddingHeight : convPadding;
        Depth = BuildAxis(sourceDepth, 1, UpsampleMode.Nearest, false, 0, 0, PaddingMode.Zeros, rank == 3 ? padDepth : 0, convMode);
        Height = BuildAxis(sourceHeight, rank >= 2 ? scale : 1, upsample, alignCorners, top, bottom, layerMode, rank >= 2 ? padHeight : 0, convMode);
        Width = BuildAxis(sourceWidth, scale, upsample, alignCorners, left, right, layerMode, convPadding, convMode, phases);
        if (Depth.Length != copyDepth || Height.Length != copyHeight || Width.Length != copyPitch)
            throw new InvalidOperationException($"The input prologue makes a copy of ({Depth.Length}, {Height.Length}, {Width.Length}) per plane; the kernel reads ({copyDepth}, {copyHeight}, {copyPitch}).");
    }

    /// <summary>Floats per plane of the copy.</summary>
    public int CopyPlaneSize => Depth.Length * Height.Length * Width.Length;

    /// <summary>
    /// Copies planes <paramref name="first"/> … first + count − 1 (the caller split the planes over threads and checked the
    /// buffers: source holds every input plane, destination every copy plane). Every float of those copy planes is written.
    /// </summary>
    public void CopyPlanes(ref float source, ref float destination, int first, int count)
    {
        int sourcePlane = SourceDepth * SourceHeight * SourceWidth, pitch = Width.Length;
        int[] wFirst = Width.First, wSecond = Width.Second;
        float[] wa = Width.FirstWeight, wb = Width.SecondWeight;
        for (int p = first; p < first + count; p++)
        {
            ref float src = ref Unsafe.Add(ref source, p * sourcePlane);
            ref float dst = ref Unsafe.Add(ref destination, p * CopyPlaneSize);
            for (int z = 0; z < Depth.Length; z++)
                for (int y = 0; y < Height.Length; y++)
                {
                    Span<float> row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, (z * Height.Length + y) * pitch), pitch);
                    int sz = Depth.First[z], sy = Height.First[y];
                    if (sz < 0 || sy < 0) { row.Clear(); continue; } // a row of the zero padding
                    ref float r0 = ref Unsafe.Add(ref src, (sz * SourceHeight + sy) * SourceWidth);
                    if (!Height.Interpolates && !Width.Interpolates)
                    {
                        for (int x = 0; x < pitch; x++)
                            row[x] = wFirst[x] < 0 ? 0f : Unsafe.Add(ref r0, wFirst[x]);
                        continue;
                    }
                    // Bilinear, in libtorch's order: each of the two rows interpolated along the width, then the rows weighted.
                    ref float r1 = ref Unsafe.Add(ref src, (sz * SourceHeight + Height.Second[y]) * SourceWidth);
                    float ha = Height.FirstWeight[y], hb = Height.SecondWeight[y];
                    for (int x = 0; x < pitch; x++)
                    {
                        if (wFirst[x] < 0) { row[x] = 0f; continue; }
                        float t0 = Unsafe.Add(ref r0, wFirst[x]) * wa[x] + Unsafe.Add(ref r0, wSecond[x]) * wb[x];
                        float t1 = Unsafe.Add(ref r1, wFirst[x]) * wa[x] + Unsafe.Add(ref r1, wSecond[x]) * wb[x];
                        row[x] = t0 * ha + t1 * hb;
                    }
                }
        }
    }
}
