// torchvision's resnet18, declared once for the Sample (`dotnet run --project Sample -c Release -- resnet`) and for
// Generator.Tests' ResNet18Tests, which compiles this file against libtorch's output.
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>torchvision.models.resnet18 in eval mode, one chain per conv (BatchNorm folded), by its state_dict names.</summary>
[Model(3, 224, 224)]
public sealed partial class ResNet18
{
    // conv1 → bn1 → relu → maxpool: 3×224×224 → 64×112×112 → 64×56×56
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(64, KernelSize = 7, Stride = 2, Padding = 3, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")] [MaxPool2d(KernelSize = 3, Stride = 2, Padding = 1)]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    // layer1.0: BasicBlock, identity shortcut → 64×56×56
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Name = "layer1.0.conv1")] [BatchNorm(Name = "layer1.0.bn1")]
    public partial void L1B0Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = nameof(Stem))]
    [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Name = "layer1.0.conv2")] [BatchNorm(Name = "layer1.0.bn2")]
    public partial void L1B0Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer1.1: BasicBlock, identity shortcut → 64×56×56
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Name = "layer1.1.conv1")] [BatchNorm(Name = "layer1.1.bn1")]
    public partial void L1B1Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = nameof(L1B0Conv2))]
    [Conv2d(64, KernelSize = 3, Padding = 1, Bias = false, Name = "layer1.1.conv2")] [BatchNorm(Name = "layer1.1.bn2")]
    public partial void L1B1Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer2.0: BasicBlock with a projection shortcut, stride 2 → 128×28×28
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(128, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "layer2.0.conv1")] [BatchNorm(Name = "layer2.0.bn1")]
    public partial void L2B0Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(L1B1Conv2))]
    [Conv2d(128, KernelSize = 1, Stride = 2, Bias = false, Name = "layer2.0.downsample.0")] [BatchNorm(Name = "layer2.0.downsample.1")]
    public partial void L2B0Downsample(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(L2B0Conv1), Skip = nameof(L2B0Downsample))]
    [Conv2d(128, KernelSize = 3, Padding = 1, Bias = false, Name = "layer2.0.conv2")] [BatchNorm(Name = "layer2.0.bn2")]
    public partial void L2B0Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer2.1: BasicBlock, identity shortcut → 128×28×28
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(128, KernelSize = 3, Padding = 1, Bias = false, Name = "layer2.1.conv1")] [BatchNorm(Name = "layer2.1.bn1")]
    public partial void L2B1Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = nameof(L2B0Conv2))]
    [Conv2d(128, KernelSize = 3, Padding = 1, Bias = false, Name = "layer2.1.conv2")] [BatchNorm(Name = "layer2.1.bn2")]
    public partial void L2B1Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer3.0: BasicBlock with a projection shortcut, stride 2 → 256×14×14
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(256, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "layer3.0.conv1")] [BatchNorm(Name = "layer3.0.bn1")]
    public partial void L3B0Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(L2B1Conv2))]
    [Conv2d(256, KernelSize = 1, Stride = 2, Bias = false, Name = "layer3.0.downsample.0")] [BatchNorm(Name = "layer3.0.downsample.1")]
    public partial void L3B0Downsample(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(L3B0Conv1), Skip = nameof(L3B0Downsample))]
    [Conv2d(256, KernelSize = 3, Padding = 1, Bias = false, Name = "layer3.0.conv2")] [BatchNorm(Name = "layer3.0.bn2")]
    public partial void L3B0Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer3.1: BasicBlock, identity shortcut → 256×14×14
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(256, KernelSize = 3, Padding = 1, Bias = false, Name = "layer3.1.conv1")] [BatchNorm(Name = "layer3.1.bn1")]
    public partial void L3B1Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Skip = nameof(L3B0Conv2))]
    [Conv2d(256, KernelSize = 3, Padding = 1, Bias = false, Name = "layer3.1.conv2")] [BatchNorm(Name = "layer3.1.bn2")]
    public partial void L3B1Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer4.0: BasicBlock with a projection shortcut, stride 2 → 512×7×7
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(512, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "layer4.0.conv1")] [BatchNorm(Name = "layer4.0.bn1")]
    public partial void L4B0Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = nameof(L3B1Conv2))]
    [Conv2d(512, KernelSize = 1, Stride = 2, Bias = false, Name = "layer4.0.downsample.0")] [BatchNorm(Name = "layer4.0.downsample.1")]
    public partial void L4B0Downsample(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(L4B0Conv1), Skip = nameof(L4B0Downsample))]
    [Conv2d(512, KernelSize = 3, Padding = 1, Bias = false, Name = "layer4.0.conv2")] [BatchNorm(Name = "layer4.0.bn2")]
    public partial void L4B0Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // layer4.1: BasicBlock, identity shortcut → 512×7×7
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(512, KernelSize = 3, Padding = 1, Bias = false, Name = "layer4.1.conv1")] [BatchNorm(Name = "layer4.1.bn1")]
    public partial void L4B1Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    // ... + avgpool (AdaptiveAvgPool2d(1)) and torch.flatten(x, 1), fused: 512×7×7 → 512
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Layer.AdaptiveAvgPool2d, Layer.Flatten, Skip = nameof(L4B0Conv2))]
    [Conv2d(512, KernelSize = 3, Padding = 1, Bias = false, Name = "layer4.1.conv2")] [BatchNorm(Name = "layer4.1.bn2")]
    public partial void L4B1Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // fc: 512 → 1000 logits
    [Fuse(Layer.Linear)] [Linear(1000, Name = "fc")]
    public partial void Fc(ReadOnlySpan<float> x, Span<float> y, int batch);
}
