using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm;
using static FusedNorm.Benchmarks.OnnxGraph;

namespace FusedNorm.Benchmarks;

/// <summary>Random weights for a workload, as a safetensors state_dict for FusedNorm and as ONNX initializers for ONNX Runtime.</summary>
internal static class WorkloadBuilder
{
    public static (byte[] Weights, byte[] Onnx, int OutputSize) Build(Workload workload, int seed = 5)
    {
        var random = new Random(seed);
        float[] Uniform(int n, double low, double high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();

        var writer = new SafeTensorsWriter();
        var graph = new OnnxGraph();
        long b = workload.Batch;
        graph.Input("x", new[] { b }.Concat(workload.Sample.Select(d => (long)d)).ToArray());
        string current = "x";
        int c = workload.Sample[0], h = workload.Sample.Length > 1 ? workload.Sample[1] : 1, w = workload.Sample.Length > 2 ? workload.Sample[2] : 1;
        bool flat = workload.Sample.Length == 1;

        foreach (object stage in workload.Stages)
        {
            if (stage is ConvStage s)
            {
                int taps = s.InC / s.Groups * s.K * s.K;
                float bound = 1f / MathF.Sqrt(taps);
                float[] weight = Uniform(s.OutC * taps, -bound, bound);
                writer.Add(s.Conv + ".weight", weight, s.OutC, s.InC / s.Groups, s.K, s.K);
                var convInputs = new List<string> { current, graph.Initializer(s.Conv + ".weight", weight, s.OutC, s.InC / s.Groups, s.K, s.K) };
                if (s.Bias)
                {
                    float[] bias = Uniform(s.OutC, -bound, bound);
                    writer.Add(s.Conv + ".bias", bias, s.OutC);
                    convInputs.Add(graph.Initializer(s.Conv + ".bias", bias, s.OutC));
                }
                current = graph.Node("Conv", convInputs.ToArray(),
                    Ints("kernel_shape", s.K, s.K), Ints("pads", s.Pad, s.Pad, s.Pad, s.Pad), Ints("strides", s.Stride, s.Stride), Int("group", s.Groups));
                (c, h, w) = (s.OutC, s.ConvOut(h), s.ConvOut(w));
                current = Norm(graph, writer, s.Norm, s.NormKind, s.NormGroups, current, b, c, h, w, Uniform);
                current = Activation(graph, s.Act, current);
                if (s.MaxPool > 0)
                {
                    int stride = s.PoolStride > 0 ? s.PoolStride : s.MaxPool;
                    // ONNX MaxPool pads with -inf, as PyTorch's MaxPool2d does; floor mode (ceil_mode 0) is the default in both.
                    current = graph.Node("MaxPool", new[] { current }, Ints("kernel_shape", s.MaxPool, s.MaxPool), Ints("strides", stride, stride),
                        Ints("pads", s.PoolPad, s.PoolPad, s.PoolPad, s.PoolPad));
                    (h, w) = (s.PoolOut(h), s.PoolOut(w));
                }
                if (s.GlobalPool)
                {
                    current = graph.Node("GlobalAveragePool", new[] { current });
                    (h, w) = (1, 1);
                }
            }
            else if (stage is LinearStage l)
            {
                if (!flat) { current = graph.Node("Flatten", new[] { current }, Int("axis", 1)); flat = true; }
                float bound = 1f / MathF.Sqrt(l.In);
                float[] weight = Uniform(l.Out * l.In, -bound, bound), bias = Uniform(l.Out, -bound, bound);
                writer.Add(l.Linear + ".weight", weight, l.Out, l.In);
                writer.Add(l.Linear + ".bias", bias, l.Out);
                current = graph.Node("Gemm", new[] { current, graph.Initializer(l.Linear + ".weight", weight, l.Out, l.In), graph.Initializer(l.Linear + ".bias", bias, l.Out) }, Int("transB", 1));
                c = l.Out; h = w = 1;
                if (l.BatchNorm) current = Norm(graph, writer, l.Norm, NormKind.BatchNorm, 0, current, b, c, 1, 1, Uniform);
                current = Activation(graph, l.Act, current);
            }
        }
        string output = graph.Node("Identity", new[] { current });
        int outputSize = flat ? c : c * h * w;
        graph.Output(output, flat ? new[] { b, c } : new[] { b, c, h, w });
        return (writer.ToArray(), graph.ToBytes(), outputSize);
    }

    private static string Norm(OnnxGraph graph, SafeTensorsWriter writer, string name, NormKind kind, int groups, string x, long batch, int c, int h, int w,
        Func<int, double, double, float[]> uniform)
    {
        switch (kind)
        {
            case NormKind.BatchNorm:
            {
                float[] gamma = uniform(c, 0.5, 1.5), beta = uniform(c, -0.5, 0.5), mean = uniform(c, -0.5, 0.5), variance = uniform(c, 0.5, 2.0);
                writer.Add(name + ".weight", gamma, c); writer.Add(name + ".bias", beta, c);
                writer.Add(name + ".running_mean", mean, c); writer.Add(name + ".running_var", variance, c);
                return graph.Node("BatchNormalization", new[] { x, graph.Initializer(name + ".weight", gamma, c), graph.Initializer(name + ".bias", beta, c),
                    graph.Initializer(name + ".running_mean", mean, c), graph.Initializer(name + ".running_var", variance, c) }, Float("epsilon", 1e-5f));
            }
            case NormKind.InstanceNorm:
            {
                float[] gamma = uniform(c, 0.5, 1.5), beta = uniform(c, -0.5, 0.5);
                writer.Add(name + ".weight", gamma, c); writer.Add(name + ".bias", beta, c);
                return graph.Node("InstanceNormalization", new[] { x, graph.Initializer(name + ".weight", gamma, c), graph.Initializer(name + ".bias", beta, c) }, Float("epsilon", 1e-5f));
            }
            case NormKind.GroupNorm:
            {
                // torch.onnx's export of GroupNorm: reshape to (N, G, −1), InstanceNormalization, reshape back, per-channel affine.
                float[] gamma = uniform(c, 0.5, 1.5), beta = uniform(c, -0.5, 0.5);
                writer.Add(name + ".weight", gamma, c); writer.Add(name + ".bias", beta, c);
                string grouped = graph.Node("Reshape", new[] { x, graph.Initializer(graph.Fresh("shape"), new[] { batch, groups, -1L }) });
                string normalized = graph.Node("InstanceNormalization", new[] { grouped, graph.Initializer(graph.Fresh("ones"), Enumerable.Repeat(1f, groups).ToArray(), groups),
                    graph.Initializer(graph.Fresh("zeros"), new float[groups], groups) }, Float("epsilon", 1e-5f));
                string back = graph.Node("Reshape", new[] { normalized, graph.Initializer(graph.Fresh("shape"), new[] { batch, c, h, (long)w }) });
                string scaled = graph.Node("Mul", new[] { back, graph.Initializer(name + ".weight", gamma, c, 1, 1) });
                return graph.Node("Add", new[] { scaled, graph.Initializer(name + ".bias", beta, c, 1, 1) });
            }
            case NormKind.LayerNormHW:
            {
                float[] gamma = uniform(h * w, 0.5, 1.5), beta = uniform(h * w, -0.5, 0.5);
                writer.Add(name + ".weight", gamma, h, w); writer.Add(name + ".bias", beta, h, w);
                return graph.Node("LayerNormalization", new[] { x, graph.Initializer(name + ".weight", gamma, h, w), graph.Initializer(name + ".bias", beta, h, w) },
                    Int("axis", -2), Float("epsilon", 1e-5f));
            }
            default:
                return x;
        }
    }

    private static string Activation(OnnxGraph graph, ActKind act, string x) => act switch
    {
        ActKind.Relu => graph.Node("Relu", new[] { x }),
        ActKind.Relu6 => graph.Node("Clip", new[] { x, graph.Initializer(graph.Fresh("zero"), new[] { 0f }), graph.Initializer(graph.Fresh("six"), new[] { 6f }) }),
        ActKind.Silu => graph.Node("Mul", new[] { x, graph.Node("Sigmoid", new[] { x }) }),
        ActKind.Gelu => graph.Node("Gelu", new[] { x }),
        _ => x,
    };
}
