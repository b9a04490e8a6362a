using System;
using System.IO;
using FusedNorm;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace GoldenGen;

/// <summary>
/// The Sample's two norm blocks, with PyTorch's output for a fixed input: a UNet block (Conv2d + GroupNorm + SiLU)
/// and a style-transfer block (Conv2d + InstanceNorm2d(affine) + ReLU). Children are named conv and norm.
/// </summary>
internal static class SampleBlocks
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        WriteOne(Path.Combine(directory, "unet_block.safetensors"), seed: 21, new[] { 2L, 32, 16, 16 },
            () => nn.Sequential(("conv", (Module)nn.Conv2d(32, 32, 3, padding: 1)), ("norm", nn.GroupNorm(8, 32)), ("act", nn.SiLU())),
            "Conv2d(32, 32, 3, padding=1) + GroupNorm(8, 32) + SiLU");
        WriteOne(Path.Combine(directory, "style_block.safetensors"), seed: 22, new[] { 2L, 16, 24, 24 },
            () => nn.Sequential(("conv", (Module)nn.Conv2d(16, 16, 3, padding: 1)), ("norm", nn.InstanceNorm2d(16, affine: true)), ("act", nn.ReLU())),
            "Conv2d(16, 16, 3, padding=1) + InstanceNorm2d(16, affine=True) + ReLU");
    }

    // The module is built after seeding, so its default init does not depend on what ran before (chains, LeNet).
    private static void WriteOne(string path, int seed, long[] shape, Func<Module> build, string description)
    {
        torch.manual_seed(seed);
        Module module = build();
        var state = module.state_dict();
        using (torch.no_grad())
        {
            state["norm.weight"].uniform_(0.5, 1.5);
            state["norm.bias"].uniform_(-0.5, 0.5);
        }
        module.eval();
        Tensor input = torch.randn(shape);
        Tensor output;
        using (torch.no_grad()) output = module.forward(input);
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("block", description);
        writer.Save(path);
        Console.WriteLine($"{Path.GetFileName(path)}: {description}, {new FileInfo(path).Length} bytes");
    }
}
