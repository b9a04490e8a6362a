using System;
using FusedNorm;

namespace FusedNorm.Sample;

/// <summary>
/// LeNet-5 with BatchNorm, as the PyTorch module in tools/GoldenGen defines it. Each stage is one fused kernel;
/// the generator also writes Forward (all stages), LoadWeights and FromSafetensors.
/// </summary>
[Model(3, 32, 32)]
public sealed partial class LeNetBn
{
    public const int Classes = 5;

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(6, KernelSize = 5, Name = "conv1")]
    [BatchNorm(Name = "bn1")]
    [MaxPool2d(KernelSize = 2)]
    public partial void Stage1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.MaxPool2d)]
    [Conv2d(16, KernelSize = 5, Name = "conv2")]
    [BatchNorm(Name = "bn2")]
    [MaxPool2d(KernelSize = 2)]
    public partial void Stage2(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Linear, Layer.BatchNorm1d, Layer.ReLU)]
    [Linear(120, Name = "fc1")]
    [BatchNorm(Name = "bn3")]
    public partial void Fc1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Linear, Layer.ReLU)]
    [Linear(84, Name = "fc2")]
    public partial void Fc2(ReadOnlySpan<float> x, Span<float> y, int batch);

#pragma warning disable FN0201 // five classes: a 5-output head is too small for a Vector256, and its scalar loop costs nothing
    [Fuse(Layer.Linear)]
    [Linear(Classes, Name = "fc3")]
    public partial void Fc3(ReadOnlySpan<float> x, Span<float> y, int batch);
#pragma warning restore FN0201
}
