using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FusedNorm.Kernels;

/// <summary>
/// The activations the generated kernels apply in registers. Each is stated once per width, side by side, so
/// the scalar path and the vector paths compute the same formula. NaN propagates as in PyTorch.
/// </summary>
public static class Activations
{
    /// <summary>
    /// torch.nn.Softmax(dim=1) of one sample's row, in place: exp(x − max) / Σ exp(x − max), with the max, each exp and the
    /// sum in double and one rounding to float. A NaN makes the row NaN (Math.Max and Math.Exp propagate it).
    /// </summary>
    public static void Softmax(Span<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        for (int i = 0; i < row.Length; i++) row[i] = (float)(Math.Exp(row[i] - max) / sum);
    }

    private const float InvSqrt2 = 0.70710678118654752f;
    private const float SqrtTwoOverPi = 0.79788456080286536f;

    // ---- ReLU: max(x, 0) ----
    /// <summary>ReLU: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float x) => MathF.Max(x, 0f);
    /// <summary>ReLU on each lane: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    /// <summary>ReLU on each lane: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);

    // ---- ReLU6: min(max(x, 0), 6) ----
    /// <summary>ReLU6: min(max(x, 0), 6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu6(float x) => MathF.Min(MathF.Max(x, 0f), 6f);
    /// <summary>ReLU6 on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu6(Vector256<float> x) => Vector256.Min(Vector256.Max(x, Vector256<float>.Zero), Vector256.Create(6f));
    /// <summary>ReLU6 on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu6(Vector512<float> x) => Vector512.Min(Vector512.Max(x, Vector512<float>.Zero), Vector512.Create(6f));

    // ---- LeakyReLU: x > 0 ? x : slope·x ----
    /// <summary>ReLU on each lane: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float LeakyRelu(float x, float slope) => x > 0f ? x : x * slope;
    /// <summary>ReLU on each lane: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LeakyRelu(Vector256<float> x, float slope) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope);
    /// <summary>ReLU on each lane: max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LeakyRelu(Vector512<float> x, float slope) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);

    // ---- Sigmoid: 1 / (1 + e^−x). The vector paths take t = e^−|x| ≤ 1 and return (x ≥ 0 ? 1 : t) / (1 + t), the same
    // value, so their exp never sees a positive argument; ±∞ and NaN give what 1 / (1 + e^−x) gives (0, 1, NaN). ----
    /// <summary>Sigmoid: 1 / (1 + e⁻ˣ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
    /// <summary>Sigmoid on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> t = ExpNonPositive(-Vector256.Abs(x));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, t) / (Vector256<float>.One + t);
    }
    /// <summary>Sigmoid on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> t = ExpNonPositive(-Vector512.Abs(x));
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, t) / (Vector512<float>.One + t);
    }

    // ---- SiLU: x·sigmoid(x) = x / (1 + e^−x); the vector paths as x · sigmoid's numerator / (1 + t) above (SiLU(−∞) is
    // −∞ · 0 = NaN there, as −∞ / (1 + ∞) is NaN in PyTorch's formula). ----
    /// <summary>SiLU: x·sigmoid(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Silu(float x) => x / (1f + MathF.Exp(-x));
    /// <summary>SiLU on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Silu(Vector256<float> x)
    {
        Vector256<float> t = ExpNonPositive(-Vector256.Abs(x));
        return x * Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One, t) / (Vector256<float>.One + t);
    }
    /// <summary>SiLU on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Silu(Vector512<float> x)
    {
        Vector512<float> t = ExpNonPositive(-Vector512.Abs(x));
        return x * Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One, t) / (Vector512<float>.One + t);
    }

    // ---- Tanh: sign(x)·(1 − t)/(1 + t) with t = e^−2|x| (no overflow for large |x|; absolute error ~1e-7 near 0) ----
    /// <summary>tanh, as the vector forms compute it (the same bits on every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float t = MathF.Exp(-2f * MathF.Abs(x));
        return MathF.CopySign((1f - t) / (1f + t), x);
    }

    /// <summary>tanh on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> t = ExpNonPositive(Vector256.Create(-2f) * Vector256.Abs(x));
        return CopySign((Vector256<float>.One - t) / (Vector256<float>.One + t), x);
    }

    /// <summary>tanh on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> t = ExpNonPositive(Vector512.Create(-2f) * Vector512.Abs(x));
        return CopySign((Vector512<float>.One - t) / (Vector512<float>.One + t), x);
    }

    // ---- Hardswish: x·relu6(x + 3)/6 ----
    /// <summary>ReLU6 on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Hardswish(float x) => x * Relu6(x + 3f) / 6f;
    /// <summary>ReLU6 on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Hardswish(Vector256<float> x) => x * Relu6(x + Vector256.Create(3f)) / Vector256.Create(6f);
    /// <summary>ReLU6 on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Hardswish(Vector512<float> x) => x * Relu6(x + Vector512.Create(3f)) / Vector512.Create(6f);

    // ---- ELU: x > 0 ? x : α·(e^x − 1) ----
    /// <summary>ELU: x, or alpha·(eˣ − 1) below 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Elu(float x, float alpha) => x > 0f ? x : alpha * (MathF.Exp(x) - 1f);
    /// <summary>ELU on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Elu(Vector256<float> x, float alpha) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256.Create(alpha) * (ExpNonPositive(Vector256.Min(x, Vector256<float>.Zero)) - Vector256<float>.One));
    /// <summary>ELU on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Elu(Vector512<float> x, float alpha) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512.Create(alpha) * (ExpNonPositive(Vector512.Min(x, Vector512<float>.Zero)) - Vector512<float>.One));

    // ---- GELU (PyTorch's default, exact): x·(1 + erf(x/√2))/2 ----
    // As libtorch computes it for a contiguous float32 tensor (what a model's layers hand it): x·(1 + erf) is formed
    // before the halving, so it overflows to +∞ above float.MaxValue/2, and ±∞ give NaN; "+ (x − x)" adds 0, or NaN
    // at ±∞. (libtorch's other GELU kernel, for float64 or strided tensors, gives +∞ at +∞.)
    /// <summary>GELU, exact: x·(1 + erf(x/√2))/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Gelu(float x) => x * (1f + Erf(x * InvSqrt2)) * 0.5f + (x - x);
    /// <summary>GELU (exact) on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Gelu(Vector256<float> x) => x * (Vector256<float>.One + Erf(x * InvSqrt2)) * Vector256.Create(0.5f) + (x - x);
    /// <summary>GELU (exact) on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Gelu(Vector512<float> x) => x * (Vector512<float>.One + Erf(x * InvSqrt2)) * Vector512.Create(0.5f) + (x - x);

    // ---- GELU, approximate='tanh': x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))) ----
    /// <summary>tanh on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float GeluTanh(float x) => 0.5f * x * (1f + Tanh(SqrtTwoOverPi * (x + 0.044715f * x * x * x)));
    /// <summary>tanh on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GeluTanh(Vector256<float> x) => Vector256.Create(0.5f) * x * (Vector256<float>.One + Tanh(Vector256.Create(SqrtTwoOverPi) * (x + Vector256.Create(0.044715f) * x * x * x)));
    /// <summary>tanh on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GeluTanh(Vector512<float> x) => Vector512.Create(0.5f) * x * (Vector512<float>.One + Tanh(Vector512.Create(SqrtTwoOverPi) * (x + Vector512.Create(0.044715f) * x * x * x)));

    // ---- erf, Abramowitz & Stegun 7.1.26: 1 − (a1·t + … + a5·t⁵)·e^−x², t = 1/(1 + p·|x|); |error| ≤ 1.5e-7 ----
    private const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;

    // CopySign as the two bitwise operations it is: the runtime's Vector512.CopySign was not inlined into GELU's
    // normalize loop (6 % of a conv + LayerNorm + GELU chain in a profile). The same bits: v's magnitude, x's sign.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> CopySign(Vector256<float> v, Vector256<float> x)
    {
        Vector256<float> sign = Vector256.Create(-0f);
        return Vector256.AndNot(v, sign) | (x & sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> CopySign(Vector512<float> v, Vector512<float> x)
    {
        Vector512<float> sign = Vector512.Create(-0f);
        return Vector512.AndNot(v, sign) | (x & sign);
    }

    /// <summary>erf, as the vector forms compute it (the same bits on every path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x)
    {
        float a = MathF.Abs(x);
        float t = 1f / (1f + P * a);
        float poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        return MathF.CopySign(1f - poly * MathF.Exp(-a * a), x);
    }

    /// <summary>erf on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        Vector256<float> a = Vector256.Abs(x);
        Vector256<float> t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(P) * a);
        Vector256<float> poly = ((((Vector256.Create(A5) * t + Vector256.Create(A4)) * t + Vector256.Create(A3)) * t + Vector256.Create(A2)) * t + Vector256.Create(A1)) * t;
        return CopySign(Vector256<float>.One - poly * ExpNonPositive(-(a * a)), x);
    }

    /// <summary>erf on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        Vector512<float> a = Vector512.Abs(x);
        Vector512<float> t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(P) * a);
        Vector512<float> poly = ((((Vector512.Create(A5) * t + Vector512.Create(A4)) * t + Vector512.Create(A3)) * t + Vector512.Create(A2)) * t + Vector512.Create(A1)) * t;
        return CopySign(Vector512<float>.One - poly * ExpNonPositive(-(a * a)), x);
    }

    // ---- e^x for x ≤ 0 (or NaN), in float: erf's e^−x², tanh's e^−2|x|, ELU's e^min(x,0). The runtime's
    // Vector256/512.Exp of float computes in double (its error is below an ulp); these uses need about an ulp, which
    // a float exp gives at a fraction of the cost: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two floats, Cody–Waite), e^r by its Taylor series to r⁷
    // (truncation below 6e-9 relative), times 2^n built in the exponent bits. x is first raised to −87.3, where 2^n is
    // still a normal float, and below it the result is 0 (e^−87.3 ≈ 1.2e-38: flushing the denormals below it costs
    // under 1.2e-38 absolute, and SiLU(−∞) then is −∞ · 0 = NaN, as in PyTorch); NaN stays NaN. ----
    private const float Log2E = 1.44269504f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f, ExpFloor = -87.3f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        Vector256<float> underflow = Vector256.LessThan(x, Vector256.Create(ExpFloor));
        x = Vector256.Max(x, Vector256.Create(ExpFloor));
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x));
        Vector256<float> p = Vector256.Create(1f / 5040);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 720));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 120));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        Vector256<float> scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(underflow, Vector256<float>.Zero, p * scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        Vector512<float> underflow = Vector512.LessThan(x, Vector512.Create(ExpFloor));
        x = Vector512.Max(x, Vector512.Create(ExpFloor));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x));
        Vector512<float> p = Vector512.Create(1f / 5040);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        Vector512<float> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(underflow, Vector512<float>.Zero, p * scale);
    }
}
