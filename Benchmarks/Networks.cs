using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using static FusedNorm.Benchmarks.OnnxGraph;

namespace FusedNorm.Benchmarks;

/// <summary>
/// Whole networks side by side: FusedNorm's generated ResNet-18 (Sample/ResNet18.cs) and ONNX Runtime on the same graph
/// as torchvision builds it (Conv, BatchNormalization, Relu, MaxPool, Add, GlobalAveragePool, Flatten, Gemm; ORT folds
/// the BatchNorms and fuses the adds and activations into its convolutions), with the same weights (ResNet18Recipe)
/// and input; the outputs are compared before anything is timed. A Stopwatch comparison: medians of alternated rounds.
/// </summary>
internal static class Networks
{
    public static void ResNet18(int threads, int batch, int rounds)
    {
        var tensors = ResNet18Recipe.FloatTensors().ToDictionary(t => t.Key, t => (Shape: t.Shape, Data: ResNet18Recipe.Values(t.Key, t.Shape)));
        var model = new FusedNorm.Sample.ResNet18();
        model.LoadWeights(SafeTensorsFile.FromBytes(ResNet18Recipe.StateDict().ToArray(), "resnet18"));
        global::FusedNorm.Kernels.Parallelism.MaxDegree = threads;

        byte[] onnx = Graph(tensors, batch);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(onnx, options);
        var random = new Random(5);
        float[] x = Enumerable.Range(0, batch * 3 * 224 * 224).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = new float[batch * 1000], ortY = new float[batch * 1000];
        using var input = OrtValue.CreateTensorValueFromMemory(x, new long[] { batch, 3, 224, 224 });
        using var output = OrtValue.CreateTensorValueFromMemory(ortY, new long[] { batch, 1000 });
        using var runOptions = new RunOptions();
        string[] inputNames = { session.InputMetadata.Keys.Single() }, outputNames = { session.OutputMetadata.Keys.Single() };
        OrtValue[] inputs = { input }, outputs = { output };
        Action fused = () => model.Forward(x, y, batch);
        Action ort = () => session.Run(runOptions, inputNames, inputs, outputNames, outputs);

        fused(); ort();
        double largest = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double difference = Math.Abs(y[i] - (double)ortY[i]);
            largest = Math.Max(largest, difference);
            if (difference > 1e-3 + 1e-3 * Math.Abs(ortY[i])) throw new InvalidOperationException($"ResNet-18: FusedNorm and ONNX Runtime disagree at {i}: {y[i]} vs {ortY[i]}.");
        }
        Console.WriteLine($"// resnet18, batch {batch}, {threads} thread(s): outputs agree, largest difference {largest:E2}");

        // Warm up both (tiered JIT, ORT's arena), then alternate rounds of a few calls each.
        long until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < until) { fused(); ort(); }
        var fusedTimes = new List<double>();
        var ortTimes = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            fusedTimes.Add(Time(fused));
            ortTimes.Add(Time(ort));
        }
        double f = Median(fusedTimes), o = Median(ortTimes), gflop = 3.64 * batch;
        Console.WriteLine($"resnet18 224², batch {batch}, {threads} thread(s): FusedNorm {f:F2} ms ({gflop / f * 1000:F0} GFLOP/s), ONNX Runtime {o:F2} ms ({gflop / o * 1000:F0} GFLOP/s), speed-up {o / f:F2}× (medians of {rounds} alternated rounds)");
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / 3;
    }

    private static double Median(List<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);

    /// <summary>torchvision's resnet18 forward as ONNX nodes, the weights under their state_dict names.</summary>
    private static byte[] Graph(Dictionary<string, (int[] Shape, float[] Data)> tensors, int batch)
    {
        var graph = new OnnxGraph();
        string W(string key) => graph.Initializer(key, tensors[key].Data, tensors[key].Shape.Select(d => (long)d).ToArray());
        string Conv(string x, string key, int kernel, int stride, int padding) =>
            graph.Node("Conv", new[] { x, W(key) }, Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", padding, padding, padding, padding));
        string Bn(string x, string key) =>
            graph.Node("BatchNormalization", new[] { x, W(key + ".weight"), W(key + ".bias"), W(key + ".running_mean"), W(key + ".running_var") }, Float("epsilon", 1e-5f));
        string Relu(string x) => graph.Node("Relu", new[] { x });

        graph.Input("x", batch, 3, 224, 224);
        string h = Relu(Bn(Conv("x", "conv1.weight", 7, 2, 3), "bn1"));
        h = graph.Node("MaxPool", new[] { h }, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        for (int layer = 1; layer <= 4; layer++)
            for (int block = 0; block < 2; block++)
            {
                string p = $"layer{layer}.{block}";
                int stride = layer > 1 && block == 0 ? 2 : 1;
                string o = Relu(Bn(Conv(h, p + ".conv1.weight", 3, stride, 1), p + ".bn1"));
                o = Bn(Conv(o, p + ".conv2.weight", 3, 1, 1), p + ".bn2");
                string identity = stride == 2 ? Bn(Conv(h, p + ".downsample.0.weight", 1, 2, 0), p + ".downsample.1") : h;
                h = Relu(graph.Node("Add", new[] { o, identity }));
            }
        h = graph.Node("Flatten", new[] { graph.Node("GlobalAveragePool", new[] { h }) });
        string logits = graph.Node("Gemm", new[] { h, W("fc.weight"), W("fc.bias") }, Int("transB", 1));
        graph.Output(logits, batch, 1000);
        return graph.ToBytes();
    }
}
