using System;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// The statistics where float E[x²] − mean² fails: inputs offset by 1e3 and 1e4 with a tiny spread. A 1×1
/// identity convolution hands the norm exactly the input, so the kernel and the double-precision reference
/// normalize the same floats, and any difference is the reduction's.
/// </summary>
[Trait("Category", "Numeric")]
public class NormNumericsTests
{
    private const int C = 8, H = 6, W = 13, Batch = 2;

    public static TheoryData<string, double, double> Cases()
    {
        var data = new TheoryData<string, double, double>();
        foreach (string norm in new[] { "instance", "group", "layer_chw", "layer_w", "batch" })
            foreach (var (offset, spread) in new[] { (1e3, 1e-1), (1e4, 1e-1), (1e4, 2e-2) })
                data.Add(norm, offset, spread);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Large_offsets_with_a_tiny_spread_match_the_double_reference(string norm, double offset, double spread)
    {
        (string attribute, string layer) = norm switch
        {
            "instance" => ("[InstanceNorm(Name = \"bn\", Affine = true)]", "InstanceNorm2d"),
            "group" => ("[GroupNorm(2, Name = \"bn\")]", "GroupNorm"),
            "layer_chw" => ($"[LayerNorm({C}, {H}, {W}, Name = \"bn\")]", "LayerNorm"),
            "layer_w" => ($"[LayerNorm({W}, Name = \"bn\")]", "LayerNorm"),
            _ => ("[BatchNorm(Name = \"bn\", TrackRunningStats = false)]", "BatchNorm2d"),
        };
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Offsets;
            [Model({{C}}, {{H}}, {{W}})]
            public sealed partial class Net
            {
                [Fuse(Layer.Conv2d, Layer.{{layer}})]
                [Conv2d({{C}}, KernelSize = 1, Bias = false, Name = "conv")]
                {{attribute}}
                public partial void Chain(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        var random = new Random(11);
        int affineLength = norm switch { "layer_chw" => C * H * W, "layer_w" => W, _ => C };
        float[] gamma = Enumerable.Range(0, affineLength).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        float[] beta = Enumerable.Range(0, affineLength).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] identity = new float[C * C];
        for (int c = 0; c < C; c++) identity[c * C + c] = 1f;

        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", identity, C, C, 1, 1);
        int[] affineShape = norm switch { "layer_chw" => new[] { C, H, W }, "layer_w" => new[] { W }, _ => new[] { C } };
        writer.Add("bn.weight", gamma, affineShape);
        writer.Add("bn.bias", beta, affineShape);

        CompiledModel model = CompiledModel.Compile(source, "Offsets.Net");
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        float[] x = Enumerable.Range(0, Batch * C * H * W)
            .Select(_ => (float)(offset + spread * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();

        float[] expected = norm switch
        {
            "instance" => Reference.NormalizeRuns(x, H * W, H * W, gamma, beta, 1e-5, elementwise: false, sampleSize: C * H * W),
            "group" => Reference.NormalizeRuns(x, C / 2 * H * W, H * W, gamma, beta, 1e-5, elementwise: false, sampleSize: C * H * W),
            "layer_chw" => Reference.NormalizeRuns(x, C * H * W, H * W, gamma, beta, 1e-5, elementwise: true, sampleSize: C * H * W),
            "layer_w" => Reference.NormalizeRuns(x, W, H * W, gamma, beta, 1e-5, elementwise: true, sampleSize: C * H * W),
            _ => Reference.BatchNormBatch(x, Batch, C, H * W, gamma, beta, 1e-5).Y,
        };
        Tolerance.AssertClose(expected, model.Forward(x, Batch), $"{norm} at offset {offset}, spread {spread}");
    }

    [Fact]
    public void Float_E_x2_minus_mean2_fails_on_these_inputs()
    {
        // The test above is only meaningful if the naive formula really breaks here.
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 78).Select(_ => (float)(1e4 + 2e-2 * (random.NextDouble() - 0.5) * 3.4)).ToArray();
        float sum = 0, squares = 0;
        foreach (float v in x) { sum += v; squares += v * v; }
        float naive = squares / x.Length - (sum / x.Length) * (sum / x.Length);
        double mean = x.Average(v => (double)v);
        double exact = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        Assert.True(Math.Abs(naive - exact) > exact, $"naive {naive}, exact {exact}");
    }
}
