using System;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoldenGen;

/// <summary>
/// unet.safetensors: the UNet of Sample/UNet.cs as a PyTorch module (DoubleConv blocks as nn.Sequential named block,
/// MaxPool2d(2), ConvTranspose2d(k2, s2), torch.cat([skip, up], 1), a 1×1 conv), every state_dict tensor overwritten by
/// <see cref="UNetRecipe"/> (<see cref="SeededRecipe"/>), run in eval mode by libtorch on the recipe's [2, 3, 64, 64]
/// input. The file holds the output, the input's first 64 values and the recipe: the test draws the weights itself.
/// </summary>
internal static class UNetGolden
{
    public static void Write(string directory)
    {
        using var scope = torch.NewDisposeScope();
        var model = new UNetModule();
        model.eval();
        var state = model.state_dict();
        var expected = UNetRecipe.FloatTensors();
        if (!state.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(expected.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal)))
            throw new InvalidOperationException($"UNet keys differ from the recipe: {string.Join(", ", state.Keys.Except(expected.Select(e => e.Key)))} / {string.Join(", ", expected.Select(e => e.Key).Except(state.Keys))}");
        using (torch.no_grad())
            foreach (var (key, shape) in expected)
            {
                Tensor target = state[key];
                if (!target.shape.Select(d => (int)d).SequenceEqual(shape))
                    throw new InvalidOperationException($"{key}: the module has [{string.Join(", ", target.shape)}], the recipe [{string.Join(", ", shape)}]");
                target.copy_(torch.tensor(SeededRecipe.Values(key, shape), shape.Select(d => (long)d).ToArray()));
            }
        int[] inputShape = UNetRecipe.InputShape;
        float[] inputValues = SeededRecipe.Values("input", inputShape);
        Tensor input = torch.tensor(inputValues, inputShape.Select(d => (long)d).ToArray());
        Tensor output;
        using (torch.no_grad()) output = model.forward(input);
        var writer = new SafeTensorsWriter();
        writer.Add("input_head", inputValues.Take(64).ToArray(), 64);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", "UNet (Sample/UNet.cs): 3 levels of DoubleConv(GroupNorm(8), SiLU), MaxPool2d(2), ConvTranspose2d(k2, s2), cat([skip, up], 1), 1x1 conv; eval mode, recipe weights, input [2, 3, 64, 64]");
        writer.SetMetadata("recipe", SeededRecipe.Description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        string path = Path.Combine(directory, "unet.safetensors");
        writer.Save(path);
        float[] values = output.data<float>().ToArray();
        Console.WriteLine($"{"unet",-26} output [{string.Join(", ", output.shape)}] in [{values.Min():G4}, {values.Max():G4}], {new FileInfo(path).Length} bytes");
    }

    private sealed class DoubleConv : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential block;

        public DoubleConv(int inC, int outC) : base("DoubleConv")
        {
            block = nn.Sequential(
                nn.Conv2d(inC, outC, 3, padding: 1), nn.GroupNorm(8, outC), nn.SiLU(),
                nn.Conv2d(outC, outC, 3, padding: 1), nn.GroupNorm(8, outC), nn.SiLU());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => block.forward(x);
    }

    private sealed class UNetModule : nn.Module<Tensor, Tensor>
    {
        private readonly DoubleConv down1 = new(UNetRecipe.InChannels, UNetRecipe.Widths[0]);
        private readonly DoubleConv down2 = new(UNetRecipe.Widths[0], UNetRecipe.Widths[1]);
        private readonly DoubleConv mid = new(UNetRecipe.Widths[1], UNetRecipe.Widths[2]);
        private readonly ConvTranspose2d up2 = nn.ConvTranspose2d(UNetRecipe.Widths[2], UNetRecipe.Widths[1], 2, stride: 2);
        private readonly DoubleConv dec2 = new(2 * UNetRecipe.Widths[1], UNetRecipe.Widths[1]);
        private readonly ConvTranspose2d up1 = nn.ConvTranspose2d(UNetRecipe.Widths[1], UNetRecipe.Widths[0], 2, stride: 2);
        private readonly DoubleConv dec1 = new(2 * UNetRecipe.Widths[0], UNetRecipe.Widths[0]);
        private readonly Conv2d @out = nn.Conv2d(UNetRecipe.Widths[0], UNetRecipe.Classes, 1);
        private readonly MaxPool2d pool = nn.MaxPool2d(2);

        public UNetModule() : base("UNet") => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            Tensor d1 = down1.forward(x);
            Tensor d2 = down2.forward(pool.forward(d1));
            Tensor m = mid.forward(pool.forward(d2));
            Tensor u2 = dec2.forward(torch.cat(new[] { d2, up2.forward(m) }, 1));
            Tensor u1 = dec1.forward(torch.cat(new[] { d1, up1.forward(u2) }, 1));
            return @out.forward(u1);
        }
    }
}
