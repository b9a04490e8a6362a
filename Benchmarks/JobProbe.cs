using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;

namespace FusedNorm.Benchmarks;

/// <summary>
/// What running a whole-model Forward as one parallel job saves: the same loaded model at 1 thread, at 2 threads with a
/// dispatch per parallel loop (<see cref="Parallelism.WholeCallJobs"/> off, as before jobs), and at 2 threads as one job,
/// the variants alternated round by round in one process (the machine may be loaded: compare medians and ratios).
/// </summary>
internal static class JobProbe
{
    public static void Run(string model, int rounds)
    {
        (Action forward, int calls) = model switch
        {
            "lenet" => (LeNet(), 100),
            "resnet18" => (ResNet18(), 2),
            _ => throw new ArgumentException($"model must be lenet or resnet18, not '{model}'", nameof(model)),
        };
        var variants = new (string Name, int Threads, bool Jobs)[] { ("1 thread", 1, true), ("2 threads, a dispatch per loop", 2, false), ("2 threads, one job", 2, true) };
        var times = variants.Select(_ => new List<double>()).ToArray();
        int savedDegree = Parallelism.MaxDegree;
        try
        {
            foreach (var v in variants) { Set(v); long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency; while (Stopwatch.GetTimestamp() < until) forward(); }
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < variants.Length; i++)
                {
                    Set(variants[i]);
                    for (int w = 0; w < Math.Max(1, calls / 10); w++) forward(); // settle after the switch
                    long start = Stopwatch.GetTimestamp();
                    for (int c = 0; c < calls; c++) forward();
                    times[i].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls);
                }
        }
        finally { Parallelism.MaxDegree = savedDegree; Parallelism.WholeCallJobs = true; }
        double[] medians = times.Select(t => t.OrderBy(v => v).ElementAt(t.Count / 2)).ToArray();
        double[] fastest = times.Select(t => t.OrderBy(v => v).ElementAt(t.Count / 10)).ToArray(); // the 10th percentile: the rounds least disturbed by other load
        Console.WriteLine($"{model}, batch 1: {rounds} alternated rounds of {calls} calls; median and 10th percentile per call");
        for (int i = 0; i < variants.Length; i++)
            Console.WriteLine($"  {variants[i].Name,-32} {medians[i],10:F1} µs (1 thread ÷ this: {medians[0] / medians[i]:F2}×)   p10 {fastest[i],10:F1} µs ({fastest[0] / fastest[i]:F2}×)");
        Console.WriteLine($"  one job vs a dispatch per loop at 2 threads: {medians[1] / medians[2]:F3}× as fast (median), {fastest[1] / fastest[2]:F3}× (p10)");
    }

    private static void Set((string Name, int Threads, bool Jobs) v)
    {
        Parallelism.MaxDegree = v.Threads;
        Parallelism.WholeCallJobs = v.Jobs;
    }

    private static Action LeNet()
    {
        var bench = new ChainBenchmarks { Workload = "lenet_bn_b1", Threads = 1 };
        bench.Setup();
        return bench.FusedNorm;
    }

    private static Action ResNet18()
    {
        var model = new FusedNorm.Sample.ResNet18();
        model.LoadWeights(SafeTensorsFile.FromBytes(ResNet18Recipe.StateDict().ToArray(), "resnet18"));
        var random = new Random(5);
        float[] x = Enumerable.Range(0, 3 * 224 * 224).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = new float[1000];
        return () => model.Forward(x, y, 1);
    }
}
