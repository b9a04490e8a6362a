using System;
using System.IO;
using System.Linq;
using System.Text;
using FusedNorm;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>F16, BF16 and F64 tensors read as float32, exactly as PyTorch's <c>tensor.float()</c>; other dtypes are refused for floats.</summary>
public class SafeTensorsDTypeTests
{
    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

    /// <summary>An IEEE half decoded from its fields in double arithmetic: independent of System.Half.</summary>
    private static double DecodeHalf(ushort bits)
    {
        int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
        double magnitude = exponent switch
        {
            0 => mantissa * Math.Pow(2, -24),
            31 => mantissa == 0 ? double.PositiveInfinity : double.NaN,
            _ => (1 + mantissa / 1024.0) * Math.Pow(2, exponent - 15),
        };
        return sign == 1 ? -magnitude : magnitude;
    }

    [Fact]
    public void Every_F16_value_reads_as_its_exact_float()
    {
        // All 65,536 bit patterns (subnormals, ±0, ±65504, ±∞, NaNs), through several conversion chunks.
        Half[] halves = Enumerable.Range(0, 65536).Select(i => BitConverter.UInt16BitsToHalf((ushort)i)).ToArray();
        var writer = new SafeTensorsWriter();
        writer.Add("h", halves, 256, 256);
        float[] read = SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("h", 256, 256);
        for (int i = 0; i < 65536; i++)
        {
            double expected = DecodeHalf((ushort)i);
            if (double.IsNaN(expected)) Assert.True(float.IsNaN(read[i]), $"0x{i:X4} reads {read[i]}, not NaN");
            else Assert.True(Bits((float)expected) == Bits(read[i]), $"0x{i:X4} reads {read[i]:R}; expected {expected:R}"); // (float) of an exact half value is exact
        }
    }

    [Fact]
    public void F16_edge_values()
    {
        ushort[] bits = { 0x0001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x8000, 0x3C00, 0x2E66 };
        var writer = new SafeTensorsWriter();
        writer.Add("h", bits.Select(BitConverter.UInt16BitsToHalf).ToArray(), bits.Length);
        float[] v = SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("h");
        Assert.Equal(5.9604644775390625E-08f, v[0]);          // smallest subnormal, 2^-24
        Assert.Equal(6.0975551605224609E-05f, v[1]);          // largest subnormal, 1023 × 2^-24
        Assert.Equal(6.103515625E-05f, v[2]);                 // smallest normal, 2^-14
        Assert.Equal(65504f, v[3]);
        Assert.Equal(-65504f, v[4]);
        Assert.Equal(float.PositiveInfinity, v[5]);
        Assert.Equal(float.NegativeInfinity, v[6]);
        Assert.True(float.IsNaN(v[7]));
        Assert.Equal(unchecked((int)0x80000000), Bits(v[8]));   // -0 keeps its sign
        Assert.Equal(1f, v[9]);
        Assert.Equal(0.0999755859375f, v[10]);                 // 0.1 as a half
    }

    [Fact]
    public void Every_BF16_value_reads_as_the_upper_half_of_a_float()
    {
        ushort[] bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var writer = new SafeTensorsWriter();
        writer.AddBFloat16("b", bits, 65536);
        float[] read = SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("b", 65536);
        for (int i = 0; i < 65536; i++) Assert.True(i << 16 == Bits(read[i]), $"0x{i:X4} reads 0x{Bits(read[i]):X8}");

        var edges = new SafeTensorsWriter();
        edges.AddBFloat16("b", new ushort[] { 0x3F81, 0xC2F7, 0x7F80, 0xFF80, 0x7FC0, 0x8000, 0x0001 }, 7);
        float[] v = SafeTensorsFile.FromBytes(edges.ToArray()).ReadFloat32("b");
        Assert.Equal(1.0078125f, v[0]);                        // the lowest mantissa bit: 1 + 2^-7
        Assert.Equal(-123.5f, v[1]);
        Assert.Equal(float.PositiveInfinity, v[2]);
        Assert.Equal(float.NegativeInfinity, v[3]);
        Assert.True(float.IsNaN(v[4]));
        Assert.Equal(unchecked((int)0x80000000), Bits(v[5]));
        Assert.Equal((float)Math.Pow(2, -133), v[6]);         // 2^-133, a float subnormal
    }

    [Fact]
    public void F64_rounds_to_the_nearest_float_and_overflows_to_infinity()
    {
        double[] values =
        {
            0.1, 1.0 / 3, 1 + Math.Pow(2, -24), 1 + 3 * Math.Pow(2, -24), 1 + Math.Pow(2, -24) + Math.Pow(2, -40),
            1e300, -1e300, 3.4028234663852886e38, 1e-310, 1e-45, -0.0, double.NaN, double.PositiveInfinity, -2.5, 3.4028235677973366e38,
        };
        var writer = new SafeTensorsWriter();
        writer.Add("d", values, values.Length);
        float[] v = SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("d", values.Length);
        Assert.Equal(0.100000001490116119384765625f, v[0]);
        Assert.Equal(0.3333333432674407958984375f, v[1]);
        Assert.Equal(1f, v[2]);                                            // a tie rounds to even: 1
        Assert.Equal(1 + MathF.Pow(2, -22), v[3]);                         // a tie rounds to even: 1 + 2^-22
        Assert.Equal(1 + MathF.Pow(2, -23), v[4]);                         // just above the tie rounds up
        Assert.Equal(float.PositiveInfinity, v[5]);                        // beyond float's range: ±∞, as torch's .float()
        Assert.Equal(float.NegativeInfinity, v[6]);
        Assert.Equal(float.MaxValue, v[7]);
        Assert.Equal(0, Bits(v[8]));                                       // below float's smallest subnormal: +0
        Assert.Equal(float.Epsilon, v[9]);                                 // nearest is the smallest subnormal
        Assert.Equal(unchecked((int)0x80000000), Bits(v[10]));
        Assert.True(float.IsNaN(v[11]));
        Assert.Equal(float.PositiveInfinity, v[12]);
        Assert.Equal(-2.5f, v[13]);
        Assert.Equal(float.PositiveInfinity, v[14]);                       // halfway between float.MaxValue and 2^128: ties to even, ∞
    }

    [Fact]
    public void Converted_reads_fill_a_span_across_chunk_boundaries()
    {
        // 1,500 values: whole 512-element chunks and a remainder, into the destination overload the generated code uses.
        double[] values = Enumerable.Range(0, 1500).Select(i => i * 0.25 - 100).ToArray();
        var writer = new SafeTensorsWriter();
        writer.Add("d", values, 3, 500);
        writer.Add("h", values.Select(x => (Half)x).ToArray(), 3, 500);
        SafeTensorsFile file = SafeTensorsFile.FromBytes(writer.ToArray());
        foreach (string name in new[] { "d", "h" })
        {
            var destination = new float[1500];
            file.ReadFloat32(name, destination, 3, 500);
            Assert.Equal(values.Select(x => (float)x), destination); // every value is exact in half and float
        }
    }

    [Theory]
    [InlineData("I64", 8)]
    [InlineData("I32", 4)]
    [InlineData("U8", 1)]
    [InlineData("BOOL", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("F8_E5M2", 1)]
    public void Integer_bool_and_F8_tensors_are_refused_for_floats(string dtype, int size)
    {
        string header = $"{{\"layer1.0.bn1.running_var\":{{\"dtype\":\"{dtype}\",\"shape\":[4],\"data_offsets\":[0,{4 * size}]}}}}";
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] bytes = BitConverter.GetBytes((ulong)json.Length).Concat(json).Concat(new byte[4 * size]).ToArray();
        SafeTensorsFile file = SafeTensorsFile.FromBytes(bytes, "resnet.safetensors");
        var e = Assert.Throws<WeightLoadException>(() => file.ReadFloat32("layer1.0.bn1.running_var", 4));
        Assert.Equal("layer1.0.bn1.running_var", e.TensorName);
        Assert.Contains($"Tensor 'layer1.0.bn1.running_var' in 'resnet.safetensors' is {dtype}; expected F32 [4]", e.Message);
        Assert.Contains("F16, BF16 and F64 are accepted too", e.Message);
        Assert.Throws<WeightLoadException>(() => file.ReadFloat32("layer1.0.bn1.running_var"));
        Assert.Throws<WeightLoadException>(() => file.ReadFloat32("layer1.0.bn1.running_var", new float[4], 4));
    }

    [Fact]
    public void Int64_reads_stay_int64_only()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("bn.num_batches_tracked", new long[] { 12 });
        writer.Add("bn.running_mean", new Half[] { (Half)1 }, 1);
        SafeTensorsFile file = SafeTensorsFile.FromBytes(writer.ToArray());
        Assert.Equal(new long[] { 12 }, file.ReadInt64("bn.num_batches_tracked"));
        var e = Assert.Throws<WeightLoadException>(() => file.ReadInt64("bn.running_mean"));
        Assert.Contains("is F16; expected I64", e.Message);
    }

    [Fact]
    public void Wrong_shape_of_a_converted_tensor_names_both_shapes()
    {
        var writer = new SafeTensorsWriter();
        writer.AddBFloat16("conv.weight", new ushort[6], 2, 3);
        var e = Assert.Throws<WeightLoadException>(() => SafeTensorsFile.FromBytes(writer.ToArray()).ReadFloat32("conv.weight", 3, 2));
        Assert.Contains("has shape [2, 3]; expected F32 [3, 2]", e.Message);
    }
}
