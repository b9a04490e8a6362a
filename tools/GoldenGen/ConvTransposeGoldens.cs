using System;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace GoldenGen;

/// <summary>
/// convt_{case}.safetensors, one per <see cref="ConvTransposeCases"/> entry: nn.Sequential of up (ConvTranspose2d),
/// bn or gn, act; its eval-mode state_dict (norm parameters and running statistics drawn away from their defaults), an
/// input and libtorch's output.
/// </summary>
internal static class ConvTransposeGoldens
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 1200;
        foreach (ConvTransposeCase c in ConvTransposeCases.All) WriteOne(directory, c, seed++);
    }

    private static void WriteOne(string directory, ConvTransposeCase c, int seed)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        var children = new System.Collections.Generic.List<(string, Module)>
        {
            ("up", nn.ConvTranspose2d(c.InChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, output_padding: c.OutputPadding,
                dilation: c.Dilation, groups: c.Groups, bias: c.Bias)),
        };
        if (c.BatchNorm) children.Add(("bn", nn.BatchNorm2d(c.OutChannels, track_running_stats: !c.BatchStatistics)));
        if (c.GroupNormGroups > 0) children.Add(("gn", nn.GroupNorm(c.GroupNormGroups, c.OutChannels)));
        if (c.Activation is { } a)
            children.Add(("act", a switch
            {
                Layer.ReLU => nn.ReLU(),
                Layer.SiLU => nn.SiLU(),
                Layer.Tanh => nn.Tanh(),
                _ => throw new ArgumentException(a.ToString()),
            }));
        var module = nn.Sequential(children.ToArray());
        var state = module.state_dict();
        using (torch.no_grad())
            foreach (var (name, tensor) in state)
            {
                if (name is "bn.weight" or "gn.weight") tensor.uniform_(0.5, 1.5);
                else if (name is "bn.bias" or "gn.bias") tensor.uniform_(-0.5, 0.5);
                else if (name == "bn.running_mean") tensor.normal_(0, 0.5);
                else if (name == "bn.running_var") tensor.uniform_(0.5, 2.0);
            }
        module.eval();
        Tensor input = torch.randn(c.Batch, c.InChannels, c.Height, c.Width);
        Tensor output;
        using (torch.no_grad()) output = module.forward(input);
        if (output.shape[2] != c.OutHeight || output.shape[3] != c.OutWidth)
            throw new InvalidOperationException($"{c.Name}: libtorch gives [{string.Join(", ", output.shape)}], the case expects {c.OutHeight}×{c.OutWidth}");
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", c.ToString());
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        string path = Path.Combine(directory, $"convt_{c.Name}.safetensors");
        writer.Save(path);
        Console.WriteLine($"convt_{c.Name,-22} output [{string.Join(", ", output.shape)}], {new FileInfo(path).Length} bytes");
    }
}
