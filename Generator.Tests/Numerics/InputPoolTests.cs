using System;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Chains whose input is pooled as it is read (<c>[Fuse(Layer.MaxPool2d, Layer.Conv2d, …)]</c>): max and average pools
/// (padding, count_include_pad = false), before a padded conv, an unpadded 1×1 conv, a strided conv (column-phased copy)
/// and a ConvTranspose2d, against the scalar reference composed by hand (pool, then the chain), at 1 and 2 threads.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class InputPoolTests
{
    public sealed record Case(string Name, int C, int H, int W, string Pool, bool Max, int PoolKernel, int PoolStride, int PoolPadding, bool CountIncludePad,
        string Conv, int OutC, int K, int Stride, int Padding, bool Transposed, string Norm, string Layers);

    private static readonly Case[] Cases =
    {
        new("max2_conv3_gn_silu", 4, 13, 10, "[MaxPool2d(KernelSize = 2)]", true, 2, 2, 0, true,
            "[Conv2d(8, KernelSize = 3, Padding = 1, Name = \"c\")]", 8, 3, 1, 1, false, "[GroupNorm(2, Name = \"n\")]", "Layer.MaxPool2d, Layer.Conv2d, Layer.GroupNorm, Layer.SiLU"),
        new("avg3s2p1_conv1_bn", 5, 17, 20, "[AvgPool2d(KernelSize = 3, Stride = 2, Padding = 1, CountIncludePad = false)]", false, 3, 2, 1, false,
            "[Conv2d(9, KernelSize = 1, Name = \"c\")]", 9, 1, 1, 0, false, "[BatchNorm(Name = \"n\")]", "Layer.AvgPool2d, Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU"),
        new("max3s1p1_conv3s2", 3, 34, 36, "[MaxPool2d(KernelSize = 3, Stride = 1, Padding = 1)]", true, 3, 1, 1, true,
            "[Conv2d(8, KernelSize = 3, Stride = 2, Padding = 1, Name = \"c\")]", 8, 3, 2, 1, false, "", "Layer.MaxPool2d, Layer.Conv2d, Layer.ReLU"),
        new("max2_convt2", 6, 10, 9, "[MaxPool2d(KernelSize = 2)]", true, 2, 2, 0, true,
            "[ConvTranspose2d(4, KernelSize = 2, Stride = 2, Name = \"c\")]", 4, 2, 2, 0, true, "", "Layer.MaxPool2d, Layer.ConvTranspose2d"),
    };

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Pooled_input_chain_matches_reference_at_1_and_2_threads(string name)
    {
        Case c = Cases.Single(k => k.Name == name);
        const int batch = 2;
        string source = $$"""
            using System;
            using FusedNorm;
            namespace Pooled;
            [Model({{c.C}}, {{c.H}}, {{c.W}})]
            public sealed partial class Net
            {
                [Fuse({{c.Layers}})] {{c.Pool}} {{c.Conv}} {{c.Norm}}
                public partial void Chain(ReadOnlySpan<float> x, Span<float> y, int batch);
            }
            """;
        var random = new Random(name.Length * 7);
        float[] Draw(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
        float[] x = Draw(batch * c.C * c.H * c.W, -2f, 2f);
        int ph = Reference.OutputSize(c.H, c.PoolKernel, c.PoolStride, c.PoolPadding), pw = Reference.OutputSize(c.W, c.PoolKernel, c.PoolStride, c.PoolPadding);
        float[] pooled = c.Max
            ? Reference.MaxPool2d(x, batch, c.C, c.H, c.W, c.PoolKernel, c.PoolStride, c.PoolPadding)
            : Reference.AvgPool2d(x, batch, c.C, c.H, c.W, c.PoolKernel, c.PoolStride, c.PoolPadding, c.CountIncludePad);
        var writer = new SafeTensorsWriter();
        float bound = 1f / MathF.Sqrt(c.C * c.K * c.K);
        float[] weight = Draw(c.OutC * c.C * c.K * c.K, -bound, bound), bias = Draw(c.OutC, -bound, bound);
        writer.Add("c.weight", weight, c.Transposed ? new[] { c.C, c.OutC, c.K, c.K } : new[] { c.OutC, c.C, c.K, c.K });
        writer.Add("c.bias", bias, c.OutC);
        float[] y;
        int oh, ow;
        if (c.Transposed)
        {
            y = Reference.ConvTranspose2d(pooled, batch, c.C, ph, pw, weight, bias, c.OutC, 1, c.K, c.Stride, c.Padding, 0, 1);
            (oh, ow) = ((ph - 1) * c.Stride - 2 * c.Padding + c.K, (pw - 1) * c.Stride - 2 * c.Padding + c.K);
        }
        else
        {
            y = Reference.ConvNd(pooled, batch, c.C, new[] { ph, pw }, weight, bias, c.OutC, 1, c.K, c.Stride, c.Padding, 1);
            (oh, ow) = (Reference.OutputSize(ph, c.K, c.Stride, c.Padding), Reference.OutputSize(pw, c.K, c.Stride, c.Padding));
        }
        if (c.Norm.Contains("GroupNorm"))
        {
            float[] g = Draw(c.OutC, 0.5f, 1.5f), b = Draw(c.OutC, -0.5f, 0.5f);
            writer.Add("n.weight", g, c.OutC); writer.Add("n.bias", b, c.OutC);
            y = Reference.NormalizeRuns(y, c.OutC / 2 * oh * ow, oh * ow, g, b, 1e-5, false, c.OutC * oh * ow);
        }
        else if (c.Norm.Contains("BatchNorm"))
        {
            float[] g = Draw(c.OutC, 0.5f, 1.5f), b = Draw(c.OutC, -0.5f, 0.5f), m = Draw(c.OutC, -0.3f, 0.3f), v = Draw(c.OutC, 0.5f, 2f);
            writer.Add("n.weight", g, c.OutC); writer.Add("n.bias", b, c.OutC); writer.Add("n.running_mean", m, c.OutC); writer.Add("n.running_var", v, c.OutC);
            y = Reference.BatchNormEval(y, batch, c.OutC, oh * ow, g, b, m, v, 1e-5);
        }
        if (c.Layers.Contains("SiLU")) y = Reference.Activation(y, Layer.SiLU);
        if (c.Layers.Contains("ReLU")) y = Reference.Activation(y, Layer.ReLU);

        CompiledModel model = CompiledModel.Compile(source, "Pooled.Net");
        Assert.Equal(c.C * c.H * c.W, model.InputSize);
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            float[] actual = model.Forward(x, batch);
            Tolerance.AssertClose(y, actual, $"{name} at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual);
        }
    }
}
