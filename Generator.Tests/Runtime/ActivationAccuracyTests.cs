using System;
using System.Linq;
using System.Runtime.Intrinsics;
using FusedNorm.Kernels;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// The vector activations that take e^x of x ≤ 0 in float (GELU's erf, tanh, ELU, sigmoid and SiLU as e^−|x|) against double-precision math
/// (or, for GELU, whose erf is the same Abramowitz–Stegun formula on every path, against the scalar path with the
/// runtime's MathF.Exp), over a dense grid and the special values. The bounds are a few float ulps of the result.
/// </summary>
[Trait("Category", "Numeric")]
public class ActivationAccuracyTests
{
    private static readonly float[] Grid = Enumerable.Range(0, 48001).Select(i => -120f + i * 0.005f).ToArray();
    private static readonly float[] Specials = { float.NaN, float.NegativeInfinity, float.PositiveInfinity, -0f, 0f, -87.3f, -87.4f, -88f, -104f, 1e-30f, -1e-30f, 1e-7f, -1e-7f };

    private static float[] Lanes(float[] xs, Func<Vector256<float>, Vector256<float>> v256, Func<Vector512<float>, Vector512<float>> v512, bool wide)
    {
        var result = new float[xs.Length];
        int step = wide ? 16 : 8;
        var padded = xs.Concat(new float[step]).ToArray();
        for (int i = 0; i < xs.Length; i += step)
        {
            float[] chunk = wide ? ToArray(v512(Vector512.Create(padded.AsSpan(i, 16)))) : ToArray(v256(Vector256.Create(padded.AsSpan(i, 8))));
            for (int k = 0; k < step && i + k < xs.Length; k++) result[i + k] = chunk[k];
        }
        return result;
    }

    private static float[] ToArray(Vector256<float> v) { var a = new float[8]; v.CopyTo(a); return a; }
    private static float[] ToArray(Vector512<float> v) { var a = new float[16]; v.CopyTo(a); return a; }

    private static void AssertWithin(float[] xs, float[] actual, Func<float, double> expected, double absolute, double relative, string what)
    {
        double worst = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double e = expected(xs[i]);
            float a = actual[i];
            if (double.IsNaN(e) || double.IsInfinity(e))
            {
                Assert.True(double.IsNaN(e) ? float.IsNaN(a) : a == e, $"{what}({xs[i]:R}) = {a:R}, expected {e:R}");
                continue;
            }
            double error = Math.Abs(a - e);
            Assert.True(error <= absolute + relative * Math.Abs(e), $"{what}({xs[i]:R}) = {a:R}, expected {e:R} (error {error:E2})");
            worst = Math.Max(worst, error);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tanh_elu_sigmoid_silu_and_gelu_vectors_are_within_a_few_ulps(bool wide)
    {
        // Without the ISA the path never runs (the kernels take the narrower or the scalar one), and Vector512 is emulated.
        if (wide ? !Vector512.IsHardwareAccelerated : !Vector256.IsHardwareAccelerated) return;
        float[] xs = Grid.Concat(Specials).ToArray();

        float[] tanh = Lanes(xs, Activations.Tanh, Activations.Tanh, wide);
        AssertWithin(xs, tanh, x => float.IsNaN(x) ? double.NaN : Math.Tanh(x), 2e-7, 4e-7, "tanh");

        float[] elu = Lanes(xs, v => Activations.Elu(v, 1.5f), v => Activations.Elu(v, 1.5f), wide);
        AssertWithin(xs, elu, x => float.IsNaN(x) ? double.NaN : x > 0 ? x : 1.5 * (Math.Exp(x) - 1), 2e-7, 4e-7, "elu");

        float[] sigmoid = Lanes(xs, Activations.Sigmoid, Activations.Sigmoid, wide);
        AssertWithin(xs, sigmoid, x => float.IsNaN(x) ? double.NaN : 1 / (1 + Math.Exp(-(double)x)), 2e-7, 4e-7, "sigmoid");

        float[] silu = Lanes(xs, Activations.Silu, Activations.Silu, wide);
        AssertWithin(xs, silu, x => float.IsNaN(x) || x == float.NegativeInfinity ? double.NaN : x / (1 + Math.Exp(-(double)x)), 2e-7, 4e-7, "silu");

        float[] gelu = Lanes(xs, Activations.Gelu, Activations.Gelu, wide);
        AssertWithin(xs, gelu, x => Activations.Gelu(x), 2e-7, 4e-7, "gelu");
    }
}
