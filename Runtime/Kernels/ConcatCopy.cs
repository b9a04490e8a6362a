using System;

namespace FusedNorm.Kernels;

/// <summary>
/// What a graph's Forward uses to put a tensor into its channel slice of a concatenation (torch.cat(..., dim=1)) when
/// its producer cannot write there itself (the model input, or a chain that takes batch statistics): sample by sample,
/// since the slice's samples are the concatenation's size apart.
/// </summary>
public static class ConcatCopy
{
    /// <summary>
    /// Copies <paramref name="batch"/> samples of <paramref name="size"/> floats: sample n from
    /// <paramref name="source"/>[sourceStart + n·sourceStride …] to <paramref name="destination"/>[destinationStart + n·destinationStride …].
    /// </summary>
    public static void Samples(ReadOnlySpan<float> source, int sourceStart, int sourceStride,
        Span<float> destination, int destinationStart, int destinationStride, int size, int batch)
    {
        for (int n = 0; n < batch; n++)
            source.Slice(sourceStart + n * sourceStride, size).CopyTo(destination.Slice(destinationStart + n * destinationStride, size));
    }
}
