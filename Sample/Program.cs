using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Sample;

// FusedNorm sample: LeNet-5 with BatchNorm, trained in PyTorch on drawn shapes (tools/GoldenGen), run through
// the fused kernels the generator wrote for LeNetBn.cs.
//   dotnet run --project Sample -c Release                  uses the weights shipped in Sample/weights
//   dotnet run --project Sample -c Release -- my.safetensors uses your own state_dict of the same module
//   dotnet run --project Sample -c Release -- resnet         torchvision's ResNet-18 (ResNet18.cs) against libtorch, and its speed
//   dotnet run --project Sample -c Release -- mobilenet      torchvision's MobileNetV2 (MobileNetV2.cs) against libtorch, and its speed
//   dotnet run --project Sample -c Release -- style          fast_neural_style's TransformerNet (StyleTransfer.cs) against libtorch, and its speed

if (args is ["resnet"]) return ResNetDemo.Run(); // torchvision's ResNet-18 against libtorch, and its throughput
if (args is ["mobilenet"]) return MobileNetDemo.Run(); // torchvision's MobileNetV2 against libtorch, and its throughput
if (args is ["style"]) return StyleTransferDemo.Run(); // fast_neural_style's TransformerNet against libtorch, and its throughput

string weightsDirectory = Path.Combine(AppContext.BaseDirectory, "weights");
string weightsPath = args.Length > 0 ? args[0] : Path.Combine(weightsDirectory, "lenet_bn.safetensors");
using var reference = SafeTensorsFile.Open(Path.Combine(weightsDirectory, "lenet_bn_reference.safetensors"));
using var weights = SafeTensorsFile.Open(weightsPath);

var model = new LeNetBn();
model.LoadWeights(weights);
Console.WriteLine("LeNet-5 with BatchNorm (Sample/LeNetBn.cs: 2 conv chains + 3 Linear chains, BatchNorm folded at load),");
Console.WriteLine("trained in PyTorch on 32×32 drawn shapes (circle, square, triangle, cross, bar), run by the kernels the");
Console.WriteLine("generator wrote for it. Other modes: resnet, mobilenet, style (see the first lines of Program.cs).");
Console.WriteLine($"Loaded {LeNetBn.StateDictKeys.Count} tensors from {weightsPath}");

// The reference images and what PyTorch computed for them (eval mode).
float[] images = reference.ReadFloat32("input");
int batch = images.Length / LeNetBn.InputSize;
long[] labels = reference.ReadInt64("labels");
string[] classes = (weights.Metadata.TryGetValue("classes", out string? c) ? c : reference.Metadata["classes"]).Split(',');

float[] logits = new float[batch * LeNetBn.OutputSize];
model.Forward(images, logits, batch);

Console.WriteLine();
Console.WriteLine($"{batch} held-out images the model never saw in training: the true shape, the model's prediction, and the");
Console.WriteLine("softmax probability it gives that prediction (✗ marks a wrong prediction).");
Console.WriteLine($"{"image",5}  {"true",-10} {"predicted",-10} {"prob.",6}");
int correct = 0;
for (int n = 0; n < batch; n++)
{
    ReadOnlySpan<float> row = logits.AsSpan(n * LeNetBn.OutputSize, LeNetBn.OutputSize);
    int predicted = 0;
    for (int k = 1; k < row.Length; k++) if (row[k] > row[predicted]) predicted = k;
    double sum = 0;
    foreach (float v in row) sum += Math.Exp(v - row[predicted]);
    if (predicted == labels[n]) correct++;
    Console.WriteLine($"{n,5}  {classes[labels[n]],-10} {classes[predicted],-10} {1 / sum,6:P0}{(predicted == labels[n] ? "" : "  ✗")}");
}
Console.WriteLine($"{correct} of {batch} correct");

// Agreement with PyTorch, on the same images (only meaningful for the weights the reference was computed with).
int exitCode = 0;
bool sameWeights = args.Length == 0 || weights.Contains("logits");
if (sameWeights)
{
    float[] torchLogits = weights.Contains("logits") ? weights.ReadFloat32("logits") : reference.ReadFloat32("logits");
    double largest = 0, allowed = 0;
    bool within = true;
    for (int i = 0; i < logits.Length; i++)
    {
        double difference = Math.Abs(logits[i] - (double)torchLogits[i]);
        largest = Math.Max(largest, difference);
        within &= difference <= 1e-4 + 1e-4 * Math.Abs(torchLogits[i]);
        allowed = Math.Max(allowed, 1e-4 + 1e-4 * Math.Abs(torchLogits[i]));
    }
    Console.WriteLine($"Largest difference from PyTorch's logits: {Format.Small(largest)} ({(within ? "within" : "OUTSIDE")} 1e-4 absolute + 1e-4 relative)");
    if (!within) exitCode = 1;
}
else
    Console.WriteLine("(Your weights: no PyTorch logits to compare with.)");

// Two norm blocks users know, against PyTorch's output for the same weights and input.
Console.WriteLine();
exitCode |= RunBlock("UNet block   Conv2d + GroupNorm(8) + SiLU        ", "unet_block.safetensors", UNetBlock.InputSize, UNetBlock.OutputSize,
    file => { var block = new UNetBlock(); block.LoadWeights(file); return block.Forward; });
exitCode |= RunBlock("Style block  Conv2d + InstanceNorm2d + ReLU      ", "style_block.safetensors", StyleBlock.InputSize, StyleBlock.OutputSize,
    file => { var block = new StyleBlock(); block.LoadWeights(file); return block.Forward; });

int RunBlock(string title, string file, int inputSize, int outputSize, Func<SafeTensorsFile, ForwardFunction> load)
{
    using var tensors = SafeTensorsFile.Open(Path.Combine(weightsDirectory, file));
    ForwardFunction forward = load(tensors);
    float[] x = tensors.ReadFloat32("input"), expected = tensors.ReadFloat32("output");
    int n = x.Length / inputSize;
    float[] y = new float[n * outputSize];
    forward(x, y, n);
    double largest = 0;
    bool within = true;
    for (int i = 0; i < y.Length; i++)
    {
        double difference = Math.Abs(y[i] - (double)expected[i]);
        largest = Math.Max(largest, difference);
        within &= difference <= 1e-4 + 1e-4 * Math.Abs(expected[i]);
    }
    Console.WriteLine($"{title} largest difference from PyTorch: {Format.Small(largest)} ({(within ? "within" : "OUTSIDE")} 1e-4)");
    return within ? 0 : 1;
}

// Throughput: medians of repeated timed runs, at batch 1 and at the reference batch.
Console.WriteLine();
foreach (int b in new[] { 1, batch })
{
    float[] x = images.AsSpan(0, b * LeNetBn.InputSize).ToArray();
    float[] y = new float[b * LeNetBn.OutputSize];
    for (int i = 0; i < 200; i++) model.Forward(x, y, b); // warm up: tiered JIT, ArrayPool
    int calls = Math.Max(20, 4000 / b);
    var times = new double[7];
    for (int t = 0; t < times.Length; t++)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) model.Forward(x, y, b);
        times[t] = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }
    double median = times.OrderBy(v => v).ElementAt(times.Length / 2);
    Console.WriteLine($"batch {b,3}: {median * 1e6,9:F1} µs per call, {b / median,10:N0} images/s (median of {times.Length} runs, up to {FusedNorm.Kernels.Parallelism.MaxDegree} threads)");
}
return exitCode;

delegate void ForwardFunction(ReadOnlySpan<float> x, Span<float> y, int batch);
