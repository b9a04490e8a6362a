using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm;

namespace FusedNorm.Benchmarks;

public delegate void ForwardFunction(ReadOnlySpan<float> x, Span<float> y, int batch);

public enum NormKind { None, BatchNorm, InstanceNorm, GroupNorm, LayerNormHW }
public enum ActKind { None, Relu, Relu6, Silu, Gelu }

/// <summary>
/// One conv chain: weights are named {Conv}.weight/.bias and {Norm}.weight/.bias/.running_*. MaxPool is the pool's
/// kernel size (0: no pool); PoolStride 0 means stride = kernel, as in PyTorch. Bias false: no {Conv}.bias.
/// </summary>
public sealed record ConvStage(string Conv, string Norm, int InC, int OutC, int K, int Pad, int Groups, NormKind NormKind, int NormGroups, ActKind Act, int MaxPool = 0,
    int Stride = 1, bool Bias = true, int PoolStride = 0, int PoolPad = 0, bool GlobalPool = false)
{
    /// <summary>The convolution's output size along one spatial axis of size <paramref name="n"/>.</summary>
    public int ConvOut(int n) => (n + 2 * Pad - K) / Stride + 1;

    /// <summary>The pool's output size (floor mode) for a conv output of size <paramref name="n"/>; n without a pool, 1 with the global average.</summary>
    public int PoolOut(int n) => GlobalPool ? 1 : MaxPool > 0 ? (n + 2 * PoolPad - MaxPool) / (PoolStride > 0 ? PoolStride : MaxPool) + 1 : n;
}
public sealed record LinearStage(string Linear, string Norm, int In, int Out, bool BatchNorm, ActKind Act);

/// <summary>A chain users run, described once: FusedNorm's generated model and the same graph for ONNX Runtime.</summary>
public sealed record Workload(string Name, int Batch, int[] Sample, object[] Stages, Func<SafeTensorsFile, ForwardFunction> Load)
{
    public int InputSize => Sample.Aggregate(1, (a, d) => a * d);

    /// <summary>Multiply-adds × 2 of the convolutions and linear layers (the norm, activation and pooling are not counted).</summary>
    public double Flops
    {
        get
        {
            double flops = 0;
            int c = Sample[0], h = Sample.Length > 1 ? Sample[1] : 1, w = Sample.Length > 2 ? Sample[2] : 1;
            foreach (object stage in Stages)
            {
                if (stage is ConvStage s)
                {
                    int oh = s.ConvOut(h), ow = s.ConvOut(w);
                    flops += 2.0 * Batch * s.OutC * oh * ow * (s.InC / s.Groups) * s.K * s.K;
                    (c, h, w) = (s.OutC, s.PoolOut(oh), s.PoolOut(ow));
                }
                else if (stage is LinearStage l)
                {
                    flops += 2.0 * Batch * l.In * l.Out;
                    (c, h, w) = (l.Out, 1, 1);
                }
            }
            return flops;
        }
    }

    public override string ToString() => Name;

    public static readonly Workload[] All =
    {
        new("resnet_conv3x3_bn_relu_56", 1, new[] { 64, 56, 56 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ResNet56(), f)),
        new("resnet_conv3x3_bn_relu_28", 1, new[] { 128, 28, 28 }, new object[] { new ConvStage("c", "n", 128, 128, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ResNet28(), f)),
        new("pointwise_conv1x1_bn_relu_56", 1, new[] { 64, 56, 56 }, new object[] { new ConvStage("c", "n", 64, 128, 1, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new Pointwise56(), f)),
        new("depthwise_conv3x3_bn_relu6_56", 1, new[] { 64, 56, 56 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 64, NormKind.BatchNorm, 0, ActKind.Relu6) }, f => LoadModel(new Depthwise56(), f)),
        new("unet_conv3x3_gn_silu_32", 1, new[] { 64, 32, 32 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.GroupNorm, 32, ActKind.Silu) }, f => LoadModel(new UNetGn32(), f)),
        new("style_conv3x3_in_relu_64", 1, new[] { 32, 64, 64 }, new object[] { new ConvStage("c", "n", 32, 32, 3, 1, 1, NormKind.InstanceNorm, 0, ActKind.Relu) }, f => LoadModel(new StyleIn64(), f)),
        new("conv3x3_ln_gelu_32", 1, new[] { 32, 32, 32 }, new object[] { new ConvStage("c", "n", 32, 32, 3, 1, 1, NormKind.LayerNormHW, 0, ActKind.Gelu) }, f => LoadModel(new ConvLn32(), f)),
        new("linear_bn1d_relu_b64", 64, new[] { 512 }, new object[] { new LinearStage("c", "n", 512, 256, true, ActKind.Relu) }, f => LoadModel(new LinearBn(), f)),
        // First layers: a 3-channel image in, large kernels, strides (today's generator unrolls these past the JIT's IL limit).
        new("resnet_stem_conv7x7s2_bn_relu_maxpool_224", 1, new[] { 3, 224, 224 }, new object[] { new ConvStage("c", "n", 3, 64, 7, 3, 1, NormKind.BatchNorm, 0, ActKind.Relu,
            MaxPool: 3, Stride: 2, Bias: false, PoolStride: 2, PoolPad: 1) }, f => LoadModel(new ResNetStem224(), f)),
        new("style_conv9x9_in_relu_256", 1, new[] { 3, 256, 256 }, new object[] { new ConvStage("c", "n", 3, 32, 9, 4, 1, NormKind.InstanceNorm, 0, ActKind.Relu) },
            f => LoadModel(new StyleFirst256(), f)),
        new("alexnet_conv11x11s4_bn_relu_224", 1, new[] { 3, 224, 224 }, new object[] { new ConvStage("c", "n", 3, 64, 11, 2, 1, NormKind.BatchNorm, 0, ActKind.Relu, Stride: 4) },
            f => LoadModel(new AlexNetConv1(), f)),
        new("lenet_bn_b1", 1, new[] { 3, 32, 32 }, LeNetStages, f => LoadModel(new FusedNorm.Sample.LeNetBn(), f)),
        new("lenet_bn_b64", 64, new[] { 3, 32, 32 }, LeNetStages, f => LoadModel(new FusedNorm.Sample.LeNetBn(), f)),
        // ResNet layer3's 3×3 block (256 channels on 14²): with the 56² and 28² rows, the three shapes Winograd F(4×4, 3×3) targets.
        new("resnet_conv3x3_bn_relu_14", 1, new[] { 256, 14, 14 }, new object[] { new ConvStage("c", "n", 256, 256, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ResNet14(), f)),
        // ResNet-18's layer4.0.conv1: 3×3 stride 2 from 14² to 7², 256 → 512 (the strided flat kernel keeps 49 of 199 positions).
        // ResNet-18's layer2.0.conv1 (64 → 128, 3×3 stride 2, 56² → 28²): rows of 28 columns, which the Vector512 row kernel
        // computed as 32; now flat over the polyphase copy (816 positions for 784).
        new("resnet_conv3x3s2_bn_relu_56to28", 1, new[] { 64, 56, 56 }, new object[] { new ConvStage("c", "n", 64, 128, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu, Stride: 2) }, f => LoadModel(new ResNetDown56(), f)),
        new("resnet_conv3x3s2_bn_relu_14to7", 1, new[] { 256, 14, 14 }, new object[] { new ConvStage("c", "n", 256, 512, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu, Stride: 2) }, f => LoadModel(new ResNetDown14(), f)),
        // ResNet-18/34's layer4 3×3 conv (512 → 512 on 7², BN, ReLU): 9.4 MB of weights for 49 positions, the plane the
        // flat kernel computes as 64 and the lane kernel keeps whole.
        new("resnet_conv3x3_bn_relu_512_7", 1, new[] { 512, 7, 7 }, new object[] { new ConvStage("c", "n", 512, 512, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ResNet7(), f)),
        // MobileNetV2 224²'s features.14 depthwise conv (576 channels, 3×3 stride 2 from 14² to 7²) and features.17's
        // projection (1×1, 960 → 320 on 7², BN, no activation): the two layer kinds furthest behind ORT in its profile.
        new("mobilenet_dw3x3s2_bn_relu6_14to7", 1, new[] { 576, 14, 14 }, new object[] { new ConvStage("c", "n", 576, 576, 3, 1, 576, NormKind.BatchNorm, 0, ActKind.Relu6, Stride: 2, Bias: false) }, f => LoadModel(new MobileDepthwise14(), f)),
        new("mobilenet_conv1x1_bn_960to320_7", 1, new[] { 960, 7, 7 }, new object[] { new ConvStage("c", "n", 960, 320, 1, 0, 1, NormKind.BatchNorm, 0, ActKind.None, Bias: false) }, f => LoadModel(new MobileProject7(), f)),
        // MobileNetV2's head (1×1, 320 → 1280, BN, ReLU6, global average pool) at 224² (7² planes) and 96² (3²: rows
        // narrower than a Vector256); ResNet's classifier head has the same global average after its last conv.
        new("mobilenet_head_conv1x1_gap_7", 1, new[] { 320, 7, 7 }, new object[] { new ConvStage("c", "n", 320, 1280, 1, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu6, Bias: false, GlobalPool: true) }, f => LoadModel(new MobileHead7(), f)),
        new("mobilenet_head_conv1x1_gap_3", 1, new[] { 320, 3, 3 }, new object[] { new ConvStage("c", "n", 320, 1280, 1, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu6, Bias: false, GlobalPool: true) }, f => LoadModel(new MobileHead3(), f)),
        // The plan runs the three resnet_conv3x3 rows above as Winograd F(4×4, 3×3) (their GFLOP/s count the direct
        // convolution's FLOPs); the same three blocks with Winograd = false keep the direct kernel beside them.
        new("direct_conv3x3_bn_relu_56", 1, new[] { 64, 56, 56 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new Direct56(), f)),
        new("direct_conv3x3_bn_relu_28", 1, new[] { 128, 28, 28 }, new object[] { new ConvStage("c", "n", 128, 128, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new Direct28(), f)),
        new("direct_conv3x3_bn_relu_14", 1, new[] { 256, 14, 14 }, new object[] { new ConvStage("c", "n", 256, 256, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new Direct14(), f)),
        // The norm blocks (their 3×3 convs run as Winograd since the statistics chains take it) with Winograd = false: the direct kernel beside them.
        new("direct_conv3x3_gn_silu_32", 1, new[] { 64, 32, 32 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.GroupNorm, 32, ActKind.Silu) }, f => LoadModel(new DirectGn32(), f)),
        new("direct_conv3x3_in_relu_64", 1, new[] { 32, 64, 64 }, new object[] { new ConvStage("c", "n", 32, 32, 3, 1, 1, NormKind.InstanceNorm, 0, ActKind.Relu) }, f => LoadModel(new DirectIn64(), f)),
        new("direct_conv3x3_ln_gelu_32", 1, new[] { 32, 32, 32 }, new object[] { new ConvStage("c", "n", 32, 32, 3, 1, 1, NormKind.LayerNormHW, 0, ActKind.Gelu) }, f => LoadModel(new DirectLn32(), f)),
    };

    /// <summary>
    /// Shapes from networks this repo does not benchmark (ResNeXt, ConvNeXt, EfficientNet, ResNet-50, odd planes, channel
    /// counts that are not a multiple of 16, few channels on a large plane), for <c>probe</c> and <c>profile</c> only (not in
    /// the BenchmarkDotNet table): a scan for cliffs outside the shapes the kernels were measured on.
    /// </summary>
    public static readonly Workload[] Scan =
    {
        new("scan_resnext_grouped3x3_g32_28", 1, new[] { 128, 28, 28 }, new object[] { new ConvStage("c", "n", 128, 128, 3, 1, 32, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ScanGrouped28(), f)),
        new("scan_convnext_dw7x7_gelu_56", 1, new[] { 96, 56, 56 }, new object[] { new ConvStage("c", "n", 96, 96, 7, 3, 96, NormKind.BatchNorm, 0, ActKind.Gelu) }, f => LoadModel(new ScanDw7x7(), f)),
        new("scan_dw7x7_relu_56", 1, new[] { 96, 56, 56 }, new object[] { new ConvStage("c", "n", 96, 96, 7, 3, 96, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ScanDw7x7Relu(), f)),
        new("scan_dw3x3_relu6_28", 1, new[] { 192, 28, 28 }, new object[] { new ConvStage("c", "n", 192, 192, 3, 1, 192, NormKind.BatchNorm, 0, ActKind.Relu6, Bias: false) }, f => LoadModel(new ScanDw3x3At28(), f)),
        new("scan_dw3x3_relu6_112", 1, new[] { 32, 112, 112 }, new object[] { new ConvStage("c", "n", 32, 32, 3, 1, 32, NormKind.BatchNorm, 0, ActKind.Relu6, Bias: false) }, f => LoadModel(new ScanDw3x3At112(), f)),
        new("scan_dw5x5_silu_28", 1, new[] { 240, 28, 28 }, new object[] { new ConvStage("c", "n", 240, 240, 5, 2, 240, NormKind.BatchNorm, 0, ActKind.Silu, Bias: false) }, f => LoadModel(new ScanDw5x5At28(), f)),
        new("scan_dw5x5_relu_112", 1, new[] { 32, 112, 112 }, new object[] { new ConvStage("c", "n", 32, 32, 5, 2, 32, NormKind.BatchNorm, 0, ActKind.Relu, Bias: false) }, f => LoadModel(new ScanDw5x5At112(), f)),
        new("scan_effnet_dw5x5s2_silu_56to28", 1, new[] { 144, 56, 56 }, new object[] { new ConvStage("c", "n", 144, 144, 5, 2, 144, NormKind.BatchNorm, 0, ActKind.Silu, Stride: 2, Bias: false) }, f => LoadModel(new ScanDw5x5S2(), f)),
        new("scan_bottleneck_1x1_2048to512_7", 1, new[] { 2048, 7, 7 }, new object[] { new ConvStage("c", "n", 2048, 512, 1, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu, Bias: false) }, f => LoadModel(new ScanBottleneck7(), f)),
        new("scan_conv5x5_gn_silu_32", 1, new[] { 32, 32, 32 }, new object[] { new ConvStage("c", "n", 32, 32, 5, 2, 1, NormKind.GroupNorm, 8, ActKind.Silu) }, f => LoadModel(new ScanGn5x5(), f)),
        new("scan_conv3x3_bn_relu_odd_33", 1, new[] { 64, 33, 33 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ScanOdd33(), f)),
        new("scan_conv3x3_bn_relu_c24_56", 1, new[] { 24, 56, 56 }, new object[] { new ConvStage("c", "n", 24, 24, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ScanC24(), f)),
        new("scan_conv3x3s2_bn_relu_40to20", 1, new[] { 64, 40, 40 }, new object[] { new ConvStage("c", "n", 64, 64, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu, Stride: 2) }, f => LoadModel(new ScanS2Wide20(), f)),
        new("scan_conv3x3_in_relu_c8_128", 1, new[] { 8, 128, 128 }, new object[] { new ConvStage("c", "n", 8, 8, 3, 1, 1, NormKind.InstanceNorm, 0, ActKind.Relu) }, f => LoadModel(new ScanIn8(), f)),
        new("scan_conv3x3_bn_relu_b8_28", 8, new[] { 128, 28, 28 }, new object[] { new ConvStage("c", "n", 128, 128, 3, 1, 1, NormKind.BatchNorm, 0, ActKind.Relu) }, f => LoadModel(new ResNet28(), f)),
    };

    /// <summary>A workload of <see cref="All"/> or <see cref="Scan"/> by name.</summary>
    public static Workload Find(string name) =>
        All.Concat(Scan).SingleOrDefault(w => w.Name == name) ?? throw new ArgumentException($"No workload is named '{name}'.", nameof(name));

    private static object[] LeNetStages => new object[]
    {
        new ConvStage("conv1", "bn1", 3, 6, 5, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu, MaxPool: 2),
        new ConvStage("conv2", "bn2", 6, 16, 5, 0, 1, NormKind.BatchNorm, 0, ActKind.Relu, MaxPool: 2),
        new LinearStage("fc1", "bn3", 400, 120, true, ActKind.Relu),
        new LinearStage("fc2", "", 120, 84, false, ActKind.Relu),
        new LinearStage("fc3", "", 84, 5, false, ActKind.None),
    };

    private static ForwardFunction LoadModel(dynamic model, SafeTensorsFile weights)
    {
        model.LoadWeights(weights);
        return (ForwardFunction)Delegate.CreateDelegate(typeof(ForwardFunction), (object)model, "Forward");
    }
}

[Model(64, 56, 56)]
public sealed partial class ResNet56
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(64, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(128, 28, 28)]
public sealed partial class ResNet28
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(128, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 56, 56)]
public sealed partial class Pointwise56
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(128, KernelSize = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 56, 56)]
public sealed partial class Depthwise56
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)] [Conv2d(64, KernelSize = 3, Padding = 1, Groups = 64, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(576, 14, 14)]
public sealed partial class MobileDepthwise14
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)] [Conv2d(576, KernelSize = 3, Stride = 2, Padding = 1, Groups = 576, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(320, 7, 7)]
public sealed partial class MobileHead7
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d)] [Conv2d(1280, KernelSize = 1, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(320, 3, 3)]
public sealed partial class MobileHead3
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d)] [Conv2d(1280, KernelSize = 1, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(960, 7, 7)]
public sealed partial class MobileProject7
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)] [Conv2d(320, KernelSize = 1, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 32, 32)]
public sealed partial class UNetGn32
{
    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)] [Conv2d(64, KernelSize = 3, Padding = 1, Name = "c")] [GroupNorm(32, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 64, 64)]
public sealed partial class StyleIn64
{
    [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)] [Conv2d(32, KernelSize = 3, Padding = 1, Name = "c")] [InstanceNorm(Affine = true, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 32, 32)]
public sealed partial class ConvLn32
{
    [Fuse(Layer.Conv2d, Layer.LayerNorm, Layer.GELU)] [Conv2d(32, KernelSize = 3, Padding = 1, Name = "c")] [LayerNorm(32, 32, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

// torchvision resnet18..152: conv1 = Conv2d(3, 64, 7, stride 2, padding 3, bias=False), bn1, relu, maxpool(3, 2, 1). (3, 224, 224) -> (64, 56, 56).
[Model(3, 224, 224)]
public sealed partial class ResNetStem224
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(64, KernelSize = 7, Stride = 2, Padding = 3, Bias = false, Name = "c")] [BatchNorm(Name = "n")] [MaxPool2d(KernelSize = 3, Stride = 2, Padding = 1)]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);
}

// Fast neural style transfer (Johnson et al.; pytorch/examples TransformerNet): ConvLayer(3, 32, kernel 9, stride 1) (reflection
// padding 4 there, zero padding here), InstanceNorm2d(32, affine=True), ReLU. (3, 256, 256) -> (32, 256, 256).
[Model(3, 256, 256)]
public sealed partial class StyleFirst256
{
    [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)] [Conv2d(32, KernelSize = 9, Padding = 4, Name = "c")] [InstanceNorm(Affine = true, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

// torchvision alexnet: features[0] = Conv2d(3, 64, 11, stride 4, padding 2), with a BatchNorm (eval) added, ReLU. (3, 224, 224) -> (64, 55, 55).
[Model(3, 224, 224)]
public sealed partial class AlexNetConv1
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(64, KernelSize = 11, Stride = 4, Padding = 2, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(512)]
public sealed partial class LinearBn
{
    [Fuse(Layer.Linear, Layer.BatchNorm1d, Layer.ReLU)] [Linear(256, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 56, 56)]
public sealed partial class ResNetDown56
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(128, KernelSize = 3, Stride = 2, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(256, 14, 14)]
public sealed partial class ResNetDown14
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(512, KernelSize = 3, Stride = 2, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(256, 14, 14)]
public sealed partial class ResNet14
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(256, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(512, 7, 7)]
public sealed partial class ResNet7
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(512, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 32, 32)]
public sealed partial class DirectGn32
{
    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)] [Conv2d(64, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [GroupNorm(32, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 64, 64)]
public sealed partial class DirectIn64
{
    [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)] [Conv2d(32, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [InstanceNorm(Affine = true, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 32, 32)]
public sealed partial class DirectLn32
{
    [Fuse(Layer.Conv2d, Layer.LayerNorm, Layer.GELU)] [Conv2d(32, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [LayerNorm(32, 32, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 56, 56)]
public sealed partial class Direct56
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(64, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(128, 28, 28)]
public sealed partial class Direct28
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(128, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(256, 14, 14)]
public sealed partial class Direct14
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(256, KernelSize = 3, Padding = 1, Winograd = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(128, 28, 28)]
public sealed partial class ScanGrouped28
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(128, KernelSize = 3, Padding = 1, Groups = 32, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(96, 56, 56)]
public sealed partial class ScanDw7x7
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.GELU)] [Conv2d(96, KernelSize = 7, Padding = 3, Groups = 96, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(144, 56, 56)]
public sealed partial class ScanDw5x5S2
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.SiLU)] [Conv2d(144, KernelSize = 5, Stride = 2, Padding = 2, Groups = 144, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(2048, 7, 7)]
public sealed partial class ScanBottleneck7
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(512, KernelSize = 1, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 32, 32)]
public sealed partial class ScanGn5x5
{
    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)] [Conv2d(32, KernelSize = 5, Padding = 2, Name = "c")] [GroupNorm(8, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 33, 33)]
public sealed partial class ScanOdd33
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(64, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(24, 56, 56)]
public sealed partial class ScanC24
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(24, KernelSize = 3, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(64, 40, 40)]
public sealed partial class ScanS2Wide20
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(64, KernelSize = 3, Stride = 2, Padding = 1, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(8, 128, 128)]
public sealed partial class ScanIn8
{
    [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)] [Conv2d(8, KernelSize = 3, Padding = 1, Name = "c")] [InstanceNorm(Affine = true, Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(96, 56, 56)]
public sealed partial class ScanDw7x7Relu
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(96, KernelSize = 7, Padding = 3, Groups = 96, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(192, 28, 28)]
public sealed partial class ScanDw3x3At28
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)] [Conv2d(192, KernelSize = 3, Padding = 1, Groups = 192, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 112, 112)]
public sealed partial class ScanDw3x3At112
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)] [Conv2d(32, KernelSize = 3, Padding = 1, Groups = 32, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(240, 28, 28)]
public sealed partial class ScanDw5x5At28
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.SiLU)] [Conv2d(240, KernelSize = 5, Padding = 2, Groups = 240, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

[Model(32, 112, 112)]
public sealed partial class ScanDw5x5At112
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)] [Conv2d(32, KernelSize = 5, Padding = 2, Groups = 32, Bias = false, Name = "c")] [BatchNorm(Name = "n")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}
