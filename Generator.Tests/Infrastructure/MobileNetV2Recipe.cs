using System.Collections.Generic;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// torchvision's mobilenet_v2 (width 1.0) state_dict, drawn with <see cref="ResNet18Recipe"/>'s rule (a System.Random per
/// tensor seeded with the FNV-1a hash of its key; weights ±1/√fan_in, so a depthwise 3×3 kernel, fan-in 9, is ±1/3): the
/// folded BatchNorms (γ 0.5–1.5, β and running_mean ±0.5, running_var 0.5–2) re-centre every conv's output, so
/// activations stay of order 1 through the 17 blocks (tools/GoldenGen mobilenet prints each block's range).
/// tools/GoldenGen writes these values into torchvision's module and runs libtorch; the test draws the same values.
/// </summary>
public static class MobileNetV2Recipe
{
    /// <summary>The input's side: 96×96 keeps the scalar-path CI run to seconds (the net is convolutional up to its pool).</summary>
    public const int Size = 96, Classes = 1000, LastChannels = 1280;
    public const string Description =
        "per tensor: System.Random((int)FNV-1a-32(UTF-8 key)), value = (float)(lo + (hi - lo) * NextDouble()) in element order; " +
        "conv and linear weights ±1/sqrt(fan_in), BN weight 1..4, every bias ±0.5, running_mean ±0.5, running_var 0.5..2, " +
        "num_batches_tracked as torchvision leaves it (0); input key \"input\", shape [1, 3, 96, 96], ±1";

    /// <summary>torchvision's inverted residual settings: expansion t, output channels c, repeats n, first stride s.</summary>
    public static readonly (int T, int C, int N, int S)[] Settings =
    {
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    };

    /// <summary>
    /// Every float tensor of torchvision.models.mobilenet_v2().state_dict(), by key and shape, in its order (the I64
    /// num_batches_tracked counters are <c>ResNet18Recipe.Counters(FloatTensors())</c>).
    /// GoldenGen checks this list against the module's.
    /// </summary>
    public static List<(string Key, int[] Shape)> FloatTensors()
    {
        var list = new List<(string, int[])>();
        void Conv(string name, int outC, int inPerGroup, int k) => list.Add((name + ".weight", new[] { outC, inPerGroup, k, k }));
        void Bn(string name, int c)
        {
            foreach (string p in new[] { "weight", "bias", "running_mean", "running_var" }) list.Add(($"{name}.{p}", new[] { c }));
        }
        Conv("features.0.0", 32, 3, 3);
        Bn("features.0.1", 32);
        int inC = 32, index = 1;
        foreach (var (t, c, n, _) in Settings)
            for (int i = 0; i < n; i++, index++)
            {
                string p = $"features.{index}.conv";
                int hidden = inC * t, layer = 0;
                if (t != 1)
                {
                    Conv($"{p}.0.0", hidden, inC, 1); // expand 1×1
                    Bn($"{p}.0.1", hidden);
                    layer = 1;
                }
                Conv($"{p}.{layer}.0", hidden, 1, 3); // depthwise 3×3
                Bn($"{p}.{layer}.1", hidden);
                Conv($"{p}.{layer + 1}", c, hidden, 1); // project 1×1
                Bn($"{p}.{layer + 2}", c);
                inC = c;
            }
        Conv("features.18.0", LastChannels, inC, 1);
        Bn("features.18.1", LastChannels);
        list.Add(("classifier.1.weight", new[] { Classes, LastChannels }));
        list.Add(("classifier.1.bias", new[] { Classes }));
        return list;
    }

    /// <summary>
    /// The recipe's values for one tensor (or "input"): <see cref="ResNet18Recipe"/>'s ranges, except BatchNorm γ, drawn in
    /// 1..4 so that some pre-activations pass 6 and ReLU6 clamps (with γ ≤ 1.5 no activation of this net reaches 6).
    /// </summary>
    public static float[] Values(string key, int[] shape) =>
        ResNet18Recipe.Values(key, shape, key.EndsWith(".weight") && shape.Length == 1 ? (GammaLow, GammaHigh) : ResNet18Recipe.Range(key, shape));

    public const double GammaLow = 1, GammaHigh = 4;

    /// <summary>The whole state_dict as torchvision names it: every float tensor drawn from the recipe, the counters 0.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict() => ResNet18Recipe.StateDict(FloatTensors(), Values);
}
