using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;

namespace FusedNorm.Sample;

/// <summary>
/// `dotnet run --project Sample -c Release -- style`: fast_neural_style's TransformerNet (StyleTransfer.cs: 16 fused chains,
/// reflection padding, nearest upsampling and residual adds in the conv prologues and epilogues) on one 3×64×64 image,
/// against libtorch. The 1.7 M weights are drawn from the seeded recipe (StyleTransferRecipe) that tools/GoldenGen also
/// wrote into the TorchSharp module before running libtorch, under the Python module's state_dict names.
/// </summary>
internal static class StyleTransferDemo
{
    public static int Run()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "weights");
        using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(directory, "style_transfer_reference.safetensors"));

        var model = new StyleTransfer();
        var clock = Stopwatch.StartNew();
        model.LoadWeights(SafeTensorsFile.FromBytes(StyleTransferRecipe.StateDict().ToArray(), "style_transfer (recipe)"));
        Console.WriteLine($"TransformerNet (fast_neural_style names, {StyleTransfer.StateDictKeys.Count} tensors drawn from the recipe) loaded and packed in {clock.ElapsedMilliseconds} ms");

        float[] image = reference.ReadFloat32("input");
        float[] output = new float[StyleTransfer.OutputSize];
        model.Forward(image, output, 1);
        float[] expected = reference.ReadFloat32("output");
        double largest = 0;
        for (int i = 0; i < output.Length; i++) largest = Math.Max(largest, Math.Abs(output[i] - (double)expected[i]));
        bool close = output.Select((v, i) => Math.Abs(v - (double)expected[i]) <= 1e-4 + 1e-3 * Math.Abs(expected[i])).All(ok => ok);
        Console.WriteLine($"{output.Length} outputs against libtorch 2.10's: largest difference {largest:E2} (tolerance 1e-4 + 1e-3·|x|: {(close ? "within" : "OUTSIDE")})");

        // Throughput at batch 1: median of 7 runs of 10 calls, after a warm-up (tiered JIT).
        for (int i = 0; i < 5; i++) model.Forward(image, output, 1);
        var times = new double[7];
        for (int t = 0; t < times.Length; t++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 10; i++) model.Forward(image, output, 1);
            times[t] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / 10;
        }
        double median = times.OrderBy(v => v).ElementAt(times.Length / 2);
        const double Gflop = 1.26; // 2 × 630 M multiply-adds per 64×64 image
        Console.WriteLine($"batch 1, 3×64×64: {median:F2} ms per image, {1000 / median:F0} images/s (median of 7 runs, up to {FusedNorm.Kernels.Parallelism.MaxDegree} threads; {Gflop} GFLOP per image: {Gflop / median * 1000:F0} GFLOP/s)");
        return close ? 0 : 1;
    }
}
