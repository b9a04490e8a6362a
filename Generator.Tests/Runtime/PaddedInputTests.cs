using System;
using System.Linq;
using FusedNorm.Kernels;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>The padded copy writes every element of its destination: a rented buffer holds old data, and only the padding is zeroed.</summary>
public class PaddedInputTests
{
    [Theory]
    [InlineData(3, 1, 1, 7, 0, 0, 2)]   // Conv1d: rows only
    [InlineData(2, 1, 5, 6, 0, 1, 1)]   // Conv2d, padding 1
    [InlineData(2, 1, 4, 3, 0, 2, 2)]   // Conv2d, padding wider than half the row
    [InlineData(2, 3, 4, 5, 1, 1, 1)]   // Conv3d
    public void Every_destination_element_is_the_input_or_zero(int planes, int d, int h, int w, int pd, int ph, int pw)
    {
        var random = new Random(planes * 100 + d * 10 + h);
        float[] source = Enumerable.Range(0, planes * d * h * w).Select(_ => (float)random.NextDouble() + 1f).ToArray();
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        float[] destination = Enumerable.Repeat(float.NaN, planes * dp * hp * wp + 5).ToArray(); // old data, and a tail that must stay

        PaddedInput.Copy(source, destination, planes, d, h, w, pd, ph, pw);

        for (int p = 0; p < planes; p++)
            for (int z = 0; z < dp; z++)
                for (int y = 0; y < hp; y++)
                    for (int x = 0; x < wp; x++)
                    {
                        bool inside = z >= pd && z < pd + d && y >= ph && y < ph + h && x >= pw && x < pw + w;
                        float expected = inside ? source[((p * d + z - pd) * h + y - ph) * w + x - pw] : 0f;
                        Assert.Equal(expected, destination[((p * dp + z) * hp + y) * wp + x]);
                    }
        Assert.All(destination.Skip(planes * dp * hp * wp), v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>
    /// Every row width from 1 to 70 (scalar rows, one vector, vectors with an overlapping last one, for each vector width),
    /// with paddings 0–3, through both copies, against the element-by-element definition.
    /// </summary>
    [Fact]
    public void Every_row_width_copies_exactly()
    {
        for (int w = 1; w <= 70; w++)
            for (int pad = 0; pad <= 3; pad++)
            {
                Every_destination_element_is_the_input_or_zero(2, 1, 3, w, 0, pad, pad);
                The_phased_copy_holds_each_padded_column_in_its_phase(2, 1, 3, w, 0, pad, pad, 2);
                if (w % 5 == 0) The_phased_copy_holds_each_padded_column_in_its_phase(1, 1, 2, w, 0, pad, pad, 3);
            }
    }

    /// <summary>
    /// The polyphase copy: padded (y, x) at row y / s, slot x / s of quarter (y mod s, x mod s), quarters of ⌈hp / s⌉ rows
    /// of ⌈wp / s⌉ slots; every other slot is zero; nothing past the planes is written.
    /// </summary>
    [Theory]
    [InlineData(2, 14, 14, 1, 1, 2)]   // ResNet-18's layer4.0.conv1 input
    [InlineData(3, 13, 10, 1, 1, 2)]   // odd padded height: quarter rows 1 has a zero last row
    [InlineData(1, 14, 14, 0, 0, 2)]   // a 1×1 stride-2 conv's copy (no padding)
    [InlineData(2, 20, 20, 1, 1, 3)]   // stride 3 (the gather path)
    [InlineData(1, 9, 40, 2, 2, 2)]    // rows of 44 padded columns: the vector split
    [InlineData(1, 5, 3, 2, 2, 2)]
    public void The_polyphase_copy_holds_each_padded_element_in_its_quarter(int planes, int h, int w, int ph, int pw, int s)
    {
        var random = new Random(planes * 100 + h * 10 + w + s);
        float[] source = Enumerable.Range(0, planes * h * w).Select(_ => (float)random.NextDouble() + 1f).ToArray();
        int hp = h + 2 * ph, wp = w + 2 * pw, rows = (hp + s - 1) / s, slots = (wp + s - 1) / s, plane = s * s * rows * slots;
        float[] destination = Enumerable.Repeat(float.NaN, planes * plane + 5).ToArray();

        PaddedInput.CopyPlanesPolyphase(ref source[0], ref destination[0], 0, planes, h, w, ph, pw, s);

        for (int p = 0; p < planes; p++)
            for (int a = 0; a < s; a++)
                for (int b = 0; b < s; b++)
                    for (int r = 0; r < rows; r++)
                        for (int slot = 0; slot < slots; slot++)
                        {
                            int y = r * s + a, x = slot * s + b; // the padded element stored here
                            bool inside = y >= ph && y < ph + h && x >= pw && x < pw + w;
                            float expected = inside ? source[(p * h + y - ph) * w + x - pw] : 0f;
                            Assert.Equal(expected, destination[p * plane + ((a * s + b) * rows + r) * slots + slot]);
                        }
        Assert.All(destination.Skip(planes * plane), v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>
    /// The strided conv's copy: padded column x of each row is at slot x / stride of phase x % stride (phases of
    /// ⌈wp / stride⌉ slots, rows stride · that apart); unused slots are zero; nothing past the planes is written.
    /// </summary>
    [Theory]
    [InlineData(2, 1, 1, 11, 0, 0, 3, 2)]  // Conv1d, stride 2, no padding, odd width: phase 1 has an unused slot
    [InlineData(3, 1, 5, 7, 0, 1, 1, 2)]   // Conv2d, padding 1, stride 2
    [InlineData(2, 1, 4, 10, 0, 2, 2, 4)]  // stride 4, padding 2: a 14-column row in 4 phases of 4
    [InlineData(1, 3, 4, 9, 1, 1, 1, 3)]   // Conv3d, stride 3
    [InlineData(2, 1, 3, 1, 0, 0, 0, 4)]   // a 1-column row in 4 phases: phases 1–3 hold nothing
    // Rows wide enough for the vector gathers (16 or 8 slots per step for stride 2, 16 for stride 4) and their remainders
    [InlineData(2, 1, 3, 67, 0, 1, 3, 2)]
    [InlineData(1, 1, 2, 64, 0, 0, 0, 2)]
    [InlineData(1, 1, 2, 33, 0, 1, 1, 2)]
    [InlineData(1, 1, 2, 112, 0, 1, 1, 2)]  // MobileNetV2's 112² stride-2 depthwise at 224²
    [InlineData(2, 1, 2, 130, 0, 1, 5, 4)]
    [InlineData(1, 1, 1, 64, 0, 0, 0, 4)]
    [InlineData(1, 1, 2, 224, 0, 2, 2, 4)]  // AlexNet's 11×11 stride-4 first layer (padding 2)
    public void The_phased_copy_holds_each_padded_column_in_its_phase(int planes, int d, int h, int w, int pd, int ph, int pw, int stride)
    {
        var random = new Random(planes * 100 + d * 10 + h + stride);
        float[] source = Enumerable.Range(0, planes * d * h * w).Select(_ => (float)random.NextDouble() + 1f).ToArray();
        int dp = d + 2 * pd, hp = h + 2 * ph, wp = w + 2 * pw;
        int phaseWidth = (wp + stride - 1) / stride, pitch = stride * phaseWidth;
        float[] destination = Enumerable.Repeat(float.NaN, planes * dp * hp * pitch + 5).ToArray();

        PaddedInput.CopyPlanesPhased(ref source[0], ref destination[0], 0, planes, d, h, w, pd, ph, pw, stride);

        for (int p = 0; p < planes; p++)
            for (int z = 0; z < dp; z++)
                for (int y = 0; y < hp; y++)
                    for (int slot = 0; slot < pitch; slot++)
                    {
                        int x = slot % phaseWidth * stride + slot / phaseWidth; // the padded column stored in this slot
                        bool inside = x < wp && z >= pd && z < pd + d && y >= ph && y < ph + h && x >= pw && x < pw + w;
                        float expected = inside ? source[((p * d + z - pd) * h + y - ph) * w + x - pw] : 0f;
                        Assert.Equal(expected, destination[((p * dp + z) * hp + y) * pitch + slot]);
                    }
        Assert.All(destination.Skip(planes * dp * hp * pitch), v => Assert.True(float.IsNaN(v)));
    }
}
