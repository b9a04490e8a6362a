using System;
using System.Collections.Generic;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// torchvision's resnet18 state_dict, every tensor drawn from a recipe that both sides reproduce exactly: tools/GoldenGen
/// overwrites the torchvision module's tensors with these values and runs libtorch; the test draws the same values,
/// writes them under the same keys and loads the generated model. Only the input check and the output are committed.
/// Per tensor: System.Random seeded with the FNV-1a hash of its key (UTF-8), uniform in a range that keeps the
/// activations in a sane range through 8 residual blocks.
/// </summary>
public static class ResNet18Recipe
{
    public const int Size = 224, Classes = 1000;
    public const string Description = PerTensorDescription + "; input key \"input\", shape [1, 3, 224, 224], ±1";

    /// <summary>The per-tensor part of <see cref="Description"/>, shared with <see cref="ResNet50Recipe"/>.</summary>
    public const string PerTensorDescription =
        "per tensor: System.Random((int)FNV-1a-32(UTF-8 key)), value = (float)(lo + (hi - lo) * NextDouble()) in element order; " +
        "conv and fc weights ±1/sqrt(fan_in), BN weight 0.5..1.5, every bias ±0.5, running_mean ±0.5, running_var 0.5..2, " +
        "num_batches_tracked as torchvision leaves it (0)";

    /// <summary>FNV-1a, 32 bits, of the key's UTF-8 bytes (see <see cref="SeededRecipe"/>).</summary>
    public static uint Fnv1a(string key) => SeededRecipe.Fnv1a(key);

    /// <summary>The recipe's values for one float tensor of the state_dict (or "input"): <see cref="SeededRecipe.Values(string, int[])"/>.</summary>
    public static float[] Values(string key, int[] shape) => SeededRecipe.Values(key, shape);

    /// <summary>The recipe's draw for one tensor in a range the caller chose: <see cref="SeededRecipe.Values(string, int[], ValueTuple{double, double})"/>.</summary>
    public static float[] Values(string key, int[] shape, (double Low, double High) range) => SeededRecipe.Values(key, shape, range);

    /// <summary>The range of one tensor: <see cref="SeededRecipe.Range"/>.</summary>
    public static (double Low, double High) Range(string key, int[] shape) => SeededRecipe.Range(key, shape);

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
    public static IEnumerable<string> Counters() => Counters(FloatTensors());

    /// <summary>The whole state_dict as torchvision names it: every float tensor drawn from the recipe, the counters 0.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict() => StateDict(FloatTensors());

    // The same recipe for any torchvision network whose state_dict holds conv/linear weights, biases and BatchNorms
    // (MobileNetV2Recipe lists its keys and draws them with Values above).

    /// <summary>The num_batches_tracked key (I64, shape []) of each BatchNorm among <paramref name="floatTensors"/>.</summary>
    public static IEnumerable<string> Counters(IEnumerable<(string Key, int[] Shape)> floatTensors)
    {
        foreach (var (key, _) in floatTensors)
            if (key.EndsWith(".running_var")) yield return key.Substring(0, key.Length - ".running_var".Length) + ".num_batches_tracked";
    }

    /// <summary>
    /// A state_dict of <paramref name="floatTensors"/> drawn by <paramref name="values"/> (default: this recipe's
    /// <see cref="Values(string, int[])"/>), with their BatchNorms' counters 0.
    /// </summary>
    public static FusedNorm.SafeTensorsWriter StateDict(IReadOnlyList<(string Key, int[] Shape)> floatTensors, Func<string, int[], float[]>? values = null)
    {
        values ??= Values;
        var writer = new FusedNorm.SafeTensorsWriter();
        foreach (var (key, shape) in floatTensors) writer.Add(key, values(key, shape), shape);
        foreach (string key in Counters(floatTensors)) writer.Add(key, new long[] { 0 });
        return writer;
    }
}
