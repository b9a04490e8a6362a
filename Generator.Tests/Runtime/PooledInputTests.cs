using System;
using FusedNorm.Kernels;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// PooledInput.PoolPlane's MaxPool2d(2) path (whole vectors of 8 output columns, the scalar loop for the rest) against
/// PyTorch's rule written out here: each window's values in row-major order, a value replacing the best so far where
/// it is greater or NaN. Bit for bit, with NaNs, infinities and signed zeros in the planes.
/// </summary>
public class PooledInputTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(16, 16)]
    [InlineData(17, 33)]
    [InlineData(64, 64)]
    [InlineData(9, 50)]
    public void MaxPool_2x2_matches_the_window_rule_bit_for_bit(int h, int w)
    {
        var random = new Random(h * 100 + w);
        float[] special = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1f, 1f };
        float[] plane = new float[h * w];
        for (int i = 0; i < plane.Length; i++)
            plane[i] = random.Next(4) == 0 ? special[random.Next(special.Length)] : (float)(random.NextDouble() * 4 - 2);
        int oh = h / 2, ow = w / 2;
        float[] actual = new float[oh * ow];
        PooledInput.PoolPlane(ref plane[0], actual, h, w, oh, ow, kernel: 2, stride: 2, padding: 0, max: true, countIncludePad: true);
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                float best = float.NegativeInfinity;
                for (int u = 2 * i; u < 2 * i + 2; u++)
                    for (int v = 2 * j; v < 2 * j + 2; v++)
                        if (plane[u * w + v] > best || float.IsNaN(plane[u * w + v])) best = plane[u * w + v];
                Assert.True(BitConverter.SingleToInt32Bits(best) == BitConverter.SingleToInt32Bits(actual[i * ow + j]),
                    $"{h}×{w}: output ({i}, {j}) is {actual[i * ow + j]} ({BitConverter.SingleToInt32Bits(actual[i * ow + j]):X8}), expected {best} ({BitConverter.SingleToInt32Bits(best):X8})");
            }
    }
}
