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
        foreach (ChainCase chain in ChainCases.All)
        {
            torch.manual_seed(seed++);
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
            module.eval();

            long[] shape = new[] { (long)chain.Batch }.Concat(chain.SampleShape.Select(d => (long)d)).ToArray();
            Tensor input = torch.randn(shape);
            Tensor output;
            using (torch.no_grad()) output = module.forward(input);

            var writer = new SafeTensorsWriter();
            foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
            Tensors.Add(writer, "input", input);
            Tensors.Add(writer, "output", output);
            writer.SetMetadata("case", description);
            writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
            string path = Path.Combine(directory, chain.Name + ".safetensors");
            writer.Save(path);
            Console.WriteLine($"{chain.Name,-26} {description} → [{string.Join(", ", output.shape)}], {new FileInfo(path).Length} bytes");
        }
    }

    private static Module Build(ChainCase chain, out string description)
    {
        var modules = new List<(string, Module)>();
        var parts = new List<string>();
        int channels;
        if (chain.Conv is { } c)
        {
            int inChannels = chain.SampleShape[0];
            modules.Add(("conv", nn.Conv2d(inChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, bias: c.Bias)));
            parts.Add($"Conv2d({inChannels},{c.OutChannels},k{c.Kernel},s{c.Stride},p{c.Padding},d{c.Dilation}{(c.Bias ? "" : ",bias=False")})");
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
        if (chain.Norm)
        {
            modules.Add(("bn", chain.Conv is not null
                ? nn.BatchNorm2d(channels, affine: chain.NormAffine)
                : nn.BatchNorm1d(channels, affine: chain.NormAffine)));
            parts.Add((chain.Conv is not null ? "BatchNorm2d" : "BatchNorm1d") + (chain.NormAffine ? "" : "(affine=False)"));
        }
        if (chain.Activation is { } a)
        {
            double p = chain.ActivationParameter;
            modules.Add(("act", a switch
            {
                Layer.ReLU => nn.ReLU(),
                Layer.ReLU6 => nn.ReLU6(),
                Layer.LeakyReLU => nn.LeakyReLU(double.IsNaN(p) ? 0.01 : p),
                Layer.SiLU => nn.SiLU(),
                Layer.GELU => chain.GeluTanh ? nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh) : nn.GELU(),
                Layer.Sigmoid => nn.Sigmoid(),
                Layer.Tanh => nn.Tanh(),
                Layer.Hardswish => nn.Hardswish(),
                Layer.ELU => nn.ELU(double.IsNaN(p) ? 1.0 : p),
                _ => throw new ArgumentOutOfRangeException(nameof(chain)),
            }));
            parts.Add(a + (chain.GeluTanh ? "(tanh)" : "") + (double.IsNaN(p) ? "" : $"({p})"));
        }
        if (chain.Pool is { } pool)
        {
            long stride = pool.Stride == 0 ? pool.Kernel : pool.Stride;
            modules.Add(("pool", pool.Kind == Layer.MaxPool2d
                ? nn.MaxPool2d(pool.Kernel, stride: stride, padding: pool.Padding)
                : nn.AvgPool2d(pool.Kernel, stride: stride, padding: pool.Padding, count_include_pad: pool.CountIncludePad)));
            parts.Add($"{pool.Kind}(k{pool.Kernel},s{stride},p{pool.Padding}{(pool.Kind == Layer.AvgPool2d && !pool.CountIncludePad ? ",count_include_pad=False" : "")})");
        }
        description = string.Join("+", parts);
        return nn.Sequential(modules.ToArray());
    }
}
