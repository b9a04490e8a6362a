using System;
using FusedNorm;

namespace FusedNorm.Sample;

/// <summary>A UNet block: Conv2d + GroupNorm + SiLU, one fused kernel with GroupNorm's statistics accumulated as it stores.</summary>
[Model(32, 16, 16)]
public sealed partial class UNetBlock
{
    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(32, KernelSize = 3, Padding = 1, Name = "conv")]
    [GroupNorm(8, Name = "norm")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}

/// <summary>A style-transfer block: Conv2d + InstanceNorm2d(affine) + ReLU.</summary>
[Model(16, 24, 24)]
public sealed partial class StyleBlock
{
    [Fuse(Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [Conv2d(16, KernelSize = 3, Padding = 1, Name = "conv")]
    [InstanceNorm(Affine = true, Name = "norm")]
    public partial void Block(ReadOnlySpan<float> x, Span<float> y, int batch);
}
