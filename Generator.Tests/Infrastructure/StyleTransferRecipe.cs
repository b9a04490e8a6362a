using System.Collections.Generic;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// pytorch/examples fast_neural_style's TransformerNet, its state_dict drawn from <see cref="SeededRecipe"/> (the same
/// per-key recipe as ResNet-18): tools/GoldenGen writes these values into a TorchSharp TransformerNet built with the same
/// submodule names and runs libtorch; the test and the Sample draw them again, under the same keys.
/// </summary>
public static class StyleTransferRecipe
{
    /// <summary>The input (1, 3, Size, Size): small, so the file and the scalar-path run stay small.</summary>
    public const int Size = 64;
    public const string Description = SeededRecipe.Description + "; shape [1, 3, 64, 64]";

    /// <summary>
    /// Every tensor of TransformerNet().state_dict(), by key and shape, in its order: ConvLayer / UpsampleConvLayer hold
    /// their conv as "conv2d", InstanceNorm2d(affine=True) keeps no running statistics.
    /// </summary>
    public static List<(string Key, int[] Shape)> FloatTensors()
    {
        var list = new List<(string, int[])>();
        void Conv(string name, int outC, int inC, int k)
        {
            list.Add((name + ".conv2d.weight", new[] { outC, inC, k, k }));
            list.Add((name + ".conv2d.bias", new[] { outC }));
        }
        void Norm(string name, int c)
        {
            list.Add((name + ".weight", new[] { c }));
            list.Add((name + ".bias", new[] { c }));
        }
        Conv("conv1", 32, 3, 9); Norm("in1", 32);
        Conv("conv2", 64, 32, 3); Norm("in2", 64);
        Conv("conv3", 128, 64, 3); Norm("in3", 128);
        for (int r = 1; r <= 5; r++)
        {
            Conv($"res{r}.conv1", 128, 128, 3); Norm($"res{r}.in1", 128);
            Conv($"res{r}.conv2", 128, 128, 3); Norm($"res{r}.in2", 128);
        }
        Conv("deconv1", 64, 128, 3); Norm("in4", 64);
        Conv("deconv2", 32, 64, 3); Norm("in5", 32);
        Conv("deconv3", 3, 32, 9);
        return list;
    }

    /// <summary>The whole state_dict, every tensor drawn from the recipe.</summary>
    public static FusedNorm.SafeTensorsWriter StateDict() => SeededRecipe.StateDict(FloatTensors());
}
