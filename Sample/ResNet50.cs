// torchvision's resnet50 declared with blocks; compiled by Generator.Tests' ResNet50Tests against libtorch's output at 3×64×64
// (ResNet is fully convolutional up to its adaptive average pool, so any input of at least 32×32 runs; change [Model] to 3, 224, 224 for ImageNet).
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>torchvision.models.resnet50 in eval mode: the stem, 16 <see cref="Bottleneck"/> uses and fc, by its state_dict names.</summary>
[Model(3, 64, 64)]
public sealed partial class ResNet50
{
    // conv1 → bn1 → relu → maxpool: 3×64×64 → 64×32×32 → 64×16×16
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(64, KernelSize = 7, Stride = 2, Padding = 3, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")] [MaxPool2d(KernelSize = 3, Stride = 2, Padding = 1)]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    // layerN = _make_layer(Bottleneck, planes, blocks, stride): the first block takes the stride and the downsample
    [Use<Bottleneck>("layer1.0", 64, 1, true)] [Use<Bottleneck>("layer1.1", 64)] [Use<Bottleneck>("layer1.2", 64)] partial void Layer1();
    [Use<Bottleneck>("layer2.0", 128, 2, true)] [Use<Bottleneck>("layer2.1", 128)] [Use<Bottleneck>("layer2.2", 128)] [Use<Bottleneck>("layer2.3", 128)] partial void Layer2();
    [Use<Bottleneck>("layer3.0", 256, 2, true)] [Use<Bottleneck>("layer3.1", 256)] [Use<Bottleneck>("layer3.2", 256)]
    [Use<Bottleneck>("layer3.3", 256)] [Use<Bottleneck>("layer3.4", 256)] [Use<Bottleneck>("layer3.5", 256)] partial void Layer3();
    // then avgpool (AdaptiveAvgPool2d(1)) + torch.flatten(x, 1), fused into layer4.2's last conv: 2048×2×2 → 2048
    [Use<Bottleneck>("layer4.0", 512, 2, true)] [Use<Bottleneck>("layer4.1", 512)]
    [Use<Bottleneck>("layer4.2", 512, Then = new[] { Layer.AdaptiveAvgPool2d, Layer.Flatten })] partial void Layer4();

    // fc: 2048 → 1000 logits
    [Fuse(Layer.Linear)] [Linear(1000, Name = "fc")]
    public partial void Fc(ReadOnlySpan<float> x, Span<float> y, int batch);
}

/// <summary>
/// torchvision.models.resnet.Bottleneck(inplanes, planes, stride=1, downsample=None), expansion 4: 1×1 → 3×3 (the stride
/// is on the 3×3, torchvision's "ResNet v1.5") → 1×1 to planes·4, plus the shortcut.
/// </summary>
[Block]
public sealed partial class Bottleneck
{
    const int Planes = 64, Stride = 1;
    const bool Downsample = false; // a 1×1 conv + BatchNorm shortcut (the first block of each stage)

    // out = relu(bn1(conv1(x)))
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(Planes, KernelSize = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
    partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    // out = relu(bn2(conv2(out)))
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(Planes, KernelSize = 3, Stride = Stride, Padding = 1, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
    partial void Conv2(ReadOnlySpan<float> x, Span<float> y, int batch);

    // identity = downsample(x), when there is one (else identity = x)
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = Graph.Input, When = nameof(Downsample))]
    [Conv2d(Planes * 4, KernelSize = 1, Stride = Stride, Bias = false, Name = "downsample.0")] [BatchNorm(Name = "downsample.1")]
    partial void Shortcut(ReadOnlySpan<float> x, Span<float> y, int batch);

    // out = relu(bn3(conv3(out)) + identity)
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(Conv2), Skip = nameof(Shortcut))]
    [Conv2d(Planes * 4, KernelSize = 1, Bias = false, Name = "conv3")] [BatchNorm(Name = "bn3")]
    partial void Conv3(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
}
