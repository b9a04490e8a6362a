using System;
using System.Collections.Generic;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// torchvision's resnet18 state_dict, every tensor drawn from a recipe that both sides reproduce exactly: tools/GoldenGen
/// overwrites the torchvision module's tensors with these values and runs libtorch; the test draws the same values,
/// writes them under the same keys and loads the generated model. Only the input check and the output are committed.
/// The values are <see cref="WeightRecipe"/>'s (per tensor a System.Random seeded with the FNV-1a hash of its key, uniform
/// in a range that keeps the activations in a sane range through 8 residual blocks); this class lists torchvision's keys.
/// </summary>
public static class ResNet18Recipe
{
    public const int Size = 224, Classes = 1000;
    public const string Description =
        "per tensor: System.Random((int)FNV-1a-32(UTF-8 key)), value = (float)(lo + (hi - lo) * NextDouble()) in element order; " +
        "conv and fc weights ±1/sqrt(fan_in), BN weight 0.5..1.5, every bias ±0.5, running_mean ±0.5, running_var 0.5..2, " +
        "num_batches_tracked as torchvision leaves it (0); input key \"input\", shape [1, 3, 224, 224], ±1";

    /// <summary>FNV-1a, 32 bits, of the key's UTF-8 bytes (<see cref="WeightRecipe.Fnv1a"/>).</summary>
    public static uint Fnv1a(string key) => WeightRecipe.Fnv1a(key);

    /// <summary>The recipe's values for one float tensor of the state_dict (or "input"): <see cref="WeightRecipe.Values"/>.</summary>
    public static float[] Values(string key, int[] shape) => WeightRecipe.Values(key, shape);

    /// <summary>
    /// Every float tensor of torchvision.models.resnet18().state_dict(), by key and shape, in its order (num_batches_tracked,
    /// the I64 counters, are listed in <see cref="Counters"/>). GoldenGen checks this list against the module's.
    /// </summary>
    public static List<(string Key, int[] Shape)> FloatTensors()
    {
        var list = new List<(string, int[])>();
        void Conv(string name, int outC, int inC, int k) => list.Add((name + ".weight", new[] { outC, inC, k, k }));
        void Bn(string name, int c)
        {
            foreach (string p in new[] { "weight", "bias", "running_mean", "running_var" }) list.Add(($"{name}.{p}", new[] { c }));
        }
        Conv("conv1", 64, 3, 7);
        Bn("bn1", 64);
        int inC = 64;
        for (int layer = 1; layer <= 4; layer++)
        {
            int c = 64 << (layer - 1);
            for (int block = 0; block < 2; block++)
            {
                string p = $"layer{layer}.{block}";
                Conv(p + ".conv1", c, block == 0 ? inC : c, 3);
                Bn(p + ".bn1", c);
                Conv(p + ".conv2", c, c, 3);
                Bn(p + ".bn2", c);
                if (block == 0 && layer > 1)
                {
                    Conv(p + ".downsample.0", c, inC, 1);
                    Bn(p + ".downsample.1", c);
                }
            }
            inC = c;
        }
        list.Add(("fc.weight", new[] { Classes, 512 }));
        list.Add(("fc.bias", new[] { Classes }));
        return list;
    }

    /// <summary>The BatchNorm modules' num_batches_tracked keys (I64, shape []).</summary>
    public static IEnumerable<string> Counters()
    {
        foreach (var (key, _) in FloatTensors())
            if (key.EndsWith(".running_var")) yield return key.Substring(0, key.Length - ".running_var".Length) + ".num_batches_tracked";
    }

    /// <summary>The whole state_dict as torchvision names it: every float tensor drawn from the recipe, the counters 0.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict() => WeightRecipe.StateDict(FloatTensors(), Counters());
}
