using System;
using System.Collections.Generic;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Parameters for a whole network that a test and tools/GoldenGen both draw, so only the network's output is committed:
/// per tensor a System.Random seeded with the FNV-1a hash of its state_dict key (UTF-8), uniform in a range chosen by the
/// key and shape. Used by <see cref="ResNet18Recipe"/>, <see cref="UNetRecipe"/> and <see cref="StyleTransferRecipe"/>.
/// </summary>
public static class SeededRecipe
{
    public const string Description =
        "per tensor: System.Random((int)FNV-1a-32(UTF-8 key)), value = (float)(lo + (hi - lo) * NextDouble()) in element order; " +
        "conv, transposed conv and fc weights ±1/sqrt(product of the weight's dims after the first), 1-d weights (norm γ) 0.5..1.5, " +
        "every bias ±0.5, running_mean ±0.5, running_var 0.5..2; input key \"input\", ±1";

    /// <summary>FNV-1a, 32 bits, of the key's UTF-8 bytes.</summary>
    public static uint Fnv1a(string key)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return hash;
    }

    /// <summary>The recipe's values for one float tensor of a state_dict (or "input").</summary>
    public static float[] Values(string key, int[] shape) => Values(key, shape, Range(key, shape));

    /// <summary>The recipe's draw for one tensor in a range the caller chose (another network's recipe may widen one).</summary>
    public static float[] Values(string key, int[] shape, (double Low, double High) range)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        (double low, double high) = range;
        var random = new Random((int)Fnv1a(key));
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * random.NextDouble());
        return values;
    }

    /// <summary>The range the recipe draws a tensor from, by its key and shape.</summary>
    public static (double Low, double High) Range(string key, int[] shape)
    {
        if (key == "input") return (-1, 1);
        if (key.EndsWith(".running_mean")) return (-0.5, 0.5);
        if (key.EndsWith(".running_var")) return (0.5, 2);
        if (key.EndsWith(".bias")) return (-0.5, 0.5);
        if (key.EndsWith(".weight") && shape.Length == 1) return (0.5, 1.5); // a norm's γ
        if (key.EndsWith(".weight"))
        {
            int fanIn = 1;
            for (int i = 1; i < shape.Length; i++) fanIn *= shape[i];
            double bound = 1 / Math.Sqrt(fanIn);
            return (-bound, bound);
        }
        throw new ArgumentException($"The recipe has no range for '{key}'.", nameof(key));
    }

    /// <summary>A state_dict of these float tensors, every one drawn from the recipe.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict(IEnumerable<(string Key, int[] Shape)> tensors)
    {
        var writer = new FusedNorm.SafeTensorsWriter();
        foreach (var (key, shape) in tensors) writer.Add(key, Values(key, shape), shape);
        return writer;
    }
}

/// <summary>
/// The UNet of Sample/UNet.cs (tools/GoldenGen 'unet' builds the same module in TorchSharp): three levels of double conv
/// blocks (Conv2d 3×3 pad 1 → GroupNorm(8) → SiLU, twice), MaxPool2d(2) down, ConvTranspose2d(k2, s2) up,
/// torch.cat([skip, up], 1), a final 1×1 conv. Parameters from <see cref="SeededRecipe"/>.
/// </summary>
public static class UNetRecipe
{
    public const int InChannels = 3, Size = 64, Classes = 2, Batch = 2;
    public static readonly int[] Widths = { 16, 32, 64 };

    /// <summary>Every tensor of the module's state_dict, by key and shape, in its order.</summary>
    public static List<(string Key, int[] Shape)> FloatTensors()
    {
        var list = new List<(string, int[])>();
        void Block(string name, int inC, int outC)
        {
            list.Add(($"{name}.block.0.weight", new[] { outC, inC, 3, 3 }));
            list.Add(($"{name}.block.0.bias", new[] { outC }));
            list.Add(($"{name}.block.1.weight", new[] { outC }));
            list.Add(($"{name}.block.1.bias", new[] { outC }));
            list.Add(($"{name}.block.3.weight", new[] { outC, outC, 3, 3 }));
            list.Add(($"{name}.block.3.bias", new[] { outC }));
            list.Add(($"{name}.block.4.weight", new[] { outC }));
            list.Add(($"{name}.block.4.bias", new[] { outC }));
        }
        Block("down1", InChannels, Widths[0]);
        Block("down2", Widths[0], Widths[1]);
        Block("mid", Widths[1], Widths[2]);
        list.Add(("up2.weight", new[] { Widths[2], Widths[1], 2, 2 }));
        list.Add(("up2.bias", new[] { Widths[1] }));
        Block("dec2", 2 * Widths[1], Widths[1]);
        list.Add(("up1.weight", new[] { Widths[1], Widths[0], 2, 2 }));
        list.Add(("up1.bias", new[] { Widths[0] }));
        Block("dec1", 2 * Widths[0], Widths[0]);
        list.Add(("out.weight", new[] { Classes, Widths[0], 1, 1 }));
        list.Add(("out.bias", new[] { Classes }));
        return list;
    }

    public static int[] InputShape => new[] { Batch, InChannels, Size, Size };
}
