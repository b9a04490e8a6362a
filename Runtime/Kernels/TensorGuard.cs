using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FusedNorm.Kernels;

/// <summary>
/// What the generated <c>System.Numerics.Tensors</c> overloads of Forward and of each chain method call: checks that a
/// tensor span is (batch, the shape of one sample), dense and row-major, and hands back its elements as a span, without
/// copying. The batch is the first dimension. The span overloads then run as they do for arrays.
/// </summary>
public static class TensorGuard
{
    /// <summary>The elements of <paramref name="x"/>, which must be (batch, <paramref name="sample"/>); <paramref name="batch"/> is its first dimension.</summary>
    public static ReadOnlySpan<float> Input(in ReadOnlyTensorSpan<float> x, string method, string parameter, ReadOnlySpan<int> sample, out int batch)
    {
        batch = Batch(x.Lengths, method, parameter, sample);
        Check(x.Lengths, x.Strides, method, parameter, sample, batch);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in x.GetPinnableReference()), (int)x.FlattenedLength);
    }

    /// <summary>The elements of <paramref name="x"/>, which must be (<paramref name="batch"/>, <paramref name="sample"/>): a second input such as a residual's skip.</summary>
    public static ReadOnlySpan<float> Input(in ReadOnlyTensorSpan<float> x, string method, string parameter, ReadOnlySpan<int> sample, int batch)
    {
        Check(x.Lengths, x.Strides, method, parameter, sample, batch);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in x.GetPinnableReference()), (int)x.FlattenedLength);
    }

    /// <summary>The elements of <paramref name="y"/>, which must be (<paramref name="batch"/>, <paramref name="sample"/>).</summary>
    public static Span<float> Output(in TensorSpan<float> y, string method, string parameter, ReadOnlySpan<int> sample, int batch)
    {
        Check(y.Lengths, y.Strides, method, parameter, sample, batch);
        return MemoryMarshal.CreateSpan(ref y.GetPinnableReference(), (int)y.FlattenedLength);
    }

    /// <summary>A zeroed dense tensor of <paramref name="batch"/> samples of <paramref name="sample"/>: (batch, sample...).</summary>
    public static Tensor<float> Create(int batch, ReadOnlySpan<int> sample) => Tensor.CreateFromShape<float>(Lengths(batch, sample));

    /// <summary>The lengths a tensor of <paramref name="batch"/> samples of <paramref name="sample"/> has, as <c>Tensor.CreateFromShape</c> takes them.</summary>
    public static nint[] Lengths(int batch, ReadOnlySpan<int> sample)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive.");
        var lengths = new nint[sample.Length + 1];
        lengths[0] = batch;
        for (int i = 0; i < sample.Length; i++) lengths[i + 1] = sample[i];
        return lengths;
    }

    private static int Batch(ReadOnlySpan<nint> lengths, string method, string parameter, ReadOnlySpan<int> sample)
    {
        if (lengths.Length != sample.Length + 1)
            throw new ArgumentException($"{method}: {parameter} must be (batch, {Shape(sample)}), rank {sample.Length + 1}, but it is ({Shape(lengths)}), rank {lengths.Length}.", parameter);
        if (lengths[0] <= 0 || lengths[0] > int.MaxValue)
            throw new ArgumentException($"{method}: {parameter}'s first dimension is the batch and must be a positive int, but {parameter} is ({Shape(lengths)}).", parameter);
        return (int)lengths[0];
    }

    private static void Check(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, string method, string parameter, ReadOnlySpan<int> sample, int batch)
    {
        bool shapeMatches = lengths.Length == sample.Length + 1 && lengths[0] == batch;
        for (int i = 0; shapeMatches && i < sample.Length; i++) shapeMatches = lengths[i + 1] == sample[i];
        if (!shapeMatches)
            throw new ArgumentException($"{method}: {parameter} must be ({batch}, {Shape(sample)}) (batch, then one sample), but it is ({Shape(lengths)}).", parameter);

        // Row-major and without gaps: each dimension's stride is the product of the lengths after it (a dimension of
        // length 1 is never stepped over, so its stride does not matter). A slice, a transpose or a broadcast is not.
        long expected = 1;
        for (int i = lengths.Length - 1; i >= 0; i--)
        {
            if (lengths[i] != 1 && strides[i] != expected)
                throw new ArgumentException($"{method}: {parameter} must be dense and row-major, but its strides are ({Shape(strides)}) for lengths ({Shape(lengths)}): " +
                    "it is a slice, a transpose or a broadcast of another tensor. Copy it first (Tensor.ToDenseTensor()).", parameter);
            expected *= lengths[i];
        }
        if (expected > int.MaxValue)
            throw new ArgumentException($"{method}: {parameter} holds {expected} elements, more than a span can hold.", parameter);
    }

    private static string Shape(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(", ", parts);
    }

    private static string Shape(ReadOnlySpan<nint> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(", ", parts);
    }
}
