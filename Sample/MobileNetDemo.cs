using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;

namespace FusedNorm.Sample;

/// <summary>
/// `dotnet run --project Sample -c Release -- mobilenet`: torchvision's MobileNetV2 (MobileNetV2.cs, 52 fused chains:
/// depthwise convs, ReLU6, linear bottlenecks with residual adds) on one 96×96 image, against libtorch. The 3.5 M weights
/// are drawn from the seeded recipe (MobileNetV2Recipe) that tools/GoldenGen also wrote into torchvision's module before
/// running libtorch, and saved under torchvision's state_dict names.
/// </summary>
internal static class MobileNetDemo
{
    /// <summary>Multiply-adds per 96×96 image: the 52 convolutions and the classifier (2 FLOP each).</summary>
    private const double GflopPerImage = 2 * 56_289_152 / 1e9;

    public static int Run()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "weights");
        using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(directory, "mobilenet_v2_reference.safetensors"));

        SafeTensorsWriter writer = MobileNetV2Recipe.StateDict();
        var model = new MobileNetV2();
        var clock = Stopwatch.StartNew();
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray(), "mobilenet_v2 (recipe)"));
        Console.WriteLine($"MobileNetV2 (torchvision names, {MobileNetV2.StateDictKeys.Count} tensors drawn from the recipe) loaded, folded and packed in {clock.ElapsedMilliseconds} ms");

        float[] image = MobileNetV2Recipe.Values("input", new[] { 1, 3, MobileNetV2Recipe.Size, MobileNetV2Recipe.Size });
        float[] logits = new float[MobileNetV2.OutputSize];
        model.Forward(image, logits, 1);
        float[] expected = reference.ReadFloat32("output");
        double largest = 0;
        for (int i = 0; i < logits.Length; i++) largest = Math.Max(largest, Math.Abs(logits[i] - (double)expected[i]));
        bool close = logits.Select((v, i) => Math.Abs(v - (double)expected[i]) <= 1e-4 + 1e-3 * Math.Abs(expected[i])).All(ok => ok);
        int top = Array.IndexOf(logits, logits.Max()), libtorchTop = Array.IndexOf(expected, expected.Max());
        Console.WriteLine($"1000 logits against libtorch 2.10's: largest difference {Format.Small(largest)} (tolerance 1e-4 + 1e-3·|x|: {(close ? "within" : "OUTSIDE")}); top class {top} (libtorch: {libtorchTop})");

        // Throughput at batch 1: median of 7 runs of 20 calls, after a second of warm-up (tiered JIT).
        // Calls for a second first: the JIT compiles a hot method again, optimized, after about 30 calls and a short delay
        // on a background thread, so a few calls would time unoptimized kernels.
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warm) model.Forward(image, logits, 1);
        var times = new double[7];
        for (int t = 0; t < times.Length; t++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20; i++) model.Forward(image, logits, 1);
            times[t] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / 20;
        }
        double median = times.OrderBy(v => v).ElementAt(times.Length / 2);
        Console.WriteLine($"batch 1: {median:F2} ms per image, {1000 / median:F0} images/s (median of 7 runs, up to {FusedNorm.Kernels.Parallelism.MaxDegree} threads; {GflopPerImage:F3} GFLOP per image: {GflopPerImage / median * 1000:F1} GFLOP/s)");
        return close ? 0 : 1;
    }
}
