using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

public sealed record ConvCase(int OutChannels, int Kernel, int Stride = 1, int Padding = 0, int Dilation = 1, bool Bias = true);
public sealed record PoolCase(Layer Kind, int Kernel, int Stride = 0, int Padding = 0, bool CountIncludePad = true);

/// <summary>
/// One chain the tests cover, stated once: it writes the model's C# source for the generator, and the golden
/// file of the same name (tools/GoldenGen) holds PyTorch's output for the same module.
/// </summary>
public sealed record ChainCase(
    string Name,
    int[] SampleShape,
    ConvCase? Conv = null,
    int LinearOut = 0,
    bool LinearBias = true,
    bool Norm = false,
    bool NormAffine = true,
    Layer? Activation = null,
    double ActivationParameter = double.NaN,
    bool GeluTanh = false,
    PoolCase? Pool = null,
    int Batch = 2)
{
    public string TypeName => "Cases." + ClassName;
    public string ClassName => string.Concat(Name.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));

    public IEnumerable<Layer> Layers()
    {
        yield return Conv is not null ? Layer.Conv2d : Layer.Linear;
        if (Norm) yield return Conv is not null ? Layer.BatchNorm2d : Layer.BatchNorm1d;
        if (Activation is { } a) yield return a;
        if (Pool is { } p) yield return p.Kind;
    }

    public string Source()
    {
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var s = new StringBuilder();
        s.AppendLine("using System;");
        s.AppendLine("using FusedNorm;");
        s.AppendLine("namespace Cases;");
        s.AppendLine($"[Model({string.Join(", ", SampleShape)})]");
        s.AppendLine($"public sealed partial class {ClassName}");
        s.AppendLine("{");
        s.AppendLine($"    [Fuse({string.Join(", ", Layers().Select(l => "Layer." + l))})]");
        if (Conv is { } c)
            s.AppendLine($"    [Conv2d({c.OutChannels}, KernelSize = {c.Kernel}" +
                (c.Stride != 1 ? $", Stride = {c.Stride}" : "") + (c.Padding != 0 ? $", Padding = {c.Padding}" : "") +
                (c.Dilation != 1 ? $", Dilation = {c.Dilation}" : "") + (c.Bias ? "" : ", Bias = false") + ", Name = \"conv\")]");
        else
            s.AppendLine($"    [Linear({LinearOut}{(LinearBias ? "" : ", Bias = false")}, Name = \"linear\")]");
        if (Norm) s.AppendLine($"    [BatchNorm(Name = \"bn\"{(NormAffine ? "" : ", Affine = false")})]");
        if (Activation == Layer.LeakyReLU && !double.IsNaN(ActivationParameter)) s.AppendLine($"    [LeakyReLU(NegativeSlope = {F(ActivationParameter)})]");
        if (Activation == Layer.ELU && !double.IsNaN(ActivationParameter)) s.AppendLine($"    [ELU(Alpha = {F(ActivationParameter)})]");
        if (Activation == Layer.GELU && GeluTanh) s.AppendLine("    [GELU(Approximate = \"tanh\")]");
        if (Pool is { } p)
            s.AppendLine($"    [{p.Kind}(KernelSize = {p.Kernel}" + (p.Stride != 0 ? $", Stride = {p.Stride}" : "") +
                (p.Padding != 0 ? $", Padding = {p.Padding}" : "") + (p.CountIncludePad || p.Kind != Layer.AvgPool2d ? "" : ", CountIncludePad = false") + ")]");
        s.AppendLine("    public partial void Chain(ReadOnlySpan<float> x, Span<float> y, int batch);");
        s.AppendLine("}");
        return s.ToString();
    }

    public override string ToString() => Name;
}

/// <summary>The chains with PyTorch goldens; the same list as tools/GoldenGen writes.</summary>
public static class ChainCases
{
    public static readonly ChainCase[] All =
    {
        new("conv_bn_relu", new[] { 3, 9, 11 }, new ConvCase(8, 3, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("conv_bn_relu6_s2", new[] { 5, 13, 10 }, new ConvCase(12, 3, Stride: 2, Padding: 1, Bias: false), Norm: true, Activation: Layer.ReLU6),
        new("conv_s2_vector", new[] { 4, 12, 40 }, new ConvCase(12, 3, Stride: 2, Padding: 1), Norm: true, Activation: Layer.ReLU),
        new("conv_wide_tail_channels", new[] { 6, 7, 35 }, new ConvCase(13, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Batch: 3),
        new("conv_dilated_leaky", new[] { 4, 12, 17 }, new ConvCase(10, 3, Padding: 2, Dilation: 2), Norm: true, Activation: Layer.LeakyReLU, ActivationParameter: 0.1, Batch: 1),
        new("conv_silu_maxpool", new[] { 3, 16, 16 }, new ConvCase(7, 5, Padding: 2), Norm: true, Activation: Layer.SiLU, Pool: new PoolCase(Layer.MaxPool2d, 2)),
        new("conv_gelu_avgpool", new[] { 6, 15, 15 }, new ConvCase(9, 3, Padding: 1), Norm: true, Activation: Layer.GELU, Pool: new PoolCase(Layer.AvgPool2d, 3, 2, 1), Batch: 1),
        new("conv_gelu_tanh", new[] { 3, 10, 10 }, new ConvCase(16, 1), Norm: true, Activation: Layer.GELU, GeluTanh: true),
        new("conv_sigmoid", new[] { 8, 12, 12 }, new ConvCase(5, 3), Activation: Layer.Sigmoid, Batch: 1),
        new("conv_bn_noaffine_tanh", new[] { 3, 8, 19 }, new ConvCase(6, 3, Padding: 1), Norm: true, NormAffine: false, Activation: Layer.Tanh),
        new("conv_hardswish", new[] { 4, 9, 20 }, new ConvCase(11, 3, Padding: 1), Norm: true, Activation: Layer.Hardswish, Batch: 1),
        new("conv_elu", new[] { 2, 14, 14 }, new ConvCase(3, 7, Padding: 3), Norm: true, Activation: Layer.ELU, ActivationParameter: 0.5, Batch: 1),
        new("conv_bn_noact", new[] { 3, 10, 12 }, new ConvCase(10, 3), Norm: true),
        new("conv_plain_small", new[] { 3, 6, 6 }, new ConvCase(4, 3, Bias: false), Batch: 1),
        new("conv_relu_maxpool_pad", new[] { 3, 11, 11 }, new ConvCase(8, 3, Padding: 1), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 3, 2, 1), Batch: 1),
        new("conv_avgpool_nopadcount", new[] { 3, 9, 9 }, new ConvCase(8, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AvgPool2d, 2, 2, 1, CountIncludePad: false), Batch: 1),
        new("linear_bn1d_relu", new[] { 37 }, LinearOut: 20, Norm: true, Activation: Layer.ReLU, Batch: 5),
        new("linear_plain", new[] { 64 }, LinearOut: 10, Batch: 3),
        new("linear_sigmoid", new[] { 10 }, LinearOut: 3, Activation: Layer.Sigmoid, Batch: 4),
        new("linear_bn1d_gelu_b1", new[] { 19 }, LinearOut: 9, Norm: true, Activation: Layer.GELU, Batch: 1),
        new("linear_flatten_elu", new[] { 4, 3, 5 }, LinearOut: 17, Norm: true, Activation: Layer.ELU, Batch: 2),
    };

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });
    public static ChainCase Get(string name) => All.Single(c => c.Name == name);
}
