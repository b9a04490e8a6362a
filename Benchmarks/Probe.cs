using System;
using System.Diagnostics;
using System.Linq;

namespace FusedNorm.Benchmarks;

/// <summary>A quick side-by-side timing of one workload for development; BenchmarkDotNet makes the real numbers.</summary>
internal static class Probe
{
    public static void Run(string name, int threads)
    {
        var bench = new ChainBenchmarks { Workload = name, Threads = threads };
        bench.Setup();
        Console.WriteLine($"{name}, {threads} thread(s): FusedNorm {Median(bench.FusedNorm):F1} µs, ONNX Runtime {Median(bench.OnnxRuntime):F1} µs");
        bench.Cleanup();
    }

    private static double Median(Action action)
    {
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 3) action(); // let tiered compilation finish
        var times = new double[31];
        for (int t = 0; t < times.Length; t++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[t] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return times.OrderBy(v => v).ElementAt(times.Length / 2);
    }
}
