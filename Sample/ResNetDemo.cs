using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;

namespace FusedNorm.Sample;

/// <summary>
/// `dotnet run --project Sample -c Release -- resnet`: torchvision's ResNet-18 (ResNet18.cs, 21 fused chains with
/// residual adds) on one 224×224 image, against libtorch. The 11.7 M weights are not shipped: they are drawn from a
/// seeded recipe (ResNet18Recipe) that tools/GoldenGen also wrote into torchvision's module before running libtorch,
/// and saved here under torchvision's state_dict names, as `save_file(resnet18().state_dict(), path)` would lay them out.
/// </summary>
internal static class ResNetDemo
{
    public static int Run()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "weights");
        using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(directory, "resnet18_reference.safetensors"));

        SafeTensorsWriter writer = ResNet18Recipe.StateDict();
        var model = new ResNet18();
        var clock = Stopwatch.StartNew();
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray(), "resnet18 (recipe)"));
        Console.WriteLine($"ResNet-18 (torchvision names, {ResNet18.StateDictKeys.Count} tensors drawn from the recipe) loaded, folded and packed in {clock.ElapsedMilliseconds} ms");

        float[] image = ResNet18Recipe.Values("input", new[] { 1, 3, ResNet18Recipe.Size, ResNet18Recipe.Size });
        float[] logits = new float[ResNet18.OutputSize];
        model.Forward(image, logits, 1);
        float[] expected = reference.ReadFloat32("output");
        double largest = 0;
        for (int i = 0; i < logits.Length; i++) largest = Math.Max(largest, Math.Abs(logits[i] - (double)expected[i]));
        bool close = logits.Select((v, i) => Math.Abs(v - (double)expected[i]) <= 1e-4 + 1e-3 * Math.Abs(expected[i])).All(ok => ok);
        int top = Array.IndexOf(logits, logits.Max()), libtorchTop = Array.IndexOf(expected, expected.Max());
        Console.WriteLine($"1000 logits against libtorch 2.10's: largest difference {Format.Small(largest)} (tolerance 1e-4 + 1e-3·|x|: {(close ? "within" : "OUTSIDE")}); top class {top} (libtorch: {libtorchTop})");

        // Throughput at batch 1: median of 7 runs of 10 calls, after a second of warm-up (tiered JIT).
        // Calls for a second first: the JIT compiles a hot method again, optimized, after about 30 calls and a short delay
        // on a background thread, so a few calls would time unoptimized kernels.
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warm) model.Forward(image, logits, 1);
        var times = new double[7];
        for (int t = 0; t < times.Length; t++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 10; i++) model.Forward(image, logits, 1);
            times[t] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / 10;
        }
        double median = times.OrderBy(v => v).ElementAt(times.Length / 2);
        Console.WriteLine($"batch 1: {median:F2} ms per image, {1000 / median:F0} images/s (median of 7 runs, up to {FusedNorm.Kernels.Parallelism.MaxDegree} threads; 3.6 GFLOP per image: {3.64 / median * 1000:F0} GFLOP/s)");
        return close ? 0 : 1;
    }
}
