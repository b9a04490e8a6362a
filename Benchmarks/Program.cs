using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FusedNorm.Benchmarks;

// dotnet run --project Benchmarks -c Release            every workload, then Benchmarks/RESULTS.md
// dotnet run --project Benchmarks -c Release -- quick   a shorter job (fewer iterations), same table
// dotnet run --project Benchmarks -c Release -- quick --filter '*NAME*'
//                                                            only the ChainBenchmarks rows whose name (method and parameters) matches the
//                                                            BenchmarkDotNet filter; the table is printed, RESULTS.md is not rewritten
// dotnet run --project Benchmarks -c Release -- probe NAME [THREADS]  a quick Stopwatch comparison while developing (not for RESULTS.md)
// dotnet run --project Benchmarks -c Release -- pair NAME_A NAME_B THREADS ROUNDS
//                                                            FusedNorm's side of two workloads alternated call by call in one process
//                                                            (medians and their ratio): two plans for one shape, e.g.
//                                                            resnet_conv3x3_bn_relu_56 (Winograd) against direct_conv3x3_bn_relu_56
// dotnet run --project Benchmarks -c Release -- generator   the generator's own cost on a 50-chain model (its section of RESULTS.md)
// dotnet run --project Benchmarks -c Release -- profile NAME THREADS SECONDS fusednorm|ort
//                                                            one side of a workload in a loop, for a sampling profiler
//                                                            (run under `perf record` with DOTNET_PerfMapEnabled=1)
// dotnet run --project Benchmarks -c Release -- resnet18|resnet50|mobilenetv2|mobilenetv2-224|unet|style [THREADS] [BATCH] [ROUNDS]
//                                                            a whole torchvision network (ResNet-18 224², ResNet-50 64², MobileNetV2
//                                                            96² or 224², the UNet, TransformerNet), FusedNorm beside ONNX Runtime
// dotnet run --project Benchmarks -c Release -- network-profile NAME THREADS SECONDS [chains]
//                                                            FusedNorm's side of a network alone in a loop, for `perf record`
//                                                            (chains: with its block kernels off, each block's chains one by one)
// dotnet run --project Benchmarks -c Release -- blocks NAME [THREADS] [ROUNDS]
//                                                            a network with its block kernels (inverted residuals as one kernel) on
//                                                            and off (BlockKernels.Enabled), alternated in one process: medians and ratio
// dotnet run --project Benchmarks -c Release -- ort-profile NAME THREADS [RUNS]
//                                                            ONNX Runtime's per-node profile of a network at batch 1 (mean µs per node, by op type)
// dotnet run --project Benchmarks -c Release -- jobs lenet|resnet18 [ROUNDS]
//                                                            batch 1 at 1 thread, at 2 with a dispatch per parallel loop, at 2 as one job
//                                                            (Parallelism.WholeCallJobs), alternated in one process: medians and ratios
// dotnet run --project Benchmarks -c Release -- concurrency NAME [SECONDS]
//                                                            one loaded model called from 1, 2, 4 and 16 threads at once:
//                                                            throughput and latency, FusedNorm beside one shared ONNX Runtime session
if (args.Length >= 1 && args[0] == "generator")
{
    GeneratorCost.Run(args.Skip(1).ToArray());
    return;
}
if (args.Length >= 5 && args[0] == "profile")
{
    Probe.Loop(args[1], int.Parse(args[2]), double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]);
    return;
}
if (args.Length >= 4 && args[0] == "network-profile")
{
    Networks.Loop(args[1], int.Parse(args[2]), double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), chains: args.Contains("chains"));
    return;
}
if (args.Length >= 2 && args[0] == "blocks")
{
    Networks.Blocks(args[1], args.Length >= 3 ? int.Parse(args[2]) : 1, args.Length >= 4 ? int.Parse(args[3]) : 21);
    return;
}
if (args.Length >= 3 && args[0] == "ort-profile")
{
    Networks.OrtProfile(args[1], int.Parse(args[2]), args.Length >= 4 ? int.Parse(args[3]) : 100);
    return;
}
if (args.Length >= 1 && Networks.Names.Contains(args[0]))
{
    int threads = args.Length >= 2 ? int.Parse(args[1]) : 1, batch = args.Length >= 3 ? int.Parse(args[2]) : 1;
    Networks.Run(args[0], threads, batch, rounds: args.Length >= 4 ? int.Parse(args[3]) : 15);
    return;
}
if (args.Length >= 2 && args[0] == "jobs")
{
    JobProbe.Run(args[1], args.Length >= 3 ? int.Parse(args[2]) : 21);
    return;
}
if (args.Length >= 2 && args[0] == "concurrency")
{
    Concurrency.Run(args[1], args.Length >= 3 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3, new[] { 1, 2, 4, 16 });
    return;
}
if (args.Length >= 5 && args[0] == "pair")
{
    Probe.Pair(args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));
    return;
}
if (args.Length >= 2 && args[0] == "probe")
{
    Probe.Run(args[1], args.Length >= 3 ? int.Parse(args[2]) : 1, cold: args.Contains("cold"));
    return;
}
bool quick = args.Contains("quick");
var job = quick
    ? Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1)
    : Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1);
var config = DefaultConfig.Instance.AddJob(job.AsDefault()).AddDiagnoser(MemoryDiagnoser.Default).WithOptions(ConfigOptions.DisableOptimizationsValidator);

// Anything else is BenchmarkDotNet's own command line (--filter, ...), applied to ChainBenchmarks only; the FMA peak is
// measured after the rows that ran, for the GFLOP/s columns, and the table is printed, not written to RESULTS.md.
string[] runnerArgs = args.Where(a => a != "quick").ToArray();
if (runnerArgs.Length > 0)
{
    Summary filtered = BenchmarkRunner.Run<ChainBenchmarks>(config, runnerArgs);
    if (filtered is null || filtered.Reports.Length == 0) return;
    Console.WriteLine(Results.Write(BenchmarkRunner.Run<FmaPeakBenchmarks>(config), filtered, quick));
    Console.WriteLine($"// A partial run ({string.Join(' ', runnerArgs)}): Benchmarks/RESULTS.md not rewritten.");
    return;
}
Summary peak = BenchmarkRunner.Run<FmaPeakBenchmarks>(config);
Summary chains = BenchmarkRunner.Run<ChainBenchmarks>(config);
string path = Path.Combine(FindRoot(), "Benchmarks", "RESULTS.md");
// The hand-written analysis below the table ("## Analysis" onwards) survives a re-run.
string analysis = File.Exists(path) && File.ReadAllText(path).IndexOf("## Analysis", StringComparison.Ordinal) is int at and >= 0
    ? File.ReadAllText(path).Substring(at) : "";
File.WriteAllText(path, Results.Write(peak, chains, quick) + (analysis.Length > 0 ? "\n" + analysis : ""));
Console.WriteLine($"Wrote {path}");

static string FindRoot()
{
    string directory = Directory.GetCurrentDirectory();
    while (!File.Exists(Path.Combine(directory, "FusedNorm.sln")))
        directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Run from inside the repository.");
    return directory;
}

internal static class Results
{
    public static string Write(Summary peak, Summary chains, bool quick)
    {
        double Median(BenchmarkReport r) => r.ResultStatistics?.Median ?? double.NaN; // ns
        double fma256 = GFlops(peak, "Vector256Fma", 8), fma512 = GFlops(peak, "Vector512Fma", 16);

        var text = new StringBuilder();
        text.AppendLine("# Benchmark results");
        text.AppendLine();
        text.AppendLine($"Run on {DateTime.UtcNow:yyyy-MM-dd} with `dotnet run --project Benchmarks -c Release{(quick ? " -- quick" : "")}`: " +
                        $"{Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
                        $"Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}. ONNX Runtime 1.31.1 (CPU, graph optimization ALL, pre-allocated OrtValues).");
        text.AppendLine();
        text.AppendLine($"Measured single-core FMA peak in the same run: Vector256 {fma256:F0} GFLOP/s, Vector512 {fma512:F0} GFLOP/s.");
        text.AppendLine("Times are BenchmarkDotNet medians; the speed-up is ONNX Runtime's time / FusedNorm's, both from this run.");
        double peakPerCore = Vector512.IsHardwareAccelerated ? fma512 : fma256;
        text.AppendLine($"GFLOP/s counts 2 × the multiply-adds of the convolutions and linear layers; \"of peak\" is against the {(Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256")} peak × threads, the widest path the kernels use here.");
        text.AppendLine();
        text.AppendLine("| workload | threads | FusedNorm | ONNX Runtime | speed-up | FusedNorm GFLOP/s | of peak | FusedNorm allocated/call |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var chart = new List<(string, double)>();
        foreach (var group in chains.Reports.GroupBy(r => (Workload: Param(r, "Workload"), Threads: Param(r, "Threads"))))
        {
            BenchmarkReport? fused = group.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == "FusedNorm");
            BenchmarkReport? ort = group.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == "OnnxRuntime");
            if (fused is null || ort is null) continue;
            Workload workload = Workload.Find(group.Key.Workload);
            double f = Median(fused), o = Median(ort), gflops = workload.Flops / f;
            int threads = int.Parse(group.Key.Threads, CultureInfo.InvariantCulture);
            long allocated = fused.GcStats.GetBytesAllocatedPerOperation(fused.BenchmarkCase) ?? -1;
            text.AppendLine($"| {workload.Name} | {threads} | {Time(f)} | {Time(o)} | {o / f:F2}× | {gflops:F1} | {gflops / (peakPerCore * threads):P0} | {allocated} B |");
            chart.Add(($"{workload.Name} ×{threads}", o / f));
        }
        text.AppendLine();
        text.AppendLine("Speed-up over ONNX Runtime (1.0 = same speed; each █ is 0.1×):");
        text.AppendLine();
        text.AppendLine("```");
        int width = chart.Count == 0 ? 0 : chart.Max(c => c.Item1.Length);
        foreach (var (name, ratio) in chart)
            text.AppendLine($"{name.PadRight(width)} {new string('█', (int)Math.Round(Math.Min(ratio, 8) * 10))} {ratio:F2}×");
        text.AppendLine("```");
        return text.ToString();
    }

    private static string Param(BenchmarkReport report, string name) =>
        report.BenchmarkCase.Parameters.Items.Single(p => p.Name == name).Value?.ToString() ?? "";

    private static double GFlops(Summary summary, string method, int lanes)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        double ns = report?.ResultStatistics?.Median ?? double.NaN;
        return 2.0 * lanes * FmaPeakBenchmarks.Chains * FmaPeakBenchmarks.Iterations / ns;
    }

    private static string Time(double ns) => ns >= 1e6 ? $"{ns / 1e6:F2} ms" : ns >= 1e3 ? $"{ns / 1e3:F1} µs" : $"{ns:F0} ns";
}
