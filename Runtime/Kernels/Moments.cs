using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FusedNorm.Kernels;

/// <summary>
/// Running mean and variance of the values a kernel stores, accumulated as it stores them. Sums are kept in
/// double and shifted by the first value seen (K): Σ(x − K) and Σ(x − K)². With K near the mean the variance
/// Σ(x−K)²/n − (Σ(x−K)/n)² does not cancel, even for data offset by 1e4 with a tiny spread, where float
/// E[x²] − mean² returns noise. NaN and ±∞ give what PyTorch's statistics give: a NaN anywhere, or both
/// infinities, make the mean NaN; +∞ (or −∞) alone makes it +∞ (−∞); either makes the variance NaN.
/// </summary>
public struct Moments
{
    private double _shift, _sum, _sumOfSquares;
    // The vector adds keep their sums lane by lane and reduce them only when a statistic is read: a horizontal sum per
    // stored vector cost about a tenth of an InstanceNorm conv kernel's time. The order of the additions is fixed by
    // the order of the Adds, so the result does not depend on the threads.
    private Vector256<double> _lanes, _laneSquares;
    private long _count;

    /// <summary>How many values were added.</summary>
    public readonly long Count => _count;

    /// <summary>Adds the lanes of <paramref name="values"/> from <paramref name="firstLane"/> on, as two Vector256 halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector512<float> values, int firstLane = 0)
    {
        if (firstLane < 8) Add(values.GetLower(), firstLane);
        Add(values.GetUpper(), Math.Max(0, firstLane - 8));
    }
    /// <summary>The mean of the values added (NaN before any).</summary>
    public readonly double Mean => _count == 0 ? double.NaN : _shift + Sum / _count;
    /// <summary>Σ(x − mean)², the sum of squared deviations.</summary>
    public readonly double SquaredDeviations => Math.Max(0, SumOfSquares - Sum * Sum / _count);
    private readonly double Sum => _sum + Vector256.Sum(_lanes);
    private readonly double SumOfSquares => _sumOfSquares + Vector256.Sum(_laneSquares);
    /// <summary>The biased variance, as normalization uses it.</summary>
    public readonly double Variance => SquaredDeviations / _count;
    /// <summary>The unbiased variance, as running statistics store it.</summary>
    public readonly double UnbiasedVariance => SquaredDeviations / (_count - 1);

    /// <summary>Adds one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float value)
    {
        if (_count == 0) _shift = Shift(value);
        double d = value - _shift;
        _sum += d;
        _sumOfSquares += d * d;
        _count++;
    }

    /// <summary>
    /// K: the first value, or 0 when it is NaN or ±∞. An infinite K would make every x − K NaN (∞ − ∞) and the mean
    /// NaN, where PyTorch's mean of values holding +∞ (and no −∞ or NaN) is +∞, which a training forward writes into
    /// running_mean. With K = 0 the sums are ±∞ or NaN exactly as the plain sum is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Shift(float first) => float.IsFinite(first) ? first : 0;

    /// <summary>
    /// Adds the values another accumulator saw (a row band's partial moments), re-based onto this one's shift K: with
    /// d = K_b − K, Σ(x−K) = Σ(x−K_b) + n_b·d and Σ(x−K)² = Σ(x−K_b)² + 2d·Σ(x−K_b) + n_b·d² (Chan et al.'s pairwise
    /// update). Both shifts are values of the same run, so d is of the order of the run's spread, not its offset: no
    /// cancellation. Merging the same partials in the same order gives the same bits; an empty one changes nothing,
    /// and merging into an empty accumulator copies the other.
    /// </summary>
    public void Merge(in Moments other)
    {
        if (other._count == 0) return;
        if (_count == 0) { this = other; return; }
        double d = other._shift - _shift, sum = other.Sum, squares = other.SumOfSquares;
        _sum += sum + other._count * d;
        _sumOfSquares += squares + 2 * d * sum + other._count * d * d;
        _count += other._count;
    }

    /// <summary>
    /// Adds 16 consecutive values of each of <paramref name="count"/> rows, <paramref name="stride"/> floats apart, to
    /// the accumulators from <paramref name="first"/> on (row j to accumulator j), each as two Vector256 adds: a
    /// Winograd F(4×4) tile's 16 outputs per channel. One call per tile instead of one per channel and half.
    /// </summary>
    public static void AddRowsOf16(ref Moments first, ref float values, int count, int stride)
    {
        for (int j = 0; j < count; j++)
        {
            ref Moments m = ref Unsafe.Add(ref first, j);
            m.AddWhole(Vector256.LoadUnsafe(ref values, (nuint)(j * stride)));
            m.AddWhole(Vector256.LoadUnsafe(ref values, (nuint)(j * stride + 8)));
        }
    }

    /// <summary><see cref="Add(Vector256{float}, int)"/> with every lane counted: the same operations in the same order, without the lane mask (which kept the JIT from inlining the call into a loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddWhole(Vector256<float> values)
    {
        if (_count == 0) _shift = Shift(values.ToScalar());
        Vector256<double> shift = Vector256.Create(_shift);
        Vector256<double> lo = Vector256.WidenLower(values) - shift, hi = Vector256.WidenUpper(values) - shift;
        _lanes += lo + hi;
        _laneSquares = Vector256.FusedMultiplyAdd(hi, hi, Vector256.FusedMultiplyAdd(lo, lo, _laneSquares));
        _count += 8;
    }

    /// <summary>Adds the lanes of <paramref name="values"/> from <paramref name="firstLane"/> on (the lanes before it were counted by an overlapping vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector256<float> values, int firstLane = 0)
    {
        if (_count == 0) _shift = Shift(values.GetElement(firstLane));
        Vector256<double> shift = Vector256.Create(_shift);
        Vector256<double> lo = Vector256.WidenLower(values) - shift, hi = Vector256.WidenUpper(values) - shift;
        if (firstLane != 0)
        {
            Vector256<long> lane = Vector256.Create(0L, 1, 2, 3);
            lo = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(lane, Vector256.Create((long)firstLane)).AsDouble(), lo, Vector256<double>.Zero);
            hi = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(lane + Vector256.Create(4L), Vector256.Create((long)firstLane)).AsDouble(), hi, Vector256<double>.Zero);
        }
        _lanes += lo + hi;
        _laneSquares = Vector256.FusedMultiplyAdd(hi, hi, Vector256.FusedMultiplyAdd(lo, lo, _laneSquares));
        _count += 8 - firstLane;
    }
}

/// <summary>
/// A norm's parameters and running statistics as its chain holds them, and PyTorch's update rule for the
/// running statistics in a training-mode forward.
/// </summary>
public sealed class NormState
{
    /// <param name="channels">Channels (BatchNorm's num_features) whose running statistics this state keeps.</param>
    /// <param name="eps">PyTorch's eps, added to the variance.</param>
    /// <param name="momentum">PyTorch's momentum of the running-statistics update.</param>
    /// <param name="cumulativeAverage">PyTorch's momentum=None: the running statistics are the average over num_batches_tracked.</param>
    /// <param name="countsBatches">
    /// BatchNorm counts num_batches_tracked and, with momentum=None, averages over it; InstanceNorm does neither
    /// (PyTorch passes momentum 0 for its momentum=None).
    /// </param>
    public NormState(int channels, double eps, double momentum, bool cumulativeAverage, bool countsBatches = true)
    {
        Channels = channels;
        Eps = eps;
        Momentum = momentum;
        CumulativeAverage = cumulativeAverage;
        CountsBatches = countsBatches;
    }

    /// <summary>Whether num_batches_tracked is counted (PyTorch's BatchNorm and tracked InstanceNorm do).</summary>
    public bool CountsBatches { get; }

    /// <summary>The number of channels normalized.</summary>
    public int Channels { get; }
    /// <summary>eps, added to the variance.</summary>
    public double Eps { get; }
    /// <summary>momentum of the running statistics' update.</summary>
    public double Momentum { get; }
    /// <summary>PyTorch's momentum=None: running statistics as a cumulative average.</summary>
    public bool CumulativeAverage { get; }
    /// <summary>γ (weight): per channel, or elementwise for LayerNorm; null without an affine.</summary>
    public float[]? Gamma { get; set; }
    /// <summary>β (bias); null without one.</summary>
    public float[]? Beta { get; set; }
    /// <summary>running_mean per channel; null when not tracked.</summary>
    public float[]? RunningMean { get; set; }
    /// <summary>running_var (unbiased) per channel; null when not tracked.</summary>
    public float[]? RunningVar { get; set; }
    /// <summary>num_batches_tracked.</summary>
    public long NumBatchesTracked { get; set; }

    /// <summary>Starts one training step's update and returns its factor: momentum, or 1/num_batches_tracked for the cumulative average.</summary>
    public double BeginUpdate()
    {
        if (!CountsBatches) return CumulativeAverage ? 0 : Momentum;
        NumBatchesTracked++;
        return CumulativeAverage ? 1.0 / NumBatchesTracked : Momentum;
    }

    /// <summary>running = (1 − factor)·running + factor·observed, for one channel.</summary>
    public void Update(int channel, double mean, double unbiasedVariance, double factor)
    {
        if (RunningMean is null || RunningVar is null) return;
        RunningMean[channel] = (float)((1 - factor) * RunningMean[channel] + factor * mean);
        RunningVar[channel] = (float)((1 - factor) * RunningVar[channel] + factor * unbiasedVariance);
    }

    /// <summary>PyTorch refuses to normalize a single value per channel in training mode; so do we.</summary>
    public static void RequireMoreThanOne(long count, string chain)
    {
        if (count <= 1)
            throw new ArgumentException($"{chain}: expected more than 1 value per channel when training; this batch gives {count}.");
    }

    /// <summary>The mean as two floats, hi + lo, so (x − hi) − lo keeps the deviation's precision for large offsets.</summary>
    public static (float Hi, float Lo) Split(double mean)
    {
        float hi = (float)mean;
        return (hi, (float)(mean - hi));
    }
}
