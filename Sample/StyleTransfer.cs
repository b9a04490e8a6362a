// pytorch/examples fast_neural_style's TransformerNet (Johnson et al.), declared once for the Sample
// (`dotnet run --project Sample -c Release -- style`) and for Generator.Tests' StyleTransferTests, which compiles this
// file against libtorch's output. Every chain is one of the module's ConvLayer / UpsampleConvLayer with the
// InstanceNorm2d and ReLU after it; the padding and the upsampling happen as each conv reads its input.
using System;
using FusedNorm;
namespace FusedNorm.Sample;

/// <summary>fast_neural_style's TransformerNet at 3×64×64, by its state_dict names (conv1.conv2d.weight, in1.weight, res1.conv1.conv2d.weight, …).</summary>
[Model(3, 64, 64)]
public sealed partial class StyleTransfer
{
    // conv1 = ConvLayer(3, 32, kernel_size=9, stride=1): ReflectionPad2d(4) + Conv2d; in1; relu → 32×64×64
    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(4)] [Conv2d(32, KernelSize = 9, Name = "conv1.conv2d")] [InstanceNorm(Affine = true, Name = "in1")]
    public partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    // conv2 = ConvLayer(32, 64, kernel_size=3, stride=2); in2; relu → 64×32×32
    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(64, KernelSize = 3, Stride = 2, Name = "conv2.conv2d")] [InstanceNorm(Affine = true, Name = "in2")]
    public partial void Conv2(ReadOnlySpan<float> x, Span<float> y, int batch);

    // conv3 = ConvLayer(64, 128, kernel_size=3, stride=2); in3; relu → 128×16×16
    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Stride = 2, Name = "conv3.conv2d")] [InstanceNorm(Affine = true, Name = "in3")]
    public partial void Conv3(ReadOnlySpan<float> x, Span<float> y, int batch);

    // res1..res5 = ResidualBlock(128): relu(in1(conv1(x))), then in2(conv2(·)) + x, no activation after the add
    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res1.conv1.conv2d")] [InstanceNorm(Affine = true, Name = "res1.in1")]
    public partial void Res1Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = nameof(Conv3))]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res1.conv2.conv2d")] [InstanceNorm(Affine = true, Name = "res1.in2")]
    public partial void Res1Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res2.conv1.conv2d")] [InstanceNorm(Affine = true, Name = "res2.in1")]
    public partial void Res2Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = nameof(Res1Conv2))]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res2.conv2.conv2d")] [InstanceNorm(Affine = true, Name = "res2.in2")]
    public partial void Res2Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res3.conv1.conv2d")] [InstanceNorm(Affine = true, Name = "res3.in1")]
    public partial void Res3Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = nameof(Res2Conv2))]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res3.conv2.conv2d")] [InstanceNorm(Affine = true, Name = "res3.in2")]
    public partial void Res3Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res4.conv1.conv2d")] [InstanceNorm(Affine = true, Name = "res4.in1")]
    public partial void Res4Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = nameof(Res3Conv2))]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res4.conv2.conv2d")] [InstanceNorm(Affine = true, Name = "res4.in2")]
    public partial void Res4Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res5.conv1.conv2d")] [InstanceNorm(Affine = true, Name = "res5.in1")]
    public partial void Res5Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.Add, Skip = nameof(Res4Conv2))]
    [ReflectionPad2d(1)] [Conv2d(128, KernelSize = 3, Name = "res5.conv2.conv2d")] [InstanceNorm(Affine = true, Name = "res5.in2")]
    public partial void Res5Conv2(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);

    // deconv1 = UpsampleConvLayer(128, 64, kernel_size=3, stride=1, upsample=2): interpolate(nearest, ×2) + ReflectionPad2d(1) + Conv2d; in4; relu → 64×32×32
    [Fuse(Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [Upsample(ScaleFactor = 2)] [ReflectionPad2d(1)] [Conv2d(64, KernelSize = 3, Name = "deconv1.conv2d")] [InstanceNorm(Affine = true, Name = "in4")]
    public partial void Deconv1(ReadOnlySpan<float> x, Span<float> y, int batch);

    // deconv2 = UpsampleConvLayer(64, 32, kernel_size=3, stride=1, upsample=2); in5; relu → 32×64×64
    [Fuse(Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d, Layer.InstanceNorm2d, Layer.ReLU)]
    [Upsample(ScaleFactor = 2)] [ReflectionPad2d(1)] [Conv2d(32, KernelSize = 3, Name = "deconv2.conv2d")] [InstanceNorm(Affine = true, Name = "in5")]
    public partial void Deconv2(ReadOnlySpan<float> x, Span<float> y, int batch);

    // deconv3 = ConvLayer(32, 3, kernel_size=9, stride=1), no norm, no activation → 3×64×64
    [Fuse(Layer.ReflectionPad2d, Layer.Conv2d)]
    [ReflectionPad2d(4)] [Conv2d(3, KernelSize = 9, Name = "deconv3.conv2d")]
    public partial void Deconv3(ReadOnlySpan<float> x, Span<float> y, int batch);
}
