// torchvision's mobilenet_v2 (width 1.0), declared once for the Sample (`dotnet run --project Sample -c Release -- mobilenet`)
// and for Generator.Tests' MobileNetV2Tests, which compiles this file against libtorch's output.
//
// One chain per convolution, its BatchNorm folded, named by the real state_dict keys. Every inverted residual block
// (features.1 … features.17) is written out below as 2 or 3 chains between two rule lines; the chains of a block differ
// from another block's only in channels, stride and the Skip, so a reusable block declaration can replace each group.
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>
/// torchvision.models.mobilenet_v2() in eval mode at 3×96×96: the stem, 17 inverted residual blocks, the 1280-channel
/// head with its AdaptiveAvgPool2d, and the classifier (Dropout(0.2), Linear(1280, 1000)).
/// </summary>
[Model(3, 96, 96)]
public sealed partial class MobileNetV2
{
    // features.0: Conv2dNormActivation(3, 32, stride 2): conv 3×3/2, BN, ReLU6 → 32×48×48
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
    [Conv2d(32, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "features.0.0")] [BatchNorm(Name = "features.0.1")]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.1: InvertedResidual(32 → 16, stride 1, expand 1) → 16×48×48 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 32 groups
    [Conv2d(32, KernelSize = 3, Padding = 1, Groups = 32, Bias = false, Name = "features.1.conv.0.0")] [BatchNorm(Name = "features.1.conv.0.1")]
    public partial void B1Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 32 → 16, linear bottleneck
    [Conv2d(16, KernelSize = 1, Bias = false, Name = "features.1.conv.1")] [BatchNorm(Name = "features.1.conv.2")]
    public partial void B1Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.2: InvertedResidual(16 → 24, stride 2, expand 6) → 24×24×24 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 16 → 96
    [Conv2d(96, KernelSize = 1, Bias = false, Name = "features.2.conv.0.0")] [BatchNorm(Name = "features.2.conv.0.1")]
    public partial void B2Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3/2: 96 groups
    [Conv2d(96, KernelSize = 3, Stride = 2, Padding = 1, Groups = 96, Bias = false, Name = "features.2.conv.1.0")] [BatchNorm(Name = "features.2.conv.1.1")]
    public partial void B2Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 96 → 24, linear bottleneck
    [Conv2d(24, KernelSize = 1, Bias = false, Name = "features.2.conv.2")] [BatchNorm(Name = "features.2.conv.3")]
    public partial void B2Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.3: InvertedResidual(24 → 24, stride 1, expand 6), residual → 24×24×24 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 24 → 144
    [Conv2d(144, KernelSize = 1, Bias = false, Name = "features.3.conv.0.0")] [BatchNorm(Name = "features.3.conv.0.1")]
    public partial void B3Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 144 groups
    [Conv2d(144, KernelSize = 3, Padding = 1, Groups = 144, Bias = false, Name = "features.3.conv.1.0")] [BatchNorm(Name = "features.3.conv.1.1")]
    public partial void B3Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B2Project))]   // project 1×1: 144 → 24, linear bottleneck + the block's input
    [Conv2d(24, KernelSize = 1, Bias = false, Name = "features.3.conv.2")] [BatchNorm(Name = "features.3.conv.3")]
    public partial void B3Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.4: InvertedResidual(24 → 32, stride 2, expand 6) → 32×12×12 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 24 → 144
    [Conv2d(144, KernelSize = 1, Bias = false, Name = "features.4.conv.0.0")] [BatchNorm(Name = "features.4.conv.0.1")]
    public partial void B4Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3/2: 144 groups
    [Conv2d(144, KernelSize = 3, Stride = 2, Padding = 1, Groups = 144, Bias = false, Name = "features.4.conv.1.0")] [BatchNorm(Name = "features.4.conv.1.1")]
    public partial void B4Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 144 → 32, linear bottleneck
    [Conv2d(32, KernelSize = 1, Bias = false, Name = "features.4.conv.2")] [BatchNorm(Name = "features.4.conv.3")]
    public partial void B4Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.5: InvertedResidual(32 → 32, stride 1, expand 6), residual → 32×12×12 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 32 → 192
    [Conv2d(192, KernelSize = 1, Bias = false, Name = "features.5.conv.0.0")] [BatchNorm(Name = "features.5.conv.0.1")]
    public partial void B5Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 192 groups
    [Conv2d(192, KernelSize = 3, Padding = 1, Groups = 192, Bias = false, Name = "features.5.conv.1.0")] [BatchNorm(Name = "features.5.conv.1.1")]
    public partial void B5Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B4Project))]   // project 1×1: 192 → 32, linear bottleneck + the block's input
    [Conv2d(32, KernelSize = 1, Bias = false, Name = "features.5.conv.2")] [BatchNorm(Name = "features.5.conv.3")]
    public partial void B5Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.6: InvertedResidual(32 → 32, stride 1, expand 6), residual → 32×12×12 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 32 → 192
    [Conv2d(192, KernelSize = 1, Bias = false, Name = "features.6.conv.0.0")] [BatchNorm(Name = "features.6.conv.0.1")]
    public partial void B6Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 192 groups
    [Conv2d(192, KernelSize = 3, Padding = 1, Groups = 192, Bias = false, Name = "features.6.conv.1.0")] [BatchNorm(Name = "features.6.conv.1.1")]
    public partial void B6Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B5Project))]   // project 1×1: 192 → 32, linear bottleneck + the block's input
    [Conv2d(32, KernelSize = 1, Bias = false, Name = "features.6.conv.2")] [BatchNorm(Name = "features.6.conv.3")]
    public partial void B6Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.7: InvertedResidual(32 → 64, stride 2, expand 6) → 64×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 32 → 192
    [Conv2d(192, KernelSize = 1, Bias = false, Name = "features.7.conv.0.0")] [BatchNorm(Name = "features.7.conv.0.1")]
    public partial void B7Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3/2: 192 groups
    [Conv2d(192, KernelSize = 3, Stride = 2, Padding = 1, Groups = 192, Bias = false, Name = "features.7.conv.1.0")] [BatchNorm(Name = "features.7.conv.1.1")]
    public partial void B7Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 192 → 64, linear bottleneck
    [Conv2d(64, KernelSize = 1, Bias = false, Name = "features.7.conv.2")] [BatchNorm(Name = "features.7.conv.3")]
    public partial void B7Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.8: InvertedResidual(64 → 64, stride 1, expand 6), residual → 64×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 64 → 384
    [Conv2d(384, KernelSize = 1, Bias = false, Name = "features.8.conv.0.0")] [BatchNorm(Name = "features.8.conv.0.1")]
    public partial void B8Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 384 groups
    [Conv2d(384, KernelSize = 3, Padding = 1, Groups = 384, Bias = false, Name = "features.8.conv.1.0")] [BatchNorm(Name = "features.8.conv.1.1")]
    public partial void B8Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B7Project))]   // project 1×1: 384 → 64, linear bottleneck + the block's input
    [Conv2d(64, KernelSize = 1, Bias = false, Name = "features.8.conv.2")] [BatchNorm(Name = "features.8.conv.3")]
    public partial void B8Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.9: InvertedResidual(64 → 64, stride 1, expand 6), residual → 64×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 64 → 384
    [Conv2d(384, KernelSize = 1, Bias = false, Name = "features.9.conv.0.0")] [BatchNorm(Name = "features.9.conv.0.1")]
    public partial void B9Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 384 groups
    [Conv2d(384, KernelSize = 3, Padding = 1, Groups = 384, Bias = false, Name = "features.9.conv.1.0")] [BatchNorm(Name = "features.9.conv.1.1")]
    public partial void B9Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B8Project))]   // project 1×1: 384 → 64, linear bottleneck + the block's input
    [Conv2d(64, KernelSize = 1, Bias = false, Name = "features.9.conv.2")] [BatchNorm(Name = "features.9.conv.3")]
    public partial void B9Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.10: InvertedResidual(64 → 64, stride 1, expand 6), residual → 64×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 64 → 384
    [Conv2d(384, KernelSize = 1, Bias = false, Name = "features.10.conv.0.0")] [BatchNorm(Name = "features.10.conv.0.1")]
    public partial void B10Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 384 groups
    [Conv2d(384, KernelSize = 3, Padding = 1, Groups = 384, Bias = false, Name = "features.10.conv.1.0")] [BatchNorm(Name = "features.10.conv.1.1")]
    public partial void B10Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B9Project))]   // project 1×1: 384 → 64, linear bottleneck + the block's input
    [Conv2d(64, KernelSize = 1, Bias = false, Name = "features.10.conv.2")] [BatchNorm(Name = "features.10.conv.3")]
    public partial void B10Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.11: InvertedResidual(64 → 96, stride 1, expand 6) → 96×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 64 → 384
    [Conv2d(384, KernelSize = 1, Bias = false, Name = "features.11.conv.0.0")] [BatchNorm(Name = "features.11.conv.0.1")]
    public partial void B11Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 384 groups
    [Conv2d(384, KernelSize = 3, Padding = 1, Groups = 384, Bias = false, Name = "features.11.conv.1.0")] [BatchNorm(Name = "features.11.conv.1.1")]
    public partial void B11Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 384 → 96, linear bottleneck
    [Conv2d(96, KernelSize = 1, Bias = false, Name = "features.11.conv.2")] [BatchNorm(Name = "features.11.conv.3")]
    public partial void B11Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.12: InvertedResidual(96 → 96, stride 1, expand 6), residual → 96×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 96 → 576
    [Conv2d(576, KernelSize = 1, Bias = false, Name = "features.12.conv.0.0")] [BatchNorm(Name = "features.12.conv.0.1")]
    public partial void B12Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 576 groups
    [Conv2d(576, KernelSize = 3, Padding = 1, Groups = 576, Bias = false, Name = "features.12.conv.1.0")] [BatchNorm(Name = "features.12.conv.1.1")]
    public partial void B12Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B11Project))]   // project 1×1: 576 → 96, linear bottleneck + the block's input
    [Conv2d(96, KernelSize = 1, Bias = false, Name = "features.12.conv.2")] [BatchNorm(Name = "features.12.conv.3")]
    public partial void B12Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.13: InvertedResidual(96 → 96, stride 1, expand 6), residual → 96×6×6 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 96 → 576
    [Conv2d(576, KernelSize = 1, Bias = false, Name = "features.13.conv.0.0")] [BatchNorm(Name = "features.13.conv.0.1")]
    public partial void B13Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 576 groups
    [Conv2d(576, KernelSize = 3, Padding = 1, Groups = 576, Bias = false, Name = "features.13.conv.1.0")] [BatchNorm(Name = "features.13.conv.1.1")]
    public partial void B13Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B12Project))]   // project 1×1: 576 → 96, linear bottleneck + the block's input
    [Conv2d(96, KernelSize = 1, Bias = false, Name = "features.13.conv.2")] [BatchNorm(Name = "features.13.conv.3")]
    public partial void B13Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.14: InvertedResidual(96 → 160, stride 2, expand 6) → 160×3×3 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 96 → 576
    [Conv2d(576, KernelSize = 1, Bias = false, Name = "features.14.conv.0.0")] [BatchNorm(Name = "features.14.conv.0.1")]
    public partial void B14Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3/2: 576 groups
    [Conv2d(576, KernelSize = 3, Stride = 2, Padding = 1, Groups = 576, Bias = false, Name = "features.14.conv.1.0")] [BatchNorm(Name = "features.14.conv.1.1")]
    public partial void B14Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 576 → 160, linear bottleneck
    [Conv2d(160, KernelSize = 1, Bias = false, Name = "features.14.conv.2")] [BatchNorm(Name = "features.14.conv.3")]
    public partial void B14Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ──── features.15: InvertedResidual(160 → 160, stride 1, expand 6), residual → 160×3×3 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 160 → 960
    [Conv2d(960, KernelSize = 1, Bias = false, Name = "features.15.conv.0.0")] [BatchNorm(Name = "features.15.conv.0.1")]
    public partial void B15Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 960 groups
    [Conv2d(960, KernelSize = 3, Padding = 1, Groups = 960, Bias = false, Name = "features.15.conv.1.0")] [BatchNorm(Name = "features.15.conv.1.1")]
    public partial void B15Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B14Project))]   // project 1×1: 960 → 160, linear bottleneck + the block's input
    [Conv2d(160, KernelSize = 1, Bias = false, Name = "features.15.conv.2")] [BatchNorm(Name = "features.15.conv.3")]
    public partial void B15Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.16: InvertedResidual(160 → 160, stride 1, expand 6), residual → 160×3×3 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 160 → 960
    [Conv2d(960, KernelSize = 1, Bias = false, Name = "features.16.conv.0.0")] [BatchNorm(Name = "features.16.conv.0.1")]
    public partial void B16Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 960 groups
    [Conv2d(960, KernelSize = 3, Padding = 1, Groups = 960, Bias = false, Name = "features.16.conv.1.0")] [BatchNorm(Name = "features.16.conv.1.1")]
    public partial void B16Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Skip = nameof(B15Project))]   // project 1×1: 960 → 160, linear bottleneck + the block's input
    [Conv2d(160, KernelSize = 1, Bias = false, Name = "features.16.conv.2")] [BatchNorm(Name = "features.16.conv.3")]
    public partial void B16Project(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // ──── features.17: InvertedResidual(160 → 320, stride 1, expand 6) → 320×3×3 ────
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // expand 1×1: 160 → 960
    [Conv2d(960, KernelSize = 1, Bias = false, Name = "features.17.conv.0.0")] [BatchNorm(Name = "features.17.conv.0.1")]
    public partial void B17Expand(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]   // depthwise 3×3: 960 groups
    [Conv2d(960, KernelSize = 3, Padding = 1, Groups = 960, Bias = false, Name = "features.17.conv.1.0")] [BatchNorm(Name = "features.17.conv.1.1")]
    public partial void B17Depthwise(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d)]   // project 1×1: 960 → 320, linear bottleneck
    [Conv2d(320, KernelSize = 1, Bias = false, Name = "features.17.conv.2")] [BatchNorm(Name = "features.17.conv.3")]
    public partial void B17Project(ReadOnlySpan<float> x, Span<float> y, int batch);

    // features.18: Conv2dNormActivation(320, 1280, 1×1), BN, ReLU6; then forward()'s adaptive_avg_pool2d(x, (1, 1)) and
    // torch.flatten(x, 1), fused: 320×3×3 → 1280
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d, Layer.Flatten)]
    [Conv2d(1280, KernelSize = 1, Bias = false, Name = "features.18.0")] [BatchNorm(Name = "features.18.1")]
    public partial void Head(ReadOnlySpan<float> x, Span<float> y, int batch);

    // classifier: Dropout(0.2) (a no-op in eval mode), Linear(1280, 1000) → 1000 logits
    [Fuse(Layer.Dropout, Layer.Linear)] [Linear(1000, Name = "classifier.1")]
    public partial void Classifier(ReadOnlySpan<float> x, Span<float> y, int batch);
}
