using System;
using System.IO;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace GoldenGen;

/// <summary>
/// preact_{case}.safetensors, one per <see cref="PreActCases"/> entry (nn.Sequential of bn, act, conv in eval mode), and
/// preact_block.safetensors: PreAct-ResNet's basic block (x → bn1 → relu → conv1 → bn2 → relu → conv2, + x) with the
/// state_dict keys of kuangliu's PreActBlock. Each holds the eval-mode state_dict (BatchNorm parameters and running
/// statistics drawn away from their defaults), an input and libtorch's output. Seeds 1500 on.
/// </summary>
internal static class PreActGoldens
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 1500;
        foreach (PreActCase c in PreActCases.All) WriteOne(directory, c, seed++);
        WriteBlock(directory, 1599);
    }

    /// <summary>standalone_{case}.safetensors, one per <see cref="StandaloneCases"/> entry: norm and/or act. Seeds 1600 on.</summary>
    public static void WriteStandalone(string directory)
    {
        Directory.CreateDirectory(directory);
        int seed = 1600;
        foreach (StandaloneCase c in StandaloneCases.All)
        {
            torch.manual_seed(seed++);
            using var scope = torch.NewDisposeScope();
            var children = new System.Collections.Generic.List<(string, Module)>();
            if (c.Norm is { } n)
                children.Add(("norm", n switch
                {
                    Layer.BatchNorm2d => nn.BatchNorm2d(c.Channels),
                    Layer.GroupNorm => nn.GroupNorm(c.Groups, c.Channels),
                    Layer.LayerNorm => nn.LayerNorm(Array.ConvertAll(c.NormalizedShape, d => (long)d)),
                    Layer.InstanceNorm1d => nn.InstanceNorm1d(c.Channels, affine: true),
                    _ => throw new ArgumentException(n.ToString()),
                }));
            if (c.Activation is { } a) children.Add(("act", Activation(a)));
            var module = nn.Sequential(children.ToArray());
            using (torch.no_grad())
                foreach (var (name, tensor) in module.state_dict())
                {
                    if (name.EndsWith(".weight")) tensor.uniform_(0.5, 1.5);
                    else if (name.EndsWith(".bias")) tensor.uniform_(-0.5, 0.5);
                    else if (name.EndsWith("running_mean")) tensor.normal_(0, 0.5);
                    else if (name.EndsWith("running_var")) tensor.uniform_(0.5, 2.0);
                }
            module.eval();
            var shape = new long[c.Dims.Length + 2];
            shape[0] = c.Batch; shape[1] = c.Channels;
            for (int d = 0; d < c.Dims.Length; d++) shape[d + 2] = c.Dims[d];
            Tensor input = torch.randn(shape) * 2 + 0.5;
            Tensor output;
            using (torch.no_grad()) output = module.forward(input);
            Save(directory, "standalone_" + c.Name, module, input, output, c.ToString());
        }
    }

    private static Module Activation(Layer a) => a switch
    {
        Layer.ReLU => nn.ReLU(),
        Layer.SiLU => nn.SiLU(),
        Layer.GELU => nn.GELU(),
        _ => throw new ArgumentException(a.ToString()),
    };

    private static void Randomize(Module module)
    {
        using (torch.no_grad())
            foreach (var (name, tensor) in module.state_dict())
            {
                if (name.EndsWith("num_batches_tracked")) continue;
                if (name.StartsWith("bn") && name.EndsWith(".weight")) tensor.uniform_(0.5, 1.5);
                else if (name.StartsWith("bn") && name.EndsWith(".bias")) tensor.uniform_(-0.5, 0.5);
                else if (name.EndsWith("running_mean")) tensor.normal_(0, 0.5);
                else if (name.EndsWith("running_var")) tensor.uniform_(0.5, 2.0);
            }
    }

    private static void WriteOne(string directory, PreActCase c, int seed)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        var children = new System.Collections.Generic.List<(string, Module)>();
        if (c.Norm)
            children.Add(("bn", c.Rank switch { 1 => nn.BatchNorm1d(c.InChannels), 2 => nn.BatchNorm2d(c.InChannels), _ => nn.BatchNorm3d(c.InChannels) }));
        if (c.Activation is { } a) children.Add(("act", Activation(a)));
        children.Add(("conv", c.Rank switch
        {
            1 => nn.Conv1d(c.InChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, bias: c.Bias),
            2 => nn.Conv2d(c.InChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, bias: c.Bias),
            _ => nn.Conv3d(c.InChannels, c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, bias: c.Bias),
        }));
        var module = nn.Sequential(children.ToArray());
        Randomize(module);
        module.eval();
        var shape = new long[c.Rank + 2];
        shape[0] = c.Batch; shape[1] = c.InChannels;
        for (int d = 0; d < c.Rank; d++) shape[d + 2] = c.Dims[d];
        Tensor input = torch.randn(shape);
        Tensor output;
        using (torch.no_grad()) output = module.forward(input);
        if (output.numel() != (long)c.Batch * c.OutputSize)
            throw new InvalidOperationException($"{c.Name}: libtorch gives [{string.Join(", ", output.shape)}], the case expects {c.OutputSize} per sample");
        Save(directory, "preact_" + c.Name, module, input, output, c.ToString());
    }

    /// <summary>PreActBlock(8, 8): bn1, conv1 (3×3, pad 1, no bias), bn2, conv2, identity shortcut, on a 2×8×10×16 input.</summary>
    private static void WriteBlock(string directory, int seed)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        var block = new PreActBlock(8);
        Randomize(block);
        block.eval();
        Tensor input = torch.randn(2, 8, 10, 16);
        Tensor output;
        using (torch.no_grad()) output = block.forward(input);
        Save(directory, "preact_block", block, input, output, "PreActBlock(8, 8), stride 1, identity shortcut; input 2×8×10×16");
    }

    private static void Save(string directory, string file, Module module, Tensor input, Tensor output, string description)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        string path = Path.Combine(directory, file + ".safetensors");
        writer.Save(path);
        Console.WriteLine($"{file,-28} output [{string.Join(", ", output.shape)}], {new FileInfo(path).Length} bytes");
    }

    /// <summary>kuangliu/pytorch-cifar's PreActBlock: out = conv1(relu(bn1(x))); out = conv2(relu(bn2(out))); out + x.</summary>
    private sealed class PreActBlock : Module
    {
        private readonly nn.Module<Tensor, Tensor> bn1, conv1, bn2, conv2;

        public PreActBlock(int planes) : base("PreActBlock")
        {
            bn1 = nn.BatchNorm2d(planes);
            conv1 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(planes);
            conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor o = conv1.forward(nn.functional.relu(bn1.forward(x)));
            o = conv2.forward(nn.functional.relu(bn2.forward(o)));
            return o + x;
        }
    }
}
