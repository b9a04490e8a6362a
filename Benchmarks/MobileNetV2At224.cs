// torchvision's mobilenet_v2 at ImageNet's 224×224, for the whole-network benchmark (issue targets are at 224²): the same
// InvertedResidual block as Sample/MobileNetV2.cs (linked into this project), at the shapes of a 224² input.
using System;
using FusedNorm;
using FusedNorm.Sample;
namespace FusedNorm.Benchmarks;

/// <summary>torchvision.models.mobilenet_v2() in eval mode at 3×224×224 (Sample/MobileNetV2.cs declares it at 96×96).</summary>
[Model(3, 224, 224)]
public sealed partial class MobileNetV2At224
{
    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6)]
    [Conv2d(32, KernelSize = 3, Stride = 2, Padding = 1, Bias = false, Name = "features.0.0")] [BatchNorm(Name = "features.0.1")]
    public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Use<InvertedResidual>("features.1", 32, 16, 1, 1)] partial void Stage1();
    [Use<InvertedResidual>("features.2", 16, 24, 2, 6)] [Use<InvertedResidual>("features.3", 24, 24, 1, 6)] partial void Stage2();
    [Use<InvertedResidual>("features.4", 24, 32, 2, 6)] [Use<InvertedResidual>("features.5", 32, 32, 1, 6)]
    [Use<InvertedResidual>("features.6", 32, 32, 1, 6)] partial void Stage3();
    [Use<InvertedResidual>("features.7", 32, 64, 2, 6)] [Use<InvertedResidual>("features.8", 64, 64, 1, 6)]
    [Use<InvertedResidual>("features.9", 64, 64, 1, 6)] [Use<InvertedResidual>("features.10", 64, 64, 1, 6)] partial void Stage4();
    [Use<InvertedResidual>("features.11", 64, 96, 1, 6)] [Use<InvertedResidual>("features.12", 96, 96, 1, 6)]
    [Use<InvertedResidual>("features.13", 96, 96, 1, 6)] partial void Stage5();
    [Use<InvertedResidual>("features.14", 96, 160, 2, 6)] [Use<InvertedResidual>("features.15", 160, 160, 1, 6)]
    [Use<InvertedResidual>("features.16", 160, 160, 1, 6)] partial void Stage6();
    [Use<InvertedResidual>("features.17", 160, 320, 1, 6)] partial void Stage7();

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU6, Layer.AdaptiveAvgPool2d, Layer.Flatten)]
    [Conv2d(1280, KernelSize = 1, Bias = false, Name = "features.18.0")] [BatchNorm(Name = "features.18.1")]
    public partial void Head(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Dropout, Layer.Linear)] [Linear(1000, Name = "classifier.1")]
    public partial void Classifier(ReadOnlySpan<float> x, Span<float> y, int batch);
}
