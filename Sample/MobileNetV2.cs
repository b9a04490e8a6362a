// torchvision's mobilenet_v2 (width 1.0), declared once for the Sample (`dotnet run --project Sample -c Release -- mobilenet`)
// and for Generator.Tests' MobileNetV2Tests, which compiles this file against libtorch's output.
//
// One chain per convolution, its BatchNorm folded, named by the real state_dict keys. The 17 inverted residual blocks
// (features.1 … features.17) are uses of one InvertedResidual block, as torchvision builds them from its
// inverted_residual_setting; each use gets kernels specialized to its own channels, stride and plane size.
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>
/// torchvision.models.mobilenet_v2() in eval mode at 3×96×96: the stem, 17 <see cref="InvertedResidual"/> uses, the
/// 1280-channel head with its AdaptiveAvgPool2d, and the classifier (Dropout(0.2), Linear(1280, 1000)).
/// </summary>
[Model(3, 96, 96)]
public sealed partial class MobileNetV2
{
    // features.0: Conv2dNormActivation(3, 32, stride 2): conv 3×3/2, BN, ReLU6 → 32×48×48
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
    [Conv2d(32, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "features.0.0")] [BatchNorm(Name = "features.0.1")]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    // features.1 … 17: InvertedResidual(in, out, stride, expand_ratio), by inverted_residual_setting
    // (t, c, n, s) = (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)
    [Use<InvertedResidual>("features.1", 32, 16, 1, 1)] partial void Stage1();                                         // → 16×48×48
    [Use<InvertedResidual>("features.2", 16, 24, 2, 6)] [Use<InvertedResidual>("features.3", 24, 24, 1, 6)] partial void Stage2(); // → 24×24×24
    [Use<InvertedResidual>("features.4", 24, 32, 2, 6)] [Use<InvertedResidual>("features.5", 32, 32, 1, 6)]
    [Use<InvertedResidual>("features.6", 32, 32, 1, 6)] partial void Stage3();                                         // → 32×12×12
    [Use<InvertedResidual>("features.7", 32, 64, 2, 6)] [Use<InvertedResidual>("features.8", 64, 64, 1, 6)]
    [Use<InvertedResidual>("features.9", 64, 64, 1, 6)] [Use<InvertedResidual>("features.10", 64, 64, 1, 6)] partial void Stage4(); // → 64×6×6
    [Use<InvertedResidual>("features.11", 64, 96, 1, 6)] [Use<InvertedResidual>("features.12", 96, 96, 1, 6)]
    [Use<InvertedResidual>("features.13", 96, 96, 1, 6)] partial void Stage5();                                        // → 96×6×6
    [Use<InvertedResidual>("features.14", 96, 160, 2, 6)] [Use<InvertedResidual>("features.15", 160, 160, 1, 6)]
    [Use<InvertedResidual>("features.16", 160, 160, 1, 6)] partial void Stage6();                                      // → 160×3×3
    [Use<InvertedResidual>("features.17", 160, 320, 1, 6)] partial void Stage7();                                      // → 320×3×3

    // features.18: Conv2dNormActivation(320, 1280, 1×1), BN, ReLU6; then forward()'s adaptive_avg_pool2d(x, (1, 1)) and
    // torch.flatten(x, 1), fused: 320×3×3 → 1280
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d, Layer.Flatten)]
    [Conv2d(1280, KernelSize = 1, Bias = false, Name = "features.18.0")] [BatchNorm(Name = "features.18.1")]
    public partial void Head(ReadOnlySpan<float> x, Span<float> y, int batch);

    // classifier: Dropout(0.2) (a no-op in eval mode), Linear(1280, 1000) → 1000 logits
    [Fuse(Layer.Dropout, Layer.Linear)] [Linear(1000, Name = "classifier.1")]
    public partial void Classifier(ReadOnlySpan<float> x, Span<float> y, int batch);
}

/// <summary>
/// torchvision.models.mobilenetv2.InvertedResidual(inp, oup, stride, expand_ratio): a 1×1 expansion (absent when the ratio
/// is 1), a 3×3 depthwise conv, and a linear 1×1 projection, which adds the block's input when the block keeps its shape
/// (torchvision's use_res_connect). Its state_dict keys follow torchvision's <c>conv</c> Sequential, whose indices shift
/// by one when there is no expansion.
/// </summary>
[Block]
public sealed partial class InvertedResidual
{
    const int In = 32, Out = 16, Stride = 1, ExpandRatio = 6;
    const int Hidden = In * ExpandRatio;                      // hidden_dim = round(inp * expand_ratio)
    const bool Expands = ExpandRatio != 1;
    const bool Residual = Stride == 1 && In == Out;           // use_res_connect

    // conv.0: Conv2dNormActivation(inp, hidden, 1×1), BN, ReLU6
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, When = nameof(Expands))]
    [Conv2d(Hidden, KernelSize = 1, Bias = false, Name = "conv.0.0")] [BatchNorm(Name = "conv.0.1")]
    partial void Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    // depthwise Conv2dNormActivation(hidden, hidden, 3×3, stride, groups = hidden), BN, ReLU6
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
    [Conv2d(Hidden, KernelSize = 3, Stride = Stride, Padding = 1, Groups = Hidden, Bias = false, Name = Expands ? "conv.1.0" : "conv.0.0")]
    [BatchNorm(Name = Expands ? "conv.1.1" : "conv.0.1")]
    partial void Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    // pw-linear: 1×1 hidden → oup, BN, no activation; + x when use_res_connect ...
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = Graph.Input, When = nameof(Residual))]
    [Conv2d(Out, KernelSize = 1, Bias = false, Name = Expands ? "conv.2" : "conv.1")] [BatchNorm(Name = Expands ? "conv.3" : "conv.2")]
    partial void ProjectAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ... and without the add otherwise
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(Depthwise), Unless = nameof(Residual))]
    [Conv2d(Out, KernelSize = 1, Bias = false, Name = Expands ? "conv.2" : "conv.1")] [BatchNorm(Name = Expands ? "conv.3" : "conv.2")]
    partial void Project(ReadOnlySpan<float> x, Span<float> y, int batch);
}
