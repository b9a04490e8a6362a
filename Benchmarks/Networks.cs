using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using static FusedNorm.Benchmarks.OnnxGraph;

namespace FusedNorm.Benchmarks;

/// <summary>
/// Whole networks side by side: a FusedNorm model as the Sample declares it and ONNX Runtime on the same graph as
/// torchvision builds it (Conv, BatchNormalization, Relu or Clip, MaxPool, Add, GlobalAveragePool, Flatten, Gemm; ORT
/// folds the BatchNorms and fuses the adds and activations into its convolutions), with the same weights (the seeded
/// recipes the tests use) and input; the outputs are compared before anything is timed. A Stopwatch comparison: medians
/// of alternated rounds. GFLOP/s counts 2 × the multiply-adds of the convolutions and the classifier.
/// </summary>
internal static class Networks
{
    public static readonly string[] Names = { "resnet18", "resnet50", "mobilenetv2", "mobilenetv2-224", "unet", "style" };

    /// <summary>One network: its input (C, H, W), its output per sample, FusedNorm's Forward and the ONNX graph for a batch.</summary>
    private sealed record Network(string Title, int[] Input, int[] Output, Action<float[], float[], int> Forward, Func<int, (byte[] Onnx, double Gflop)> Graph)
    {
        public int Outputs => Output.Aggregate(1, (a, b) => a * b);
    }

    private static Network Create(string name)
    {
        switch (name)
        {
            case "resnet18":
            {
                var model = new FusedNorm.Sample.ResNet18();
                model.LoadWeights(SafeTensorsFile.FromBytes(ResNet18Recipe.StateDict().ToArray(), name));
                return new Network("resnet18 224²", new[] { 3, 224, 224 }, new[] { 1000 }, (x, y, batch) => model.Forward(x, y, batch),
                    batch => ResNetGraph(Tensors(ResNet18Recipe.FloatTensors(), ResNet18Recipe.Values), batch, 224, bottleneck: false,
                        new[] { (64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2) }));
            }
            case "resnet50":
            {
                var model = new FusedNorm.Sample.ResNet50();
                model.LoadWeights(SafeTensorsFile.FromBytes(ResNet50Recipe.StateDict().ToArray(), name));
                return new Network("resnet50 64²", new[] { 3, 64, 64 }, new[] { 1000 }, (x, y, batch) => model.Forward(x, y, batch),
                    batch => ResNetGraph(Tensors(ResNet50Recipe.FloatTensors(), ResNet50Recipe.Values), batch, 64, bottleneck: true, ResNet50Recipe.Stages));
            }
            case "mobilenetv2":
            {
                var model = new FusedNorm.Sample.MobileNetV2();
                model.LoadWeights(SafeTensorsFile.FromBytes(MobileNetV2Recipe.StateDict().ToArray(), name));
                return new Network("mobilenetv2 96²", new[] { 3, 96, 96 }, new[] { MobileNetV2Recipe.Classes }, (x, y, batch) => model.Forward(x, y, batch),
                    batch => MobileNetGraph(Tensors(MobileNetV2Recipe.FloatTensors(), MobileNetV2Recipe.Values), batch, 96));
            }
            case "mobilenetv2-224":
            {
                var model = new MobileNetV2At224();
                model.LoadWeights(SafeTensorsFile.FromBytes(MobileNetV2Recipe.StateDict().ToArray(), name));
                return new Network("mobilenetv2 224²", new[] { 3, 224, 224 }, new[] { MobileNetV2Recipe.Classes }, (x, y, batch) => model.Forward(x, y, batch),
                    batch => MobileNetGraph(Tensors(MobileNetV2Recipe.FloatTensors(), MobileNetV2Recipe.Values), batch, 224));
            }
            case "unet":
            {
                var model = new FusedNorm.Sample.UNet();
                model.LoadWeights(SafeTensorsFile.FromBytes(SeededRecipe.StateDict(UNetRecipe.FloatTensors()).ToArray(), name));
                return new Network("unet 64²", new[] { UNetRecipe.InChannels, UNetRecipe.Size, UNetRecipe.Size }, new[] { UNetRecipe.Classes, UNetRecipe.Size, UNetRecipe.Size },
                    (x, y, batch) => model.Forward(x, y, batch), batch => UNetGraph(Tensors(UNetRecipe.FloatTensors(), SeededRecipe.Values), batch));
            }
            case "style":
            {
                var model = new FusedNorm.Sample.StyleTransfer();
                model.LoadWeights(SafeTensorsFile.FromBytes(StyleTransferRecipe.StateDict().ToArray(), name));
                return new Network("style transfer 64²", new[] { 3, StyleTransferRecipe.Size, StyleTransferRecipe.Size }, new[] { 3, StyleTransferRecipe.Size, StyleTransferRecipe.Size },
                    (x, y, batch) => model.Forward(x, y, batch), batch => StyleGraph(Tensors(StyleTransferRecipe.FloatTensors(), SeededRecipe.Values), batch));
            }
            default:
                throw new ArgumentException($"unknown network '{name}': one of {string.Join(", ", Names)}");
        }
    }

    private static Dictionary<string, (int[] Shape, float[] Data)> Tensors(List<(string Key, int[] Shape)> keys, Func<string, int[], float[]> values) =>
        keys.ToDictionary(t => t.Key, t => (t.Shape, values(t.Key, t.Shape)));

    public static void Run(string name, int threads, int batch, int rounds)
    {
        Network network = Create(name);
        global::FusedNorm.Kernels.Parallelism.MaxDegree = threads;
        (byte[] onnx, double gflop) = network.Graph(batch);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(onnx, options);
        var random = new Random(5);
        int[] shape = network.Input;
        float[] x = Enumerable.Range(0, batch * shape[0] * shape[1] * shape[2]).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = new float[batch * network.Outputs], ortY = new float[batch * network.Outputs];
        using var input = OrtValue.CreateTensorValueFromMemory(x, new long[] { batch, shape[0], shape[1], shape[2] });
        using var output = OrtValue.CreateTensorValueFromMemory(ortY, new long[] { batch }.Concat(network.Output.Select(d => (long)d)).ToArray());
        using var runOptions = new RunOptions();
        string[] inputNames = { session.InputMetadata.Keys.Single() }, outputNames = { session.OutputMetadata.Keys.Single() };
        OrtValue[] inputs = { input }, outputs = { output };
        Action fused = () => network.Forward(x, y, batch);
        Action ort = () => session.Run(runOptions, inputNames, inputs, outputNames, outputs);

        fused(); ort();
        double largest = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double difference = Math.Abs(y[i] - (double)ortY[i]);
            largest = Math.Max(largest, difference);
            if (!(difference <= 1e-3 + 1e-3 * Math.Abs(ortY[i]))) throw new InvalidOperationException($"{network.Title}: FusedNorm and ONNX Runtime disagree at {i}: {y[i]} vs {ortY[i]}.");
        }
        Console.WriteLine($"// {network.Title}, batch {batch}, {threads} thread(s): outputs agree, largest difference {largest:E2}");

        // Warm up both (tiered JIT, ORT's arena), then alternate rounds of a few calls each.
        long until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < until) { fused(); ort(); }
        var fusedTimes = new List<double>();
        var ortTimes = new List<double>();
        var fusedCpu = new List<double>();
        var ortCpu = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            // A pause before each side's round: ONNX Runtime's intra-op threads spin-wait for a while after a run (and
            // FusedNorm's workers for 100 µs), and a spinning thread of one side would take a core from the other's round.
            Thread.Sleep(50);
            double cpu = ThreadCpuMilliseconds();
            fusedTimes.Add(Time(fused));
            fusedCpu.Add((ThreadCpuMilliseconds() - cpu) / 3);
            Thread.Sleep(50);
            cpu = ThreadCpuMilliseconds();
            ortTimes.Add(Time(ort));
            ortCpu.Add((ThreadCpuMilliseconds() - cpu) / 3);
        }
        double f = Median(fusedTimes), o = Median(ortTimes);
        Console.WriteLine($"{network.Title}, batch {batch}, {threads} thread(s): FusedNorm {f:F2} ms ({gflop / f * 1000:F0} GFLOP/s), ONNX Runtime {o:F2} ms ({gflop / o * 1000:F0} GFLOP/s), speed-up {o / f:F2}× (medians of {rounds} alternated rounds)");
        // At 1 thread both sides run on this thread (FusedNorm inline, ONNX Runtime with one intra-op thread: the caller),
        // so its CPU time is each call's own work, without the time a loaded machine takes the core away.
        if (threads == 1)
            Console.WriteLine($"// calling thread's CPU time per call, medians: FusedNorm {Median(fusedCpu):F2} ms, ONNX Runtime {Median(ortCpu):F2} ms, speed-up {Median(ortCpu) / Median(fusedCpu):F2}×");
    }

    /// <summary>
    /// What the block kernels save: the same loaded network with <see cref="global::FusedNorm.Kernels.BlockKernels.Enabled"/>
    /// on and off, alternated round by round in one process (each round a few calls), medians and their ratio.
    /// </summary>
    public static void Blocks(string name, int threads, int rounds)
    {
        Network network = Create(name);
        global::FusedNorm.Kernels.Parallelism.MaxDegree = threads;
        int[] shape = network.Input;
        var random = new Random(5);
        float[] x = Enumerable.Range(0, shape[0] * shape[1] * shape[2]).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = new float[network.Outputs];
        var times = new[] { new List<double>(), new List<double>() };
        try
        {
            foreach (bool on in new[] { true, false })
            {
                global::FusedNorm.Kernels.BlockKernels.Enabled = on;
                long until = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
                while (Stopwatch.GetTimestamp() < until) network.Forward(x, y, 1);
            }
            for (int r = 0; r < rounds; r++)
                for (int i = 0; i < 2; i++)
                {
                    global::FusedNorm.Kernels.BlockKernels.Enabled = i == 0;
                    network.Forward(x, y, 1);
                    times[i].Add(Time(() => network.Forward(x, y, 1)));
                }
        }
        finally { global::FusedNorm.Kernels.BlockKernels.Enabled = true; }
        double fused = Median(times[0]), chains = Median(times[1]);
        Console.WriteLine($"{network.Title}, batch 1, {threads} thread(s), {rounds} alternated rounds: block kernels {fused:F2} ms, chains one by one {chains:F2} ms: {chains / fused:F3}× as fast with block kernels (medians)");
    }

    /// <summary>FusedNorm's side alone in a loop for <paramref name="seconds"/> (for a sampling profiler: `perf record`).</summary>
    public static void Loop(string name, int threads, double seconds, bool chains = false)
    {
        Network network = Create(name);
        global::FusedNorm.Kernels.Parallelism.MaxDegree = threads;
        global::FusedNorm.Kernels.BlockKernels.Enabled = !chains;
        int[] shape = network.Input;
        float[] x = new float[shape[0] * shape[1] * shape[2]], y = new float[network.Outputs];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(i);
        long until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        int calls = 0;
        for (; Stopwatch.GetTimestamp() < until; calls++) network.Forward(x, y, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        network.Forward(x, y, 1);
        long one = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) network.Forward(x, y, 1);
        long hundred = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{network.Title}: {calls} calls in {seconds} s at {threads} thread(s); on the calling thread one more call allocates {one} bytes, the 100 after it {hundred} bytes");
    }

    /// <summary>
    /// ONNX Runtime's own per-node profile of a network at batch 1 (SessionOptions.EnableProfiling): the mean time of each
    /// node over <paramref name="runs"/> runs after a warm-up, in execution order, labelled with the convolution it computes
    /// (ORT names a fused node after the Conv it started from), and the total by op type. Beside a `perf` profile of
    /// FusedNorm's side (network-profile) it says which layers the gap is in.
    /// </summary>
    public static void OrtProfile(string name, int threads, int runs)
    {
        Network network = Create(name);
        s_labels.Clear();
        (byte[] onnx, double gflop) = network.Graph(1);
        var labels = new List<string>(s_labels);
        int[] shape = network.Input;
        float[] x = new float[shape[0] * shape[1] * shape[2]], y = new float[network.Outputs];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(i);
        using var input = OrtValue.CreateTensorValueFromMemory(x, new long[] { 1, shape[0], shape[1], shape[2] });
        using var output = OrtValue.CreateTensorValueFromMemory(y, new long[] { 1 }.Concat(network.Output.Select(d => (long)d)).ToArray());
        using var runOptions = new RunOptions();
        string path;
        {
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            using var warm = new InferenceSession(onnx, options);
            string[] inNames = { warm.InputMetadata.Keys.Single() }, outNames = { warm.OutputMetadata.Keys.Single() };
            for (int i = 0; i < 20; i++) warm.Run(runOptions, inNames, new[] { input }, outNames, new[] { output });
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fusednorm-ort-profile");
            using var session = new InferenceSession(onnx, options);
            for (int i = 0; i < 20 + runs; i++) session.Run(runOptions, inNames, new[] { input }, outNames, new[] { output });
            path = session.EndProfiling();
        }
        using var json = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(path));
        var order = new List<string>();
        var nodes = new Dictionary<string, (string Op, List<double> Times)>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node") continue;
            string n = e.GetProperty("name").GetString()!;
            if (!n.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            n = n.Substring(0, n.Length - "_kernel_time".Length);
            string op = e.TryGetProperty("args", out var a) && a.TryGetProperty("op_name", out var o) ? o.GetString()! : "?";
            if (!nodes.TryGetValue(n, out var entry)) { nodes[n] = entry = (op, new List<double>()); order.Add(n); }
            entry.Times.Add(e.GetProperty("dur").GetDouble());
        }
        System.IO.File.Delete(path);
        Console.WriteLine($"// {network.Title}, batch 1, {threads} thread(s): ONNX Runtime's profile, mean µs per node over the last {runs} of {20 + runs} runs");
        double total = 0;
        var byOp = new Dictionary<string, double>();
        // ORT names a fused Conv node after the last node it absorbed (its BatchNormalization, Clip or Relu), whose number
        // follows the graph's creation order, not the execution order: the labels go to the Conv nodes sorted by it.
        static int Number(string node) => int.TryParse(new string(node.Split('_').FirstOrDefault(p => p.Length > 0 && p.All(char.IsDigit)) ?? "x"), out int k) ? k : int.MaxValue;
        var convNodes = order.Where(n => nodes[n].Op == "Conv").OrderBy(Number).ToList();
        var labelOf = convNodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i < labels.Count ? labels[p.i] : "");
        foreach (string n in order)
        {
            var (op, times) = nodes[n];
            double mean = times.Skip(Math.Max(0, times.Count - runs)).Average();
            total += mean;
            byOp[op] = byOp.GetValueOrDefault(op) + mean;
            string label = labelOf.GetValueOrDefault(n, "");
            Console.WriteLine($"{mean,9:F1} µs  {op,-20} {n,-28} {label}");
        }
        Console.WriteLine($"{total,9:F1} µs  total of the nodes");
        foreach (var (op, t) in byOp.OrderByDescending(p => p.Value)) Console.WriteLine($"{t,9:F1} µs  {100 * t / total,5:F1} %  {op}");
    }

    // Conv outputs of the last graph built → the weight key and shapes (for OrtProfile's labels).
    private static readonly List<string> s_labels = new();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec { public long Seconds, Nanoseconds; }

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID; Linux), in ms; NaN elsewhere.</summary>
    private static double ThreadCpuMilliseconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        ClockGetTime(3, out var t);
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / 3;
    }

    private static double Median(List<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);

    /// <summary>An ONNX graph with the tensors' shapes tracked, so each conv's multiply-adds are counted as it is added.</summary>
    private sealed class Builder
    {
        private readonly Dictionary<string, (int[] Shape, float[] Data)> _tensors;
        private readonly Dictionary<string, (int C, int H, int W)> _shapes = new();
        public readonly OnnxGraph Graph = new();
        public double MultiplyAdds;

        public Builder(Dictionary<string, (int[] Shape, float[] Data)> tensors, string input, int batch, int channels, int size)
        {
            _tensors = tensors;
            Graph.Input(input, batch, channels, size, size);
            _shapes[input] = (channels, size, size);
        }

        public (int C, int H, int W) Shape(string x) => _shapes[x];
        private string Keep(string output, (int, int, int) shape) { _shapes[output] = shape; return output; }
        public string W(string key) => Graph.Initializer(key, _tensors[key].Data, _tensors[key].Shape.Select(d => (long)d).ToArray());

        public string Conv(string x, string key, int kernel, int stride, int padding, int groups = 1)
        {
            var (c, h, w) = _shapes[x];
            int outC = _tensors[key].Shape[0], oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
            MultiplyAdds += (double)outC * oh * ow * (c / groups) * kernel * kernel;
            string bias = key.Replace(".weight", ".bias");
            string[] inputs = key.EndsWith(".weight", StringComparison.Ordinal) && _tensors.ContainsKey(bias) ? new[] { x, W(key), W(bias) } : new[] { x, W(key) };
            string node = Graph.Node("Conv", inputs, Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride),
                Ints("pads", padding, padding, padding, padding), Int("group", groups));
            s_labels.Add($"{key.Replace(".weight", "")}: {c}×{h}×{w} → {outC}×{oh}×{ow}, {kernel}×{kernel}/{stride}{(groups > 1 ? $" g{groups}" : "")}");
            return Keep(node, (outC, oh, ow));
        }

        /// <summary>ConvTranspose with kernel = stride, no padding (a UNet's up-sampling), with its bias.</summary>
        public string ConvTranspose(string x, string key, int kernel)
        {
            var (c, h, w) = _shapes[x];
            int outC = _tensors[key + ".weight"].Shape[1];
            MultiplyAdds += (double)c * outC * h * w * kernel * kernel;
            return Keep(Graph.Node("ConvTranspose", new[] { x, W(key + ".weight"), W(key + ".bias") }, Ints("kernel_shape", kernel, kernel), Ints("strides", kernel, kernel)),
                (outC, h * kernel, w * kernel));
        }

        /// <summary>
        /// GroupNorm as torch.onnx exports it for ONNX opsets without a per-channel GroupNormalization: reshape to
        /// (N, groups, rest), InstanceNormalization without affine, reshape back, then γ and β per channel.
        /// </summary>
        public string GroupNorm(string x, string key, int groups, int batch)
        {
            var (c, h, w) = _shapes[x];
            string grouped = Graph.Node("Reshape", new[] { x, Graph.Initializer(Graph.Fresh("shape"), new long[] { batch, groups, -1 }) });
            string normalized = Graph.Node("InstanceNormalization", new[] { grouped, Graph.Initializer(Graph.Fresh("ones"), Enumerable.Repeat(1f, groups).ToArray(), groups),
                Graph.Initializer(Graph.Fresh("zeros"), new float[groups], groups) }, Float("epsilon", 1e-5f));
            string back = Graph.Node("Reshape", new[] { normalized, Graph.Initializer(Graph.Fresh("shape"), new long[] { batch, c, h, w }) });
            string gamma = Graph.Initializer(key + ".weight", _tensors[key + ".weight"].Data, c, 1, 1);
            string beta = Graph.Initializer(key + ".bias", _tensors[key + ".bias"].Data, c, 1, 1);
            return Keep(Graph.Node("Add", new[] { Graph.Node("Mul", new[] { back, gamma }), beta }), (c, h, w));
        }

        public string InstanceNorm(string x, string key) =>
            Keep(Graph.Node("InstanceNormalization", new[] { x, W(key + ".weight"), W(key + ".bias") }, Float("epsilon", 1e-5f)), _shapes[x]);

        /// <summary>SiLU as torch.onnx exports it: x · Sigmoid(x).</summary>
        public string SiLU(string x) => Keep(Graph.Node("Mul", new[] { x, Graph.Node("Sigmoid", new[] { x }) }), _shapes[x]);

        public string Concat(string a, string b)
        {
            var (ca, h, w) = _shapes[a];
            return Keep(Graph.Node("Concat", new[] { a, b }, Int("axis", 1)), (ca + _shapes[b].C, h, w));
        }

        public string ReflectPad(string x, int padding)
        {
            var (c, h, w) = _shapes[x];
            string pads = Graph.Initializer(Graph.Fresh("pads"), new long[] { 0, 0, padding, padding, 0, 0, padding, padding });
            return Keep(Graph.Node("Pad", new[] { x, pads }, String("mode", "reflect")), (c, h + 2 * padding, w + 2 * padding));
        }

        /// <summary>nn.Upsample(scale_factor=2) (nearest), as Resize with scales (1, 1, 2, 2).</summary>
        public string UpsampleNearest2(string x)
        {
            var (c, h, w) = _shapes[x];
            string scales = Graph.Initializer(Graph.Fresh("scales"), new[] { 1f, 1f, 2f, 2f }, 4);
            return Keep(Graph.Node("Resize", new[] { x, "", scales }, String("mode", "nearest"), String("nearest_mode", "floor"),
                String("coordinate_transformation_mode", "asymmetric")), (c, 2 * h, 2 * w));
        }

        public string Bn(string x, string key) => Keep(Graph.Node("BatchNormalization",
            new[] { x, W(key + ".weight"), W(key + ".bias"), W(key + ".running_mean"), W(key + ".running_var") }, Float("epsilon", 1e-5f)), _shapes[x]);

        public string Relu(string x) => Keep(Graph.Node("Relu", new[] { x }), _shapes[x]);

        private string? _zero, _six; // Clip's bounds, one pair of scalars for every ReLU6

        public string Relu6(string x)
        {
            _zero ??= Graph.Initializer("relu6_min", new[] { 0f });
            _six ??= Graph.Initializer("relu6_max", new[] { 6f });
            return Keep(Graph.Node("Clip", new[] { x, _zero, _six }), _shapes[x]);
        }

        public string Add(string a, string b) => Keep(Graph.Node("Add", new[] { a, b }), _shapes[a]);

        public string MaxPool(string x, int kernel, int stride, int padding)
        {
            var (c, h, w) = _shapes[x];
            return Keep(Graph.Node("MaxPool", new[] { x }, Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", padding, padding, padding, padding)),
                (c, (h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1));
        }

        /// <summary>GlobalAveragePool, Flatten and the classifier's Gemm: the logits.</summary>
        public string Head(string x, string key)
        {
            var (c, _, _) = _shapes[x];
            MultiplyAdds += (double)_tensors[key + ".weight"].Shape[0] * c;
            string flat = Graph.Node("Flatten", new[] { Graph.Node("GlobalAveragePool", new[] { x }) });
            return Graph.Node("Gemm", new[] { flat, W(key + ".weight"), W(key + ".bias") }, Int("transB", 1));
        }

        public (byte[], double) Finish(string logits, int batch, int classes)
        {
            Graph.Output(logits, batch, classes);
            return (Graph.ToBytes(), 2 * MultiplyAdds * batch / 1e9);
        }

        public (byte[], double) Finish(string output, int batch)
        {
            var (c, h, w) = _shapes[output];
            Graph.Output(output, batch, c, h, w);
            return (Graph.ToBytes(), 2 * MultiplyAdds * batch / 1e9);
        }
    }

    /// <summary>torchvision's resnet18 / resnet50 forward as ONNX nodes, the weights under their state_dict names.</summary>
    private static (byte[], double) ResNetGraph(Dictionary<string, (int[] Shape, float[] Data)> tensors, int batch, int size, bool bottleneck, (int Planes, int Blocks, int Stride)[] stages)
    {
        var g = new Builder(tensors, "x", batch, 3, size);
        string h = g.MaxPool(g.Relu(g.Bn(g.Conv("x", "conv1.weight", 7, 2, 3), "bn1")), 3, 2, 1);
        for (int layer = 1; layer <= stages.Length; layer++)
        {
            var (planes, blocks, firstStride) = stages[layer - 1];
            for (int block = 0; block < blocks; block++)
            {
                string p = $"layer{layer}.{block}";
                int stride = block == 0 ? firstStride : 1;
                string o;
                if (bottleneck)
                {
                    o = g.Relu(g.Bn(g.Conv(h, p + ".conv1.weight", 1, 1, 0), p + ".bn1"));
                    o = g.Relu(g.Bn(g.Conv(o, p + ".conv2.weight", 3, stride, 1), p + ".bn2"));
                    o = g.Bn(g.Conv(o, p + ".conv3.weight", 1, 1, 0), p + ".bn3");
                }
                else
                {
                    o = g.Relu(g.Bn(g.Conv(h, p + ".conv1.weight", 3, stride, 1), p + ".bn1"));
                    o = g.Bn(g.Conv(o, p + ".conv2.weight", 3, 1, 1), p + ".bn2");
                }
                string identity = tensors.ContainsKey(p + ".downsample.0.weight") ? g.Bn(g.Conv(h, p + ".downsample.0.weight", 1, stride, 0), p + ".downsample.1") : h;
                h = g.Relu(g.Add(o, identity));
            }
        }
        return g.Finish(g.Head(h, "fc"), batch, 1000);
    }

    /// <summary>The Sample's UNet (UNetRecipe): two conv + GroupNorm(8) + SiLU per level, max-pool down, ConvTranspose up, concat skips.</summary>
    private static (byte[], double) UNetGraph(Dictionary<string, (int[] Shape, float[] Data)> tensors, int batch)
    {
        var g = new Builder(tensors, "x", batch, UNetRecipe.InChannels, UNetRecipe.Size);
        string Block(string x, string name)
        {
            string h = g.SiLU(g.GroupNorm(g.Conv(x, name + ".block.0.weight", 3, 1, 1), name + ".block.1", 8, batch));
            return g.SiLU(g.GroupNorm(g.Conv(h, name + ".block.3.weight", 3, 1, 1), name + ".block.4", 8, batch));
        }
        string down1 = Block("x", "down1");
        string down2 = Block(g.MaxPool(down1, 2, 2, 0), "down2");
        string mid = Block(g.MaxPool(down2, 2, 2, 0), "mid");
        string dec2 = Block(g.Concat(down2, g.ConvTranspose(mid, "up2", 2)), "dec2");
        string dec1 = Block(g.Concat(down1, g.ConvTranspose(dec2, "up1", 2)), "dec1");
        return g.Finish(g.Conv(dec1, "out.weight", 1, 1, 0), batch);
    }

    /// <summary>pytorch/examples' fast-neural-style TransformerNet: reflection padding, InstanceNorm(affine), 5 residual blocks, nearest ×2 upsampling.</summary>
    private static (byte[], double) StyleGraph(Dictionary<string, (int[] Shape, float[] Data)> tensors, int batch)
    {
        var g = new Builder(tensors, "x", batch, 3, StyleTransferRecipe.Size);
        string ConvLayer(string x, string name, int kernel, int stride) => g.Conv(g.ReflectPad(x, kernel / 2), name + ".conv2d.weight", kernel, stride, 0);
        string h = g.Relu(g.InstanceNorm(ConvLayer("x", "conv1", 9, 1), "in1"));
        h = g.Relu(g.InstanceNorm(ConvLayer(h, "conv2", 3, 2), "in2"));
        h = g.Relu(g.InstanceNorm(ConvLayer(h, "conv3", 3, 2), "in3"));
        for (int r = 1; r <= 5; r++)
        {
            string o = g.Relu(g.InstanceNorm(ConvLayer(h, $"res{r}.conv1", 3, 1), $"res{r}.in1"));
            h = g.Add(g.InstanceNorm(ConvLayer(o, $"res{r}.conv2", 3, 1), $"res{r}.in2"), h);
        }
        h = g.Relu(g.InstanceNorm(ConvLayer(g.UpsampleNearest2(h), "deconv1", 3, 1), "in4"));
        h = g.Relu(g.InstanceNorm(ConvLayer(g.UpsampleNearest2(h), "deconv2", 3, 1), "in5"));
        return g.Finish(ConvLayer(h, "deconv3", 9, 1), batch);
    }

    /// <summary>torchvision's mobilenet_v2 forward as ONNX nodes (ReLU6 as Clip(0, 6)), the weights under their state_dict names.</summary>
    private static (byte[], double) MobileNetGraph(Dictionary<string, (int[] Shape, float[] Data)> tensors, int batch, int size)
    {
        var g = new Builder(tensors, "x", batch, 3, size);
        string h = g.Relu6(g.Bn(g.Conv("x", "features.0.0.weight", 3, 2, 1), "features.0.1"));
        int index = 1;
        foreach (var (t, c, n, s) in MobileNetV2Recipe.Settings)
            for (int i = 0; i < n; i++, index++)
            {
                string p = $"features.{index}.conv";
                int inC = g.Shape(h).C, hidden = inC * t, stride = i == 0 ? s : 1, layer = 0;
                string o = h;
                if (t != 1)
                {
                    o = g.Relu6(g.Bn(g.Conv(o, $"{p}.0.0.weight", 1, 1, 0), $"{p}.0.1"));
                    layer = 1;
                }
                o = g.Relu6(g.Bn(g.Conv(o, $"{p}.{layer}.0.weight", 3, stride, 1, groups: hidden), $"{p}.{layer}.1"));
                o = g.Bn(g.Conv(o, $"{p}.{layer + 1}.weight", 1, 1, 0), $"{p}.{layer + 2}");
                h = stride == 1 && inC == c ? g.Add(o, h) : o;
            }
        h = g.Relu6(g.Bn(g.Conv(h, "features.18.0.weight", 1, 1, 0), "features.18.1"));
        return g.Finish(g.Head(h, "classifier.1"), batch, MobileNetV2Recipe.Classes);
    }
}
