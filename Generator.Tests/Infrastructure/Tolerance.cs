using System;
using Xunit.Sdk;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// The accuracy contract: |actual − expected| ≤ 1e-4 + 1e-4·|expected| for every finite element (torch.allclose);
/// NaN where and only where expected is NaN, and ±∞ exactly where expected is ±∞, of the same sign.
/// </summary>
public static class Tolerance
{
    public const double Absolute = 1e-4, Relative = 1e-4;

    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}.");
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            if ((float.IsInfinity(e) || float.IsInfinity(a)) && !float.IsNaN(e) && !float.IsNaN(a))
            {
                if (e == a) continue; // the same infinity; a finite value is never close to one, nor ∞ to −∞
                throw new XunitException($"{what}: element {i} is {a:R}, expected {e:R}.");
            }
            double difference = Math.Abs((double)a - e);
            if (!(difference <= Absolute + Relative * Math.Abs(e)))
                throw new XunitException($"{what}: element {i} is {a:R}, expected {e:R} (difference {difference:E2}, allowed {Absolute + Relative * Math.Abs(e):E2}).");
            largest = Math.Max(largest, difference);
        }
        return largest;
    }
}
