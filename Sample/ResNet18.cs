// torchvision's resnet18, declared once for the Sample (`dotnet run --project Sample -c Release -- resnet`) and for
// Generator.Tests' ResNet18Tests, which compiles this file against libtorch's output.
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>torchvision.models.resnet18 in eval mode: the stem, eight <see cref="BasicBlock"/> uses and fc, by its state_dict names.</summary>
[Model(3, 224, 224)]
public sealed partial class ResNet18
{
    // conv1 → bn1 → relu → maxpool: 3×224×224 → 64×112×112 → 64×56×56
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(64, KernelSize = 7, Stride = 2, Padding = 3, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")] [MaxPool2d(KernelSize = 3, Stride = 2, Padding = 1)]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    // layer1..layer4 = _make_layer(BasicBlock, planes, 2, stride): BasicBlock(planes, stride, downsample)
    [Use<BasicBlock>("layer1.0", 64)] [Use<BasicBlock>("layer1.1", 64)] partial void Layer1();
    [Use<BasicBlock>("layer2.0", 128, 2, true)] [Use<BasicBlock>("layer2.1", 128)] partial void Layer2();
    [Use<BasicBlock>("layer3.0", 256, 2, true)] [Use<BasicBlock>("layer3.1", 256)] partial void Layer3();
    // ... and avgpool (AdaptiveAvgPool2d(1)) + torch.flatten(x, 1), fused into layer4.1's last conv: 512×7×7 → 512
    [Use<BasicBlock>("layer4.0", 512, 2, true)] [Use<BasicBlock>("layer4.1", 512, Then = new[] { Layer.AdaptiveAvgPool2d, Layer.Flatten })] partial void Layer4();

    // fc: 512 → 1000 logits
    [Fuse(Layer.Linear)] [Linear(1000, Name = "fc")]
    public partial void Fc(ReadOnlySpan<float> x, Span<float> y, int batch);
}

/// <summary>torchvision.models.resnet.BasicBlock(inplanes, planes, stride=1, downsample=None): two 3×3 convs and the shortcut.</summary>
[Block]
public sealed partial class BasicBlock
{
    const int Planes = 64, Stride = 1;
    const bool Downsample = false; // a 1×1 conv + BatchNorm shortcut (the first block of a stage that changes the shape)

    // out = relu(bn1(conv1(x)))
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU)]
    [Conv2d(Planes, KernelSize = 3, Stride = Stride, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")]
    partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    // identity = downsample(x), when there is one (else identity = x)
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Input = Graph.Input, When = nameof(Downsample))]
    [Conv2d(Planes, KernelSize = 1, Stride = Stride, Bias = false, Name = "downsample.0")] [BatchNorm(Name = "downsample.1")]
    partial void Shortcut(ReadOnlySpan<float> x, Span<float> y, int batch);

    // out = relu(bn2(conv2(out)) + identity)
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.Add, Layer.ReLU, Input = nameof(Conv1), Skip = nameof(Shortcut))]
    [Conv2d(Planes, KernelSize = 3, Padding = 1, Bias = false, Name = "conv2")] [BatchNorm(Name = "bn2")]
    partial void Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);
}
