using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// A convolution. <see cref="Kernels"/>, <see cref="Strides"/>, <see cref="Paddings"/>, <see cref="Dilations"/>: PyTorch's
/// per-dim tuples (kernel_size=(1, 7)), written as KernelSizes = new[] { 1, 7 } …; each replaces its int when set.
/// </summary>
public sealed record ConvCase(int OutChannels, int Kernel, int Stride = 1, int Padding = 0, int Dilation = 1, bool Bias = true, int Groups = 1,
    PaddingMode Mode = PaddingMode.Zeros, int[]? Kernels = null, int[]? Strides = null, int[]? Paddings = null, int[]? Dilations = null)
{
    /// <summary>kernel_size per spatial dim (PyTorch's order).</summary>
    public int[] KernelsOf(int rank) => Kernels ?? Enumerable.Repeat(Kernel, rank).ToArray();
    public int[] StridesOf(int rank) => Strides ?? Enumerable.Repeat(Stride, rank).ToArray();
    public int[] PaddingsOf(int rank) => Paddings ?? Enumerable.Repeat(Padding, rank).ToArray();
    public int[] DilationsOf(int rank) => Dilations ?? Enumerable.Repeat(Dilation, rank).ToArray();

    /// <summary>The conv's size arguments as the attribute is written: the int form, or the tuple form where one is set.</summary>
    public string SizeArguments()
    {
        static string Tuple(int[] values) => $"new[] {{ {string.Join(", ", values)} }}";
        return (Kernels is null ? $"KernelSize = {Kernel}" : $"KernelSizes = {Tuple(Kernels)}") +
            (Strides is not null ? $", Strides = {Tuple(Strides)}" : Stride != 1 ? $", Stride = {Stride}" : "") +
            (Paddings is not null ? $", Paddings = {Tuple(Paddings)}" : Padding != 0 ? $", Padding = {Padding}" : "") +
            (Dilations is not null ? $", Dilations = {Tuple(Dilations)}" : Dilation != 1 ? $", Dilation = {Dilation}" : "");
    }
}

/// <summary>
/// The prologue layers before a Conv2d: an Upsample (Scale 0: none) and a padding layer (Pad null: none) with one value
/// (<see cref="Padding"/> of length 1) or PyTorch's (left, right, top, bottom).
/// </summary>
public sealed record PrologueCase(int Scale = 0, UpsampleMode Mode = UpsampleMode.Nearest, Layer? Pad = null, int[]? Padding = null, bool AlignCorners = false)
{
    public (int Left, int Right, int Top, int Bottom) Sides => Padding switch
    {
        null => (0, 0, 0, 0),
        { Length: 1 } p => (p[0], p[0], p[0], p[0]),
        var p => (p[0], p[1], p[2], p[3]),
    };

    /// <summary>The (H, W) the conv sees: the input upsampled, then padded by the layer.</summary>
    public (int H, int W) Dims(int h, int w)
    {
        var (l, r, t, b) = Sides;
        int s = Scale == 0 ? 1 : Scale;
        return (h * s + t + b, w * s + l + r);
    }
}

/// <summary>
/// A normalization other than the default folded BatchNorm: BatchNorm (Track false = batch statistics),
/// InstanceNorm, GroupNorm (Groups) or LayerNorm (Shape; Bias is its bias).
/// </summary>
public sealed record NormCase(Layer Kind, bool Affine = true, bool Track = true, int Groups = 0, int[]? Shape = null,
    bool Bias = true, bool Cumulative = false, double Momentum = 0.1)
{
    public bool IsBatchNorm => Kind is Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d;
    public bool IsInstanceNorm => Kind is Layer.InstanceNorm1d or Layer.InstanceNorm2d or Layer.InstanceNorm3d;
}
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
    int Batch = 2,
    NormCase? NormOf = null,
    bool Training = false,
    int Rank = 2,
    PrologueCase? Prologue = null)
{
    /// <summary>The norm as one description: <see cref="NormOf"/>, or the folded BatchNorm that Norm = true means.</summary>
    public NormCase? NormKind => NormOf ?? (Norm
        ? new NormCase(Conv is null ? Layer.BatchNorm1d : Rank switch { 1 => Layer.BatchNorm1d, 3 => Layer.BatchNorm3d, _ => Layer.BatchNorm2d }, NormAffine)
        : null);

    public string TypeName => "Cases." + ClassName;
    public string ClassName => string.Concat(Name.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));

    public IEnumerable<Layer> Layers()
    {
        if (Prologue is { Scale: > 0 }) yield return Layer.Upsample;
        if (Prologue is { Pad: { } pad }) yield return pad;
        yield return Conv is null ? Layer.Linear : Rank switch { 1 => Layer.Conv1d, 3 => Layer.Conv3d, _ => Layer.Conv2d };
        if (NormKind is { } norm) yield return norm.Kind;
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
        s.AppendLine($"    [Fuse({string.Join(", ", Layers().Select(l => "Layer." + l))}{(Training ? ", TrainingForward = true" : "")})]");
        if (Conv is { } c)
            s.AppendLine($"    [Conv{Rank}d({c.OutChannels}, {c.SizeArguments()}" +
                (c.Groups != 1 ? $", Groups = {c.Groups}" : "") + (c.Bias ? "" : ", Bias = false") +
                (c.Mode != PaddingMode.Zeros ? $", PaddingMode = PaddingMode.{c.Mode}" : "") + ", Name = \"conv\")]");
        else
            s.AppendLine($"    [Linear({LinearOut}{(LinearBias ? "" : ", Bias = false")}, Name = \"linear\")]");
        if (Prologue is { Scale: > 0 } up)
            s.AppendLine($"    [Upsample(ScaleFactor = {up.Scale}" + (up.Mode != UpsampleMode.Nearest ? $", Mode = UpsampleMode.{up.Mode}" : "") + (up.AlignCorners ? ", AlignCorners = true" : "") + ")]");
        if (Prologue is { Pad: { } padLayer, Padding: { } padding })
            s.AppendLine($"    [{padLayer}({string.Join(", ", padding)})]");
        if (NormKind is { } n)
        {
            string momentum = n.Cumulative ? ", CumulativeAverage = true" : n.Momentum != 0.1 ? $", Momentum = {F(n.Momentum)}" : "";
            s.AppendLine(n switch
            {
                { IsBatchNorm: true } => $"    [BatchNorm(Name = \"bn\"{(n.Affine ? "" : ", Affine = false")}{(n.Track ? "" : ", TrackRunningStats = false")}{momentum})]",
                { IsInstanceNorm: true } => $"    [InstanceNorm(Name = \"bn\"{(n.Affine ? ", Affine = true" : "")}{(n.Track ? ", TrackRunningStats = true" : "")}{momentum})]",
                { Kind: Layer.GroupNorm } => $"    [GroupNorm({n.Groups}, Name = \"bn\"{(n.Affine ? "" : ", Affine = false")})]",
                _ => $"    [LayerNorm({string.Join(", ", n.Shape!)}, Name = \"bn\"{(n.Affine ? "" : ", ElementwiseAffine = false")}{(n.Bias ? "" : ", Bias = false")})]",
            });
        }
        if (Activation == Layer.LeakyReLU && !double.IsNaN(ActivationParameter)) s.AppendLine($"    [LeakyReLU(NegativeSlope = {F(ActivationParameter)})]");
        if (Activation == Layer.ELU && !double.IsNaN(ActivationParameter)) s.AppendLine($"    [ELU(Alpha = {F(ActivationParameter)})]");
        if (Activation == Layer.GELU && GeluTanh) s.AppendLine("    [GELU(Approximate = \"tanh\")]");
        if (Pool is { Kind: Layer.AdaptiveAvgPool2d }) { } // output_size 1 needs no attribute
        else if (Pool is { } p)
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
        new("conv_grouped_bn", new[] { 4, 9, 12 }, new ConvCase(8, 3, Padding: 1, Groups: 2), Norm: true, Activation: Layer.ReLU),

        // Every norm variant, in 1d, 2d and 3d, with and without affine, batch 1 and > 1, and training-mode forwards.
        new("conv1d_bn_batchstats_relu", new[] { 3, 20 }, new ConvCase(8, 3, Padding: 1), Rank: 1, NormOf: new(Layer.BatchNorm1d, Track: false), Activation: Layer.ReLU, Batch: 3),
        new("conv1d_in_affine_silu", new[] { 4, 33 }, new ConvCase(6, 5, Padding: 2), Rank: 1, NormOf: new(Layer.InstanceNorm1d, Affine: true, Track: false), Activation: Layer.SiLU),
        new("conv1d_gn_gelu_b1", new[] { 4, 17 }, new ConvCase(8, 3), Rank: 1, NormOf: new(Layer.GroupNorm, Groups: 4), Activation: Layer.GELU, Batch: 1),
        new("conv1d_ln_maxpool", new[] { 3, 24 }, new ConvCase(5, 3, Padding: 1), Rank: 1, NormOf: new(Layer.LayerNorm, Shape: new[] { 24 }), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool1d, 2)),
        new("conv1d_bn_train", new[] { 3, 16 }, new ConvCase(6, 3, Padding: 1), Rank: 1, NormOf: new(Layer.BatchNorm1d), Activation: Layer.ReLU, Batch: 4, Training: true),
        new("conv_bn_batchstats", new[] { 3, 10, 12 }, new ConvCase(8, 3, Padding: 1), NormOf: new(Layer.BatchNorm2d, Track: false), Activation: Layer.ReLU),
        new("conv_bn_batchstats_noaffine_b1", new[] { 3, 9, 11 }, new ConvCase(5, 3, Padding: 1), NormOf: new(Layer.BatchNorm2d, Affine: false, Track: false), Batch: 1),
        new("conv_in_relu", new[] { 3, 12, 14 }, new ConvCase(8, 3, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Affine: false, Track: false), Activation: Layer.ReLU),
        new("conv_in_affine_b1", new[] { 4, 9, 17 }, new ConvCase(6, 3, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.LeakyReLU, Batch: 1),
        new("conv_in_tracked_train", new[] { 3, 8, 11 }, new ConvCase(5, 3, Padding: 1), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: true), Batch: 3, Training: true),
        new("conv_gn_silu", new[] { 4, 11, 13 }, new ConvCase(8, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.SiLU),
        new("conv_gn_noaffine_depthwise_b1", new[] { 6, 10, 10 }, new ConvCase(6, 3, Padding: 1, Groups: 6), NormOf: new(Layer.GroupNorm, Affine: false, Groups: 3), Activation: Layer.ReLU6, Batch: 1),
        new("conv_ln_chw_gelu", new[] { 3, 7, 9 }, new ConvCase(4, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 4, 7, 9 }), Activation: Layer.GELU),
        new("conv_ln_hw_b1", new[] { 3, 10, 12 }, new ConvCase(5, 3), NormOf: new(Layer.LayerNorm, Shape: new[] { 8, 10 }), Activation: Layer.Tanh, Batch: 1),
        new("conv_ln_w_nobias_avgpool", new[] { 2, 6, 16 }, new ConvCase(4, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 16 }, Bias: false), Activation: Layer.ReLU, Pool: new PoolCase(Layer.AvgPool2d, 2)),
        new("conv_ln_noaffine", new[] { 3, 6, 10 }, new ConvCase(4, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Affine: false, Shape: new[] { 6, 10 })),
        new("conv_bn_train_cumulative", new[] { 3, 9, 10 }, new ConvCase(6, 3, Padding: 1), NormOf: new(Layer.BatchNorm2d, Cumulative: true), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool2d, 2), Training: true),
        new("conv3d_bn_relu", new[] { 2, 5, 6, 10 }, new ConvCase(4, 3, Padding: 1), Rank: 3, Norm: true, Activation: Layer.ReLU),
        new("conv3d_bn_batchstats_maxpool", new[] { 2, 4, 6, 9 }, new ConvCase(4, 3, Padding: 1), Rank: 3, NormOf: new(Layer.BatchNorm3d, Track: false), Activation: Layer.ReLU, Pool: new PoolCase(Layer.MaxPool3d, 2)),
        new("conv3d_in_affine_b1", new[] { 3, 5, 6, 12 }, new ConvCase(4, 3), Rank: 3, NormOf: new(Layer.InstanceNorm3d, Affine: true, Track: false), Activation: Layer.SiLU, Batch: 1),
        new("conv3d_gn_gelu", new[] { 2, 4, 5, 10 }, new ConvCase(6, 3, Padding: 1), Rank: 3, NormOf: new(Layer.GroupNorm, Groups: 3), Activation: Layer.GELU),
        new("conv3d_ln_avgpool_b1", new[] { 2, 4, 5, 9 }, new ConvCase(3, 2), Rank: 3, NormOf: new(Layer.LayerNorm, Shape: new[] { 3, 4, 8 }), Activation: Layer.ReLU, Pool: new PoolCase(Layer.AvgPool3d, 2, 1), Batch: 1),
        new("conv3d_bn_train", new[] { 2, 4, 4, 9 }, new ConvCase(3, 3, Padding: 1), Rank: 3, NormOf: new(Layer.BatchNorm3d, Momentum: 0.3), Batch: 2, Training: true),
        new("linear_bn1d_batchstats", new[] { 12 }, LinearOut: 10, NormOf: new(Layer.BatchNorm1d, Track: false), Activation: Layer.ReLU, Batch: 6),
        new("linear_ln_gelu", new[] { 20 }, LinearOut: 16, NormOf: new(Layer.LayerNorm, Shape: new[] { 16 }), Activation: Layer.GELU, Batch: 3),
        new("linear_bn1d_train", new[] { 9 }, LinearOut: 11, NormOf: new(Layer.BatchNorm1d), Activation: Layer.ReLU, Batch: 5, Training: true),

        // Classifier heads: global average pooling (AdaptiveAvgPool2d(1)) fused into a conv chain (the flat Vector512 plane
        // of 14×14, and a GroupNorm chain that pools after its normalize step), then a Linear over (C, 1, 1).
        new("conv_bn_relu_gap", new[] { 8, 14, 14 }, new ConvCase(16, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1)),
        new("conv_gn_silu_gap_b1", new[] { 4, 9, 11 }, new ConvCase(12, 3, Padding: 1), NormOf: new(Layer.GroupNorm, Groups: 3), Activation: Layer.SiLU, Pool: new PoolCase(Layer.AdaptiveAvgPool2d, 1), Batch: 1),
        new("linear_head_gap", new[] { 32, 1, 1 }, LinearOut: 10, Batch: 3),
        new("linear_softmax", new[] { 24, 1, 1 }, LinearOut: 40, Activation: Layer.Softmax, Batch: 7),
        new("linear_bn1d_softmax_b1", new[] { 12 }, LinearOut: 9, Norm: true, Activation: Layer.Softmax, Batch: 1),

        // Prologues: what a conv applies as it reads its input (padding layers, padding_mode, Upsample), in the copy its kernels read.
        new("reflect_conv_in_relu", new[] { 3, 11, 13 }, new ConvCase(8, 5), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ReflectionPad2d, Padding: new[] { 2 })),
        new("reflect_tuple_conv_zero_pad", new[] { 3, 9, 12 }, new ConvCase(6, 3, Padding: 1), Norm: true, Activation: Layer.ReLU, Batch: 3,
            Prologue: new(Pad: Layer.ReflectionPad2d, Padding: new[] { 1, 2, 0, 3 })),
        new("replicate_pad_conv_s2_in", new[] { 4, 16, 40 }, new ConvCase(12, 3, Stride: 2), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU,
            Prologue: new(Pad: Layer.ReplicationPad2d, Padding: new[] { 1 })),
        new("zeropad_conv_k2_s2_b1", new[] { 3, 9, 11 }, new ConvCase(5, 2, Stride: 2), Activation: Layer.SiLU, Batch: 1,
            Prologue: new(Pad: Layer.ZeroPad2d, Padding: new[] { 0, 1, 0, 1 })),
        new("conv_reflect_mode_bn_silu", new[] { 3, 9, 20 }, new ConvCase(8, 3, Padding: 1, Mode: PaddingMode.Reflect), Norm: true, Activation: Layer.SiLU),
        new("conv_replicate_mode_flat_b1", new[] { 8, 14, 14 }, new ConvCase(16, 3, Padding: 1, Mode: PaddingMode.Replicate), Norm: true, Activation: Layer.ReLU, Batch: 1),
        new("conv_circular_mode", new[] { 3, 7, 10 }, new ConvCase(6, 3, Padding: 2, Mode: PaddingMode.Circular), Activation: Layer.Tanh),
        new("conv1d_reflect_mode", new[] { 3, 20 }, new ConvCase(6, 5, Padding: 2, Mode: PaddingMode.Reflect), Rank: 1, Norm: true, Activation: Layer.ReLU),
        new("conv3d_replicate_mode", new[] { 2, 4, 5, 9 }, new ConvCase(4, 3, Padding: 1, Mode: PaddingMode.Replicate), Rank: 3, Norm: true),
        new("upsample_reflect_conv_in_relu", new[] { 4, 7, 9 }, new ConvCase(8, 3), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU,
            Prologue: new(Scale: 2, Pad: Layer.ReflectionPad2d, Padding: new[] { 1 })),
        new("upsample_bilinear_conv_relu", new[] { 3, 5, 7 }, new ConvCase(6, 3, Padding: 1), Activation: Layer.ReLU, Prologue: new(Scale: 2, Mode: UpsampleMode.Bilinear)),
        new("upsample_nearest3_conv_b1", new[] { 2, 4, 5 }, new ConvCase(4, 3, Padding: 1), Norm: true, Batch: 1, Prologue: new(Scale: 3)),
        new("upsample_bilinear_corners_replicate", new[] { 2, 6, 5 }, new ConvCase(5, 3), Activation: Layer.ReLU,
            Prologue: new(Scale: 2, Mode: UpsampleMode.Bilinear, AlignCorners: true, Pad: Layer.ReplicationPad2d, Padding: new[] { 1 })),
    };

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });
    public static ChainCase Get(string name) => All.Single(c => c.Name == name);
}

/// <summary>
/// Chains whose conv has PyTorch's per-dim tuples (kernel_size=(1, 7), stride=(2, 1), …), with PyTorch goldens
/// (tools/GoldenGen 'tuples', seeds 1500 on; a list of their own so the other chain goldens are not rewritten).
/// </summary>
public static class TupleCases
{
    public static readonly ChainCase[] All =
    {
        // Inception's factorized 7×7: (1, 7) padding (0, 3), then (7, 1) padding (3, 0), with BatchNorm + ReLU.
        new("tuple_k1x7_p0x3_bn_relu", new[] { 6, 9, 20 }, new ConvCase(12, 0, Kernels: new[] { 1, 7 }, Paddings: new[] { 0, 3 }), Norm: true, Activation: Layer.ReLU),
        new("tuple_k7x1_p3x0_bn_relu", new[] { 5, 17, 12 }, new ConvCase(10, 0, Kernels: new[] { 7, 1 }, Paddings: new[] { 3, 0 }), Norm: true, Activation: Layer.ReLU, Batch: 3),
        // The flat Vector512 plane (14 columns) with a (1, 7) window, batch 1.
        new("tuple_k1x7_flat_b1", new[] { 8, 14, 14 }, new ConvCase(16, 0, Kernels: new[] { 1, 7 }, Paddings: new[] { 0, 3 }), Norm: true, Activation: Layer.ReLU, Batch: 1),
        // Strides per dim: rows stride 2 with unit column stride (no column phases), and the other way round (phases of 2), with GroupNorm.
        new("tuple_s2x1_bn_relu6_maxpool", new[] { 4, 13, 24 }, new ConvCase(8, 3, Padding: 1, Strides: new[] { 2, 1 }), Norm: true, Activation: Layer.ReLU6, Pool: new PoolCase(Layer.MaxPool2d, 2)),
        new("tuple_s1x2_gn_silu", new[] { 4, 7, 37 }, new ConvCase(8, 3, Strides: new[] { 1, 2 }, Paddings: new[] { 1, 0 }), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.SiLU),
        // Dilation (1, 2) with padding (1, 2), InstanceNorm (statistics per sample) and batch 3.
        new("tuple_d1x2_p1x2_in_relu", new[] { 3, 10, 21 }, new ConvCase(8, 3, Paddings: new[] { 1, 2 }, Dilations: new[] { 1, 2 }), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.ReLU, Batch: 3),
        // Per-dim padding in padding_mode 'reflect': the prologue pads rows and columns differently.
        new("tuple_k1x5_reflect_p0x2", new[] { 3, 6, 19 }, new ConvCase(8, 0, Kernels: new[] { 1, 5 }, Paddings: new[] { 0, 2 }, Mode: PaddingMode.Reflect), Norm: true, Activation: Layer.Tanh),
        // R(2+1)D: a (1, 3, 3) spatial conv and a (3, 1, 1) temporal conv.
        new("tuple_conv3d_k1x3x3_bn_relu", new[] { 3, 4, 8, 12 }, new ConvCase(8, 0, Kernels: new[] { 1, 3, 3 }, Paddings: new[] { 0, 1, 1 }), Rank: 3, Norm: true, Activation: Layer.ReLU),
        new("tuple_conv3d_k3x1x1_s2x1x1_gn", new[] { 4, 7, 5, 10 }, new ConvCase(6, 0, Kernels: new[] { 3, 1, 1 }, Strides: new[] { 2, 1, 1 }, Paddings: new[] { 1, 0, 0 }), Rank: 3, NormOf: new(Layer.GroupNorm, Groups: 3), Activation: Layer.GELU),
        // Conv1d written with one-entry tuples: the same conv as KernelSize = 5, Stride = 2, Padding = 2.
        new("tuple_conv1d_k5_s2", new[] { 3, 29 }, new ConvCase(8, 0, Kernels: new[] { 5 }, Strides: new[] { 2 }, Paddings: new[] { 2 }), Rank: 1, Norm: true, Activation: Layer.ReLU),
    };

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });
    public static ChainCase Get(string name) => All.Single(c => c.Name == name);
}
