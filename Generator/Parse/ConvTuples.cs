using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Diagnostics.DiagnosticDescriptors;

namespace FusedNorm.Generator.Parse;

/// <summary>
/// A convolution's kernel_size, stride, padding and dilation, each written as an int (every dim) or as PyTorch's per-dim
/// tuple (KernelSizes = new[] { 1, 7 }). Misuse of the tuple form is reported here (FN0046–FN0049); the values the int form
/// allows (a non-positive KernelSize, …) are Plan's to check, as before.
/// </summary>
internal static class ConvTuples
{
    /// <summary>One parameter: its int property, its tuple property, PyTorch's name, its default and its least legal entry.</summary>
    private sealed record Parameter(string Int, string Tuple, string PyTorch, int Default, int Least);

    private static readonly Parameter[] Parameters =
    {
        new("KernelSize", "KernelSizes", "kernel_size", 0, 1),
        new("Stride", "Strides", "stride", 1, 1),
        new("Padding", "Paddings", "padding", 0, 0),
        new("Dilation", "Dilations", "dilation", 1, 1),
    };

    /// <summary>The dims a tuple lists, in PyTorch's order, for the message.</summary>
    private static string Dims(int rank) => rank switch { 1 => "(L)", 2 => "(H, W)", _ => "(D, H, W)" };

    /// <summary>
    /// Reads the four parameters. Returns the width dim's values as ints and, when any parameter differs between dims, the
    /// per-dim values as <see cref="ConvAxes"/> (null otherwise: a tuple of equal entries is the int form). Null after an error.
    /// </summary>
    public static (int Kernel, int Stride, int Padding, int Dilation, ConvAxes? Axes)? Read(AttributeReader a, int rank, bool transposed,
        string layer, string chain, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var perDim = new int[Parameters.Length][];
        bool failed = false;
        for (int p = 0; p < Parameters.Length; p++)
        {
            Parameter parameter = Parameters[p];
            int value = a.Int(parameter.Int, parameter.Default);
            ImmutableArray<int>? tuple = a.IntArray(parameter.Tuple);
            if (tuple is not { } entries)
            {
                perDim[p] = Enumerable.Repeat(value, rank).ToArray();
                continue;
            }
            string written = string.Join(", ", entries);
            if (transposed)
            {
                diagnostics.Add(DiagnosticInfo.Create(TupleNotSupported, location, chain, layer, parameter.Tuple,
                    $"{parameter.Int} = {(entries.Length > 0 ? entries.Max() : parameter.Default)}"));
                failed = true;
                continue;
            }
            if (a.Has(parameter.Int))
            {
                diagnostics.Add(DiagnosticInfo.Create(TupleAndIntBothSet, location, chain, layer, parameter.Int, parameter.Tuple, written, value));
                failed = true;
                continue;
            }
            if (entries.Length != rank)
            {
                // The example keeps the entries it can: the last `rank` of a longer tuple, a shorter one's first entry repeated in front.
                int[] example = entries.Length > rank ? entries.Skip(entries.Length - rank).ToArray()
                    : Enumerable.Repeat(entries.Length > 0 ? entries[0] : System.Math.Max(parameter.Default, parameter.Least), rank - entries.Length).Concat(entries).ToArray();
                diagnostics.Add(DiagnosticInfo.Create(TupleLength, location, chain, layer, parameter.Tuple, written, entries.Length, Dims(rank), string.Join(", ", example)));
                failed = true;
                continue;
            }
            if (entries.Any(e => e < parameter.Least))
            {
                diagnostics.Add(DiagnosticInfo.Create(TupleEntry, location, chain, layer, parameter.Tuple, written, parameter.PyTorch,
                    parameter.Least == 0 ? "zero or more" : "positive"));
                failed = true;
                continue;
            }
            perDim[p] = entries.ToArray();
        }
        if (failed) return null;

        bool cubic = perDim.All(values => values.All(v => v == values[0]));
        ConvAxes? axes = cubic ? null : new ConvAxes(perDim[0].ToEquatableArray(), perDim[1].ToEquatableArray(), perDim[2].ToEquatableArray(), perDim[3].ToEquatableArray());
        return (perDim[0][rank - 1], perDim[1][rank - 1], perDim[2][rank - 1], perDim[3][rank - 1], axes);
    }
}
