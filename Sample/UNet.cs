// A small UNet, declared once for the Sample's build and for Generator.Tests' UNetTests, which compiles this file
// against libtorch's output (tools/GoldenGen unet builds the same module, parameters from UNetRecipe).
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>
/// A three-level UNet at 3×64×64, by its PyTorch state_dict names: each level a double conv block
/// (<c>block = Sequential(Conv2d 3×3 pad 1, GroupNorm(8), SiLU, Conv2d 3×3 pad 1, GroupNorm(8), SiLU)</c>), MaxPool2d(2)
/// between levels (pooled as the next level reads it: the un-pooled output is also the skip), ConvTranspose2d(k2, s2)
/// up, <c>torch.cat([skip, up], 1)</c> (one arena tensor the skip's and the up step's chains write into), and a 1×1 conv
/// to 2 classes.
/// </summary>
[Model(3, 64, 64)]
public sealed partial class UNet
{
    // down1: 3×64×64 → 16×64×64 (the skip of dec1)
    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(16, KernelSize = 3, Padding = 1, Name = "down1.block.0")] [GroupNorm(8, Name = "down1.block.1")]
    public partial void Down1A(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(16, KernelSize = 3, Padding = 1, Name = "down1.block.3")] [GroupNorm(8, Name = "down1.block.4")]
    public partial void Down1B(ReadOnlySpan<float> x, Span<float> y, int batch);

    // down2: pool(down1) 16×32×32 → 32×32×32 (the skip of dec2)
    [Fuse(Layer.MaxPool2d, Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [MaxPool2d(KernelSize = 2)] [Conv2d(32, KernelSize = 3, Padding = 1, Name = "down2.block.0")] [GroupNorm(8, Name = "down2.block.1")]
    public partial void Down2A(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(32, KernelSize = 3, Padding = 1, Name = "down2.block.3")] [GroupNorm(8, Name = "down2.block.4")]
    public partial void Down2B(ReadOnlySpan<float> x, Span<float> y, int batch);

    // mid: pool(down2) 32×16×16 → 64×16×16
    [Fuse(Layer.MaxPool2d, Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [MaxPool2d(KernelSize = 2)] [Conv2d(64, KernelSize = 3, Padding = 1, Name = "mid.block.0")] [GroupNorm(8, Name = "mid.block.1")]
    public partial void MidA(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(64, KernelSize = 3, Padding = 1, Name = "mid.block.3")] [GroupNorm(8, Name = "mid.block.4")]
    public partial void MidB(ReadOnlySpan<float> x, Span<float> y, int batch);

    // up2: 64×16×16 → 32×32×32, then dec2 on cat([down2, up2], 1): 64×32×32 → 32×32×32
    [Fuse(Layer.ConvTranspose2d)]
    [ConvTranspose2d(32, KernelSize = 2, Stride = 2, Name = "up2")]
    public partial void Up2(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU, Concat = new[] { nameof(Down2B), nameof(Up2) })]
    [Conv2d(32, KernelSize = 3, Padding = 1, Name = "dec2.block.0")] [GroupNorm(8, Name = "dec2.block.1")]
    public partial void Dec2A(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(32, KernelSize = 3, Padding = 1, Name = "dec2.block.3")] [GroupNorm(8, Name = "dec2.block.4")]
    public partial void Dec2B(ReadOnlySpan<float> x, Span<float> y, int batch);

    // up1: 32×32×32 → 16×64×64, then dec1 on cat([down1, up1], 1): 32×64×64 → 16×64×64
    [Fuse(Layer.ConvTranspose2d)]
    [ConvTranspose2d(16, KernelSize = 2, Stride = 2, Name = "up1")]
    public partial void Up1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU, Concat = new[] { nameof(Down1B), nameof(Up1) })]
    [Conv2d(16, KernelSize = 3, Padding = 1, Name = "dec1.block.0")] [GroupNorm(8, Name = "dec1.block.1")]
    public partial void Dec1A(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
    [Conv2d(16, KernelSize = 3, Padding = 1, Name = "dec1.block.3")] [GroupNorm(8, Name = "dec1.block.4")]
    public partial void Dec1B(ReadOnlySpan<float> x, Span<float> y, int batch);

    // out: 1×1 conv to the class logits, 2×64×64
    [Fuse(Layer.Conv2d)]
    [Conv2d(2, KernelSize = 1, Name = "out")]
    public partial void Out(ReadOnlySpan<float> x, Span<float> y, int batch);
}
