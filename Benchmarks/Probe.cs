using System;
using System.Diagnostics;
using System.Linq;

namespace FusedNorm.Benchmarks;

/// <summary>A quick side-by-side timing of one workload for development; BenchmarkDotNet makes the real numbers.</summary>
internal static class Probe
{
    /// <param name="cold">Each timed call follows a sweep over 64 MB, so its weights and input come from memory, as a
    /// layer's do inside a network whose weights outgrow the caches (probe NAME THREADS cold).</param>
    public static void Run(string name, int threads, bool cold = false)
    {
        var bench = new ChainBenchmarks { Workload = name, Threads = threads };
        bench.Setup();
        Console.WriteLine($"{name}, {threads} thread(s){(cold ? ", caches swept before each call" : "")}: FusedNorm {Median(bench.FusedNorm, cold):F1} µs, ONNX Runtime {Median(bench.OnnxRuntime, cold):F1} µs");
        bench.Cleanup();
    }

    /// <summary>
    /// FusedNorm's side of workloads <paramref name="a"/> and <paramref name="b"/> alternated in one process, <paramref name="rounds"/>
    /// rounds of 5 calls each after a warm-up: the ratio of their medians is what a change of plan between two workloads of
    /// the same shape is worth, with the machine's load shared by both sides (separate runs here swing by ±20 %).
    /// </summary>
    public static void Pair(string a, string b, int threads, int rounds)
    {
        var first = new ChainBenchmarks { Workload = a, Threads = threads };
        var second = new ChainBenchmarks { Workload = b, Threads = threads };
        first.Setup();
        second.Setup();
        WarmUp(first.FusedNorm);
        WarmUp(second.FusedNorm);
        var times = new[] { new double[rounds], new double[rounds] };
        for (int r = 0; r < rounds; r++)
            for (int side = 0; side < 2; side++)
            {
                Action call = side == 0 ? first.FusedNorm : second.FusedNorm;
                call();
                long start = Stopwatch.GetTimestamp();
                for (int k = 0; k < 5; k++) call();
                times[side][r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 5;
            }
        double ta = times[0].OrderBy(v => v).ElementAt(rounds / 2), tb = times[1].OrderBy(v => v).ElementAt(rounds / 2);
        Console.WriteLine($"{threads} thread(s), {rounds} alternated rounds: {a} {ta:F1} µs, {b} {tb:F1} µs (medians): {b} takes {tb / ta:F3}× the time of {a}");
        first.Cleanup();
        second.Cleanup();
    }

    /// <summary>Runs one side (fusednorm or ort) of a workload for a few seconds after a warm-up, for a sampling profiler.</summary>
    public static void Loop(string name, int threads, double seconds, string side)
    {
        var bench = new ChainBenchmarks { Workload = name, Threads = threads };
        bench.Setup();
        Action action = side switch
        {
            "fusednorm" => bench.FusedNorm,
            "ort" => () => bench.OnnxRuntime(),
            _ => throw new ArgumentException($"side must be fusednorm or ort, not '{side}'", nameof(side)),
        };
        WarmUp(action);
        long start = Stopwatch.GetTimestamp();
        long calls = 0, allocated = GC.GetTotalAllocatedBytes(precise: true);
        Console.WriteLine($"// profiling {side} on {name} at {threads} thread(s) for {seconds} s (pid {Environment.ProcessId})");
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds) { action(); calls++; }
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine($"{calls} calls, {Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls:F1} µs per call, {allocated} bytes allocated in the process meanwhile (all threads)");
        bench.Cleanup();
    }

    /// <summary>Calls <paramref name="action"/> for 3 s, so that tiered compilation finishes before anything is timed.</summary>
    private static void WarmUp(Action action)
    {
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 3) action();
    }

    private static double Median(Action action, bool cold)
    {
        WarmUp(action);
        var times = new double[31];
        for (int t = 0; t < times.Length; t++)
        {
            if (cold) Sweep();
            long start = Stopwatch.GetTimestamp();
            action();
            times[t] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return times.OrderBy(v => v).ElementAt(times.Length / 2);
    }

    private static readonly long[] s_sweep = new long[8 << 20];

    /// <summary>Writes 64 MB, twice the L3 of this machine's CCD, so whatever a call read before is out of the caches.</summary>
    private static void Sweep()
    {
        for (int i = 0; i < s_sweep.Length; i += 8) s_sweep[i]++;
    }
}
