using System.Collections.Generic;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// torchvision's resnet50 state_dict drawn from the same per-key recipe as <see cref="ResNet18Recipe"/> (System.Random seeded
/// with the FNV-1a hash of the key, the same ranges), over resnet50's keys and shapes; tools/GoldenGen writes the values
/// into torchvision's module and runs libtorch, the test draws them again. The input is 1×3×64×64: ResNet is fully
/// convolutional up to its adaptive average pool, and at 64² the 16 bottlenecks run in seconds on the scalar path too.
/// </summary>
public static class ResNet50Recipe
{
    public const int Size = 64, Classes = 1000;
    public const string Description =
        "ResNet18Recipe's per-key draws and ranges over torchvision.models.resnet50()'s keys: " + ResNet18Recipe.PerTensorDescription +
        "; input key \"input\", shape [1, 3, 64, 64], ±1";

    /// <summary>stage → (planes, blocks, stride) of torchvision's resnet50 (Bottleneck, expansion 4).</summary>
    public static readonly (int Planes, int Blocks, int Stride)[] Stages = { (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) };

    /// <summary>The recipe's values for one tensor (or "input"): <see cref="ResNet18Recipe.Values"/>, which depends only on key and shape.</summary>
    public static float[] Values(string key, int[] shape) => ResNet18Recipe.Values(key, shape);

    /// <summary>Every float tensor of torchvision.models.resnet50().state_dict(), by key and shape, in its order.</summary>
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
        for (int layer = 1; layer <= Stages.Length; layer++)
        {
            (int planes, int blocks, _) = Stages[layer - 1];
            for (int block = 0; block < blocks; block++)
            {
                string p = $"layer{layer}.{block}";
                Conv(p + ".conv1", planes, inC, 1);
                Bn(p + ".bn1", planes);
                Conv(p + ".conv2", planes, planes, 3);
                Bn(p + ".bn2", planes);
                Conv(p + ".conv3", planes * 4, planes, 1);
                Bn(p + ".bn3", planes * 4);
                if (block == 0)
                {
                    Conv(p + ".downsample.0", planes * 4, inC, 1);
                    Bn(p + ".downsample.1", planes * 4);
                }
                inC = planes * 4;
            }
        }
        list.Add(("fc.weight", new[] { Classes, 2048 }));
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
    public static FusedNorm.SafeTensorsWriter StateDict()
    {
        var writer = new FusedNorm.SafeTensorsWriter();
        foreach (var (key, shape) in FloatTensors()) writer.Add(key, Values(key, shape), shape);
        foreach (string key in Counters()) writer.Add(key, new long[] { 0 });
        return writer;
    }
}
