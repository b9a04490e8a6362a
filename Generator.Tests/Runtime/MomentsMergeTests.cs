using System;
using System.Linq;
using FusedNorm.Kernels;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// <see cref="Moments.Merge"/>: the partial moments of row bands, each shifted by its own first value, combined into one.
/// The oracle is a two-pass mean and variance in double over all the values (decimal where the spread is tiny next to the offset).
/// </summary>
public class MomentsMergeTests
{
    private static Moments Of(float[] values, int from, int to)
    {
        var m = new Moments();
        for (int i = from; i < to; i++) m.Add(values[i]);
        return m;
    }

    private static (double Mean, double Variance) Exact(float[] values)
    {
        decimal mean = values.Sum(v => (decimal)(double)v) / values.Length;
        decimal squares = values.Sum(v => ((decimal)(double)v - mean) * ((decimal)(double)v - mean));
        return ((double)mean, (double)(squares / values.Length));
    }

    [Theory]
    [InlineData(0.0, 1.0, 4)]
    [InlineData(1e4, 2e-2, 3)]   // float E[x²] − mean² is noise here
    [InlineData(-3e3, 1e-1, 7)]
    public void Merged_bands_give_the_exact_mean_and_variance(double offset, double spread, int bands)
    {
        var random = new Random(9);
        float[] x = Enumerable.Range(0, 1000).Select(_ => (float)(offset + spread * (random.NextDouble() * 2 - 1))).ToArray();
        var merged = new Moments();
        for (int b = 0; b < bands; b++) merged.Merge(Of(x, b * x.Length / bands, (b + 1) * x.Length / bands));
        var (mean, variance) = Exact(x);
        Assert.Equal(x.Length, merged.Count);
        Assert.True(Math.Abs(merged.Mean - mean) <= 1e-12 * Math.Max(1, Math.Abs(mean)), $"mean {merged.Mean} vs {mean}");
        Assert.True(Math.Abs(merged.Variance - variance) <= 1e-9 * variance, $"variance {merged.Variance} vs {variance}");
    }

    [Fact]
    public void Merging_an_empty_band_changes_nothing_and_into_an_empty_one_copies()
    {
        float[] x = { 3f, 5f, 6f, 10f };
        Moments whole = Of(x, 0, 4);
        var merged = new Moments();
        merged.Merge(new Moments());
        merged.Merge(whole);
        merged.Merge(new Moments());
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.Mean, merged.Mean);
        Assert.Equal(whole.Variance, merged.Variance);
        Assert.Equal(6.0, merged.Mean);
        Assert.Equal(6.5, merged.Variance);
    }

    [Fact]
    public void Non_finite_values_in_one_band_give_what_PyTorch_gives()
    {
        Moments Merge(params float[][] bands)
        {
            var m = new Moments();
            foreach (float[] b in bands) m.Merge(Of(b, 0, b.Length));
            return m;
        }
        Moments plus = Merge(new[] { 1f, 2f }, new[] { float.PositiveInfinity, 3f });
        Assert.Equal(double.PositiveInfinity, plus.Mean);
        Assert.True(double.IsNaN(plus.Variance));
        Assert.True(double.IsNaN(Merge(new[] { float.NegativeInfinity, 1f }, new[] { float.PositiveInfinity }).Mean));
        Assert.True(double.IsNaN(Merge(new[] { 1f }, new[] { 2f, float.NaN }).Mean));
    }
}
