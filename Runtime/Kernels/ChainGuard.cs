using System;

namespace FusedNorm.Kernels;

/// <summary>
/// The checks every generated Forward makes once, at entry, before its kernels index memory without bounds
/// tests: loaded weights, a positive batch, exact span lengths, and no overlap between input and output.
/// <c>intermediateSize</c> is the largest other per-sample buffer rented for the batch: the tensors a model's Forward hands
/// between its chains, or a chain's own zero-padded input copy or batch-statistics scratch when larger than x and y,
/// so that batch × every size the kernels index stays within an int.
/// </summary>
public static class ChainGuard
{
    /// <summary>Throws unless the weights are loaded, the batch is positive and fits, and x and y have exactly batch × their sample sizes and do not overlap.</summary>
    public static void Check(string chain, ReadOnlySpan<float> x, Span<float> y, int batch,
        int inputSize, int outputSize, string inputShape, string outputShape, bool weightsLoaded, int intermediateSize = 0)
    {
        if (!weightsLoaded)
            throw new InvalidOperationException($"{chain}: the weights are not loaded. Call LoadWeights(path) with the model's safetensors file first.");
        if (batch <= 0)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{chain}: batch must be positive.");
        if ((long)batch * Math.Max(Math.Max(inputSize, outputSize), intermediateSize) > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{chain}: batch {batch} makes the tensors larger than a span can hold.");
        if (x.Length != batch * inputSize)
            throw new ArgumentException(
                $"{chain}: x must hold batch × ({inputShape}) = {batch} × {inputSize} = {batch * inputSize} floats, but it holds {x.Length}.", nameof(x));
        if (y.Length != batch * outputSize)
            throw new ArgumentException(
                $"{chain}: y must hold batch × ({outputShape}) = {batch} × {outputSize} = {batch * outputSize} floats, but it holds {y.Length}.", nameof(y));
        if (x.Overlaps(y))
            throw new ArgumentException($"{chain}: x and y overlap; the kernels read x while they write y, so give y its own memory.", nameof(y));
    }

    /// <summary>
    /// The extra check of a chain with a residual add: the skip tensor has the output's shape and does not overlap y
    /// (the epilogue reads a skip tile while other tasks write y). It may be x itself.
    /// </summary>
    public static void CheckSkip(string chain, ReadOnlySpan<float> skip, Span<float> y, int batch, int outputSize, string outputShape)
    {
        if (skip.Length != batch * outputSize)
            throw new ArgumentException(
                $"{chain}: skip must hold batch × ({outputShape}) = {batch} × {outputSize} = {batch * outputSize} floats, but it holds {skip.Length}.", nameof(skip));
        if (skip.Overlaps(y))
            throw new ArgumentException($"{chain}: skip and y overlap; the kernels read skip while they write y, so give y its own memory.", nameof(y));
    }
}
