using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Microsoft.ML.OnnxRuntime;

namespace FusedNorm.Benchmarks;

/// <summary>
/// A service's view: one loaded model called from 1, 2, 4 and 16 request threads at once, each with its own input and
/// output, for a few seconds per row. Reports the total throughput and the per-call latency (median and p99) for
/// FusedNorm (default parallelism: every core) and for ONNX Runtime with one shared session (intra-op threads = cores),
/// taken in the same run. Not BenchmarkDotNet: the interesting numbers are the distribution across threads.
/// </summary>
internal static class Concurrency
{
    public static void Run(string name, double seconds, int[] callerCounts)
    {
        Workload workload = Workload.Find(name);
        (byte[] weights, byte[] onnx, int outputSize) = WorkloadBuilder.Build(workload);
        ForwardFunction forward = workload.Load(SafeTensorsFile.FromBytes(weights, workload.Name));
        int batch = workload.Batch, inputSize = batch * workload.InputSize;
        global::FusedNorm.Kernels.Parallelism.MaxDegree = Environment.ProcessorCount;

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Environment.ProcessorCount,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(onnx, options);
        long[] inputShape = session.InputMetadata.Values.Single().Dimensions.Select(d => (long)d).ToArray();
        long[] outputShape = session.OutputMetadata.Values.Single().Dimensions.Select(d => (long)d).ToArray();
        string[] inputNames = { session.InputMetadata.Keys.Single() }, outputNames = { session.OutputMetadata.Keys.Single() };

        Console.WriteLine($"// {name}: {Environment.ProcessorCount} cores, {seconds} s per row; FusedNorm MaxDegree = cores, ONNX Runtime one session with {Environment.ProcessorCount} intra-op threads");
        Console.WriteLine("| callers | FusedNorm calls/s | median µs | p99 µs | ONNX Runtime calls/s | median µs | p99 µs | throughput ratio |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int callers in callerCounts)
        {
            Stats fused = Measure(callers, seconds, () =>
            {
                var random = new Random(callers);
                float[] x = Enumerable.Range(0, inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                float[] y = new float[batch * outputSize];
                return () => forward(x, y, batch);
            });
            Stats ort = Measure(callers, seconds, () =>
            {
                var random = new Random(callers);
                float[] x = Enumerable.Range(0, inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                float[] y = new float[batch * outputSize];
                var input = OrtValue.CreateTensorValueFromMemory(x, inputShape);
                var output = OrtValue.CreateTensorValueFromMemory(y, outputShape);
                var runOptions = new RunOptions();
                OrtValue[] inputs = { input }, outputs = { output };
                return () => session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            });
            Console.WriteLine($"| {callers} | {fused.PerSecond:F0} | {fused.Median:F0} | {fused.P99:F0} | {ort.PerSecond:F0} | {ort.Median:F0} | {ort.P99:F0} | {fused.PerSecond / ort.PerSecond:F2}× |");
        }
    }

    private sealed record Stats(double PerSecond, double Median, double P99);

    /// <summary>
    /// <paramref name="callers"/> threads each make their own call (from <paramref name="makeCall"/>, run on that thread),
    /// warm up for 1 s, then call in a loop for <paramref name="seconds"/>; each call's time is kept.
    /// </summary>
    private static Stats Measure(int callers, double seconds, Func<Action> makeCall)
    {
        var latencies = new List<double>[callers];
        using var ready = new Barrier(callers + 1);
        long stopAt = 0;
        var threads = Enumerable.Range(0, callers).Select(c => new Thread(() =>
        {
            Action call = makeCall();
            var mine = new List<double>(1 << 16);
            long warmEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < warmEnd) call();
            ready.SignalAndWait(); // everyone warm
            ready.SignalAndWait(); // stopAt is set
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                if (start >= Volatile.Read(ref stopAt)) break;
                call();
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            latencies[c] = mine;
        }) { IsBackground = true }).ToArray();
        foreach (Thread t in threads) t.Start();
        ready.SignalAndWait();
        Volatile.Write(ref stopAt, Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency));
        ready.SignalAndWait();
        foreach (Thread t in threads) t.Join();
        double[] all = latencies.SelectMany(l => l).OrderBy(v => v).ToArray();
        return new Stats(all.Length / seconds, all[all.Length / 2], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]);
    }
}
