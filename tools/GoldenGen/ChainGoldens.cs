using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace GoldenGen;

/// <summary>
/// One golden per <see cref="ChainCases"/> entry: the eval-mode module as nn.Sequential with children named
/// conv/linear, bn, act, pool (so its state_dict keys are the ones the test's chain reads), an input, and
/// PyTorch's output for it.
/// </summary>
internal static class ChainGoldens
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 100;
        foreach (ChainCase chain in ChainCases.All) WriteCase(directory, chain, seed++, Array.Empty<Poke>());
    }

    /// <summary>
    /// Only the chains with a prologue (an Upsample, a padding layer or a conv padding_mode), with seeds of their own (700
    /// on): the other chain goldens are left as they are.
    /// </summary>
    public static void WritePrologue(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 700;
        foreach (ChainCase chain in ChainCases.All.Where(HasPrologue)) WriteCase(directory, chain, seed++, Array.Empty<Poke>());
    }

    /// <summary>
    /// The <see cref="WinogradCases"/> (chains the plan runs as Winograd), with seeds of their own (1300 on). Only the cases
    /// without a file yet: libtorch picks its conv kernels by CPU, so the same seed written on another machine can differ in
    /// the last bits, and a committed golden should change only when its case does (delete the file to write it again).
    /// </summary>
    public static void WriteWinograd(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 1300;
        foreach (ChainCase chain in WinogradCases.All)
        {
            if (File.Exists(Path.Combine(directory, chain.Name + ".safetensors"))) Console.WriteLine($"{chain.Name}: kept (the file exists)");
            else WriteCase(directory, chain, seed, Array.Empty<Poke>());
            seed++;
        }
    }

    public static bool HasPrologue(ChainCase chain) => chain.Prologue is not null || chain.Conv is { Mode: not PaddingMode.Zeros };

    /// <summary>
    /// The <see cref="NonFiniteCases"/>: built and drawn exactly like a chain golden (with seeds of their own, so the
    /// chain goldens keep theirs), then the poked values are set in the input or the state_dict before the forward.
    /// </summary>
    public static void WriteNonFinite(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 900;
        foreach (NonFiniteCase c in NonFiniteCases.All) WriteCase(directory, c.Chain, seed++, c.Pokes);
        WriteActivations(directory);
    }

    private static void WriteCase(string directory, ChainCase chain, int seed, IReadOnlyList<Poke> pokes)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        Module module = Build(chain, out string description);
        var state = module.state_dict();
        using (torch.no_grad())
        {
            // Non-trivial statistics and affine parameters, so BatchNorm folding is really exercised.
            if (state.TryGetValue("bn.weight", out Tensor? gamma)) gamma.uniform_(0.5, 1.5);
            if (state.TryGetValue("bn.bias", out Tensor? beta)) beta.uniform_(-0.5, 0.5);
            if (state.TryGetValue("bn.running_mean", out Tensor? mean)) mean.normal_(0, 0.5);
            if (state.TryGetValue("bn.running_var", out Tensor? variance)) variance.uniform_(0.5, 2.0);
            if (state.TryGetValue("bn.num_batches_tracked", out Tensor? tracked)) tracked.fill_(10);
        }
        long[] shape = new[] { (long)chain.Batch }.Concat(chain.SampleShape.Select(d => (long)d)).ToArray();
        Tensor input = torch.randn(shape);
        using (torch.no_grad())
            foreach (Poke poke in pokes)
            {
                Tensor target = poke.Tensor == "input" ? input : state[poke.Tensor];
                if (poke.Index.Length != target.dim()) throw new ArgumentException($"{chain.Name}: {poke} does not index [{string.Join(", ", target.shape)}]");
                target[poke.Index.Select(i => (long)i).ToArray()].fill_(poke.Value);
            }

        // The state before the forward is what the model loads; a training-mode forward then updates the
        // running statistics, which are written again as "after.<key>".
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
        Tensor output;
        if (chain.Training)
        {
            module.train();
            using (torch.no_grad()) output = module.forward(input);
            foreach (var (name, tensor) in module.state_dict())
                if (name.Contains("running_") || name.Contains("num_batches_tracked")) Tensors.Add(writer, "after." + name, tensor);
            module.eval();
            Tensor evalOutput;
            using (torch.no_grad()) evalOutput = module.forward(input);
            Tensors.Add(writer, "eval_output", evalOutput); // eval mode with the updated running statistics
        }
        else
        {
            module.eval();
            using (torch.no_grad()) output = module.forward(input);
        }
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        if (pokes.Count > 0) writer.SetMetadata("nonfinite", string.Join(" ", pokes));
        string path = Path.Combine(directory, chain.Name + ".safetensors");
        writer.Save(path);
        Console.WriteLine($"{chain.Name,-26} {description} → [{string.Join(", ", output.shape)}], {new FileInfo(path).Length} bytes");
    }

    private static Module Activation(Layer a, double p, bool geluTanh) => a switch
    {
        Layer.ReLU => nn.ReLU(),
        Layer.ReLU6 => nn.ReLU6(),
        Layer.LeakyReLU => nn.LeakyReLU(double.IsNaN(p) ? 0.01 : p),
        Layer.SiLU => nn.SiLU(),
        Layer.GELU => geluTanh ? nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh) : nn.GELU(),
        Layer.Sigmoid => nn.Sigmoid(),
        Layer.Tanh => nn.Tanh(),
        Layer.Hardswish => nn.Hardswish(),
        Layer.ELU => nn.ELU(double.IsNaN(p) ? 1.0 : p),
        Layer.Softmax => nn.Softmax(1),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>nonfinite_activations.safetensors: <see cref="NonFiniteActivations.Inputs"/> through every activation module.</summary>
    private static void WriteActivations(string directory)
    {
        using var scope = torch.NewDisposeScope();
        var writer = new SafeTensorsWriter();
        Tensor input = torch.tensor(NonFiniteActivations.Inputs);
        Tensors.Add(writer, "input", input);
        foreach (NonFiniteActivations.Kind kind in NonFiniteActivations.All)
        {
            Module module = Activation(kind.Layer, kind.Parameter, kind.GeluTanh);
            module.eval();
            using (torch.no_grad()) Tensors.Add(writer, kind.Key, module.forward(input));
        }
        writer.SetMetadata("case", "every activation at NaN, ±inf and the largest floats");
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        string path = Path.Combine(directory, "nonfinite_activations.safetensors");
        writer.Save(path);
        Console.WriteLine($"{"nonfinite_activations",-26} {NonFiniteActivations.All.Length} activations × {NonFiniteActivations.Inputs.Length} inputs, {new FileInfo(path).Length} bytes");
    }

    /// <summary>A conv built with PyTorch's per-dim tuples (kernel_size=(1, 7), …): nn.Conv2d/Conv3d's tuple overloads.</summary>
    private static Module TupleConv(int rank, int inChannels, ConvCase c, PaddingModes paddingMode)
    {
        long[] k = c.KernelsOf(rank).Select(v => (long)v).ToArray(), s = c.StridesOf(rank).Select(v => (long)v).ToArray();
        long[] p = c.PaddingsOf(rank).Select(v => (long)v).ToArray(), d = c.DilationsOf(rank).Select(v => (long)v).ToArray();
        return rank switch
        {
            1 => nn.Conv1d(inChannels, c.OutChannels, k[0], stride: s[0], padding: p[0], dilation: d[0], padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
            2 => nn.Conv2d(inChannels, c.OutChannels, (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]), dilation: (d[0], d[1]), padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
            _ => nn.Conv3d(inChannels, c.OutChannels, (k[0], k[1], k[2]), stride: (s[0], s[1], s[2]), padding: (p[0], p[1], p[2]), dilation: (d[0], d[1], d[2]), padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
        };
    }

    /// <summary>Only the <see cref="TupleCases"/> (per-dim kernel_size, stride, padding, dilation), with seeds of their own (1500 on).</summary>
    public static void WriteTuples(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 1500;
        foreach (ChainCase chain in TupleCases.All) WriteCase(directory, chain, seed++, Array.Empty<Poke>());
    }

    private static Module Build(ChainCase chain, out string description)
    {
        var modules = new List<(string, Module)>();
        var parts = new List<string>();
        int channels;
        if (chain.Prologue is { Scale: > 0 } up)
        {
            var mode = up.Mode == FusedNorm.UpsampleMode.Bilinear ? torch.UpsampleMode.Bilinear : torch.UpsampleMode.Nearest;
            modules.Add(("up", nn.Upsample(scale_factor: new double[] { up.Scale, up.Scale }, mode: mode, align_corners: up.Mode == FusedNorm.UpsampleMode.Bilinear ? up.AlignCorners : null)));
            parts.Add($"Upsample(scale_factor={up.Scale},mode={up.Mode.ToString().ToLowerInvariant()}{(up.AlignCorners ? ",align_corners=True" : "")})");
        }
        if (chain.Prologue is { Pad: { } padLayer } pro)
        {
            var (l, r, t, b) = pro.Sides;
            var sides = ((long)l, (long)r, (long)t, (long)b);
            modules.Add(("pad", padLayer switch
            {
                Layer.ReflectionPad2d => nn.ReflectionPad2d(sides),
                Layer.ReplicationPad2d => nn.ReplicationPad2d(sides),
                _ => nn.ZeroPad2d(sides),
            }));
            parts.Add($"{padLayer}(({l},{r},{t},{b}))");
        }
        if (chain.Conv is { } c)
        {
            int inChannels = chain.SampleShape[0];
            var paddingMode = c.Mode switch
            {
                PaddingMode.Reflect => PaddingModes.Reflect,
                PaddingMode.Replicate => PaddingModes.Replicate,
                PaddingMode.Circular => PaddingModes.Circular,
                _ => PaddingModes.Zeros,
            };
            bool tuples = c.Kernels is not null || c.Strides is not null || c.Paddings is not null || c.Dilations is not null;
            modules.Add(("conv", tuples ? TupleConv(chain.Rank, inChannels, c, paddingMode) : chain.Rank switch
            {
                1 => nn.Conv1d(inChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
                3 => nn.Conv3d(inChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
                _ => nn.Conv2d(inChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, padding_mode: paddingMode, groups: c.Groups, bias: c.Bias),
            }));
            static string T(int[] v) => v.Length == 1 ? $"{v[0]}" : "(" + string.Join(",", v) + ")";
            parts.Add(tuples
                ? $"Conv{chain.Rank}d({inChannels},{c.OutChannels},k{T(c.KernelsOf(chain.Rank))},s{T(c.StridesOf(chain.Rank))},p{T(c.PaddingsOf(chain.Rank))},d{T(c.DilationsOf(chain.Rank))}{(c.Groups != 1 ? $",groups={c.Groups}" : "")}{(c.Bias ? "" : ",bias=False")}{(c.Mode != PaddingMode.Zeros ? $",padding_mode={c.Mode.ToString().ToLowerInvariant()}" : "")})"
                : $"Conv{chain.Rank}d({inChannels},{c.OutChannels},k{c.Kernel},s{c.Stride},p{c.Padding},d{c.Dilation}{(c.Groups != 1 ? $",groups={c.Groups}" : "")}{(c.Bias ? "" : ",bias=False")}{(c.Mode != PaddingMode.Zeros ? $",padding_mode={c.Mode.ToString().ToLowerInvariant()}" : "")})");
            channels = c.OutChannels;
        }
        else
        {
            int inFeatures = chain.SampleShape.Aggregate(1, (a, d) => a * d);
            if (chain.SampleShape.Length > 1) { modules.Add(("flatten", nn.Flatten())); parts.Add("Flatten(1)"); }
            modules.Add(("linear", nn.Linear(inFeatures, chain.LinearOut, hasBias: chain.LinearBias)));
            parts.Add($"Linear({inFeatures},{chain.LinearOut}{(chain.LinearBias ? "" : ",bias=False")})");
            channels = chain.LinearOut;
        }
        if (chain.NormKind is { } n)
        {
            // TorchSharp has no momentum=None; PyTorch's cumulative average then uses 1/num_batches_tracked after the
            // increment, and the goldens start at num_batches_tracked = 10, so 1/11 is the same update.
            double momentum = n.Cumulative ? 1.0 / 11 : n.Momentum;
            modules.Add(("bn", n.Kind switch
            {
                Layer.BatchNorm1d => nn.BatchNorm1d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.BatchNorm2d => nn.BatchNorm2d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.BatchNorm3d => nn.BatchNorm3d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.InstanceNorm1d => nn.InstanceNorm1d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.InstanceNorm2d => nn.InstanceNorm2d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.InstanceNorm3d => nn.InstanceNorm3d(channels, momentum: momentum, affine: n.Affine, track_running_stats: n.Track),
                Layer.GroupNorm => nn.GroupNorm(n.Groups, channels, affine: n.Affine),
                _ => nn.LayerNorm(n.Shape!.Select(d => (long)d).ToArray(), elementwise_affine: n.Affine, bias: n.Bias),
            }));
            parts.Add($"{n.Kind}(affine={n.Affine},track={n.Track}" + (n.Groups > 0 ? $",groups={n.Groups}" : "") + (n.Shape is { } sh ? $",shape=[{string.Join(",", sh)}]" : "") +
                (n.Cumulative ? ",momentum=None" : n.Momentum != 0.1 ? $",momentum={n.Momentum}" : "") + ")");
        }
        if (chain.Activation is { } a)
        {
            double p = chain.ActivationParameter;
            modules.Add(("act", Activation(a, p, chain.GeluTanh)));
            parts.Add(a + (chain.GeluTanh ? "(tanh)" : "") + (double.IsNaN(p) ? "" : $"({p})"));
        }
        if (chain.Pool is { Kind: Layer.AdaptiveAvgPool2d } global)
        {
            modules.Add(("pool", nn.AdaptiveAvgPool2d(global.Kernel)));
            parts.Add($"AdaptiveAvgPool2d({global.Kernel})");
        }
        else if (chain.Pool is { } pool)
        {
            long stride = pool.Stride == 0 ? pool.Kernel : pool.Stride;
            modules.Add(("pool", pool.Kind switch
            {
                Layer.MaxPool1d => nn.MaxPool1d(pool.Kernel, stride: stride, padding: pool.Padding),
                Layer.MaxPool2d => nn.MaxPool2d(pool.Kernel, stride: stride, padding: pool.Padding),
                Layer.MaxPool3d => nn.MaxPool3d(pool.Kernel, stride: stride, padding: pool.Padding),
                Layer.AvgPool1d => nn.AvgPool1d(pool.Kernel, stride: stride, padding: pool.Padding, count_include_pad: pool.CountIncludePad),
                Layer.AvgPool2d => nn.AvgPool2d(pool.Kernel, stride: stride, padding: pool.Padding, count_include_pad: pool.CountIncludePad),
                _ => nn.AvgPool3d(pool.Kernel, stride: stride, padding: pool.Padding, count_include_pad: pool.CountIncludePad),
            }));
            parts.Add($"{pool.Kind}(k{pool.Kernel},s{stride},p{pool.Padding}{(pool.Kind is Layer.AvgPool1d or Layer.AvgPool2d or Layer.AvgPool3d && !pool.CountIncludePad ? ",count_include_pad=False" : "")})");
        }
        description = string.Join("+", parts);
        return nn.Sequential(modules.ToArray());
    }
}
