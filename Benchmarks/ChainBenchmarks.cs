using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using SafeTensorsFile = global::FusedNorm.SafeTensorsFile;

namespace FusedNorm.Benchmarks;

/// <summary>
/// Each workload side by side: FusedNorm's generated chain and ONNX Runtime on the same graph, weights and input,
/// at 1 and 2 threads. Setup checks that the two outputs agree before anything is timed.
/// </summary>
[MemoryDiagnoser]
public class ChainBenchmarks
{
    public static IEnumerable<string> WorkloadNames => global::FusedNorm.Benchmarks.Workload.All.Select(w => w.Name);

    [ParamsSource(nameof(WorkloadNames))] public string Workload { get; set; } = "";
    [Params(1, 2)] public int Threads { get; set; }

    private ForwardFunction _forward = null!;
    private float[] _x = null!, _y = null!, _ortY = null!;
    private int _batch;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue _input = null!, _output = null!;
    private string[] _inputNames = null!, _outputNames = null!;

    [GlobalSetup]
    public void Setup()
    {
        global::FusedNorm.Benchmarks.Workload workload = global::FusedNorm.Benchmarks.Workload.Find(Workload);
        (byte[] weights, byte[] onnx, int outputSize) = WorkloadBuilder.Build(workload);
        _batch = workload.Batch;
        _forward = workload.Load(global::FusedNorm.SafeTensorsFile.FromBytes(weights, workload.Name));
        global::FusedNorm.Kernels.Parallelism.MaxDegree = Threads;

        var random = new Random(9);
        _x = Enumerable.Range(0, _batch * workload.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _y = new float[_batch * outputSize];
        _ortY = new float[_batch * outputSize];

        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(onnx, options);
        _runOptions = new RunOptions();
        _inputNames = new[] { _session.InputMetadata.Keys.Single() };
        _outputNames = new[] { _session.OutputMetadata.Keys.Single() };
        _input = OrtValue.CreateTensorValueFromMemory(_x, _session.InputMetadata.Values.Single().Dimensions.Select(d => (long)d).ToArray());
        _output = OrtValue.CreateTensorValueFromMemory(_ortY, _session.OutputMetadata.Values.Single().Dimensions.Select(d => (long)d).ToArray());

        // The two must compute the same thing before their times mean anything.
        FusedNorm();
        OnnxRuntime();
        double largest = 0;
        for (int i = 0; i < _y.Length; i++)
        {
            double difference = Math.Abs(_y[i] - (double)_ortY[i]);
            largest = Math.Max(largest, difference);
            if (difference > 1e-3 + 1e-3 * Math.Abs(_ortY[i]))
                throw new InvalidOperationException($"{Workload}: FusedNorm and ONNX Runtime disagree at {i}: {_y[i]} vs {_ortY[i]}.");
        }
        Console.WriteLine($"// {Workload}: outputs agree, largest difference {largest:E2}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, new[] { _input }, _outputNames, new[] { _output });

    [Benchmark]
    public void FusedNorm() => _forward(_x, _y, _batch);
}
