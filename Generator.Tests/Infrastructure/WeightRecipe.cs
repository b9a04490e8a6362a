using System;
using System.Collections.Generic;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// A network's state_dict drawn from a recipe both sides reproduce exactly: tools/GoldenGen overwrites a libtorch module's
/// tensors with these values and runs it; the tests and the Sample draw the same values, write them under the same keys and
/// load the generated model, so only the input check and the output are committed. Per tensor: System.Random seeded with
/// the FNV-1a hash of its key (UTF-8), uniform in a range chosen by the key's last segment and the tensor's rank.
/// <see cref="ResNet18Recipe"/> and <see cref="StyleTransferRecipe"/> list their keys.
/// </summary>
public static class WeightRecipe
{
    public const string Description =
        "per tensor: System.Random((int)FNV-1a-32(UTF-8 key)), value = (float)(lo + (hi - lo) * NextDouble()) in element order; " +
        "conv and linear weights ±1/sqrt(fan_in), norm weights (rank 1) 0.5..1.5, every bias ±0.5, running_mean ±0.5, running_var 0.5..2; " +
        "input key \"input\", ±1";

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
    public static float[] Values(string key, int[] shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        (double low, double high) = Range(key, shape);
        var random = new Random((int)Fnv1a(key));
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * random.NextDouble());
        return values;
    }

    private static (double Low, double High) Range(string key, int[] shape)
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

    /// <summary>A state_dict: every float tensor of <paramref name="floats"/> drawn from the recipe, each I64 counter 0.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict(IEnumerable<(string Key, int[] Shape)> floats, IEnumerable<string> counters)
    {
        var writer = new FusedNorm.SafeTensorsWriter();
        foreach (var (key, shape) in floats) writer.Add(key, Values(key, shape), shape);
        foreach (string key in counters) writer.Add(key, new long[] { 0 });
        return writer;
    }
}
