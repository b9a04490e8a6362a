using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace GoldenGen;

/// <summary>
/// resnet18.safetensors: torchvision's resnet18 (TorchVision for TorchSharp) in eval mode, every state_dict tensor
/// overwritten with <see cref="ResNet18Recipe"/>'s values, run on the recipe's input by libtorch. The file holds only
/// the output, the input's first values (so the test can check it draws the same input) and the recipe: the test draws
/// the 11.7 M weights itself.
/// </summary>
internal static class ResNetGolden
{
    public static void Write(string directory) =>
        Write(directory, "resnet18", torchvision.models.resnet18(), ResNet18Recipe.FloatTensors(), ResNet18Recipe.Counters(), ResNet18Recipe.Values,
            ResNet18Recipe.Size, ResNet18Recipe.Description);

    /// <summary>resnet50.safetensors: the same for torchvision's resnet50 (Bottleneck blocks) at 1×3×64×64, with <see cref="ResNet50Recipe"/>.</summary>
    public static void Write50(string directory) =>
        Write(directory, "resnet50", torchvision.models.resnet50(), ResNet50Recipe.FloatTensors(), ResNet50Recipe.Counters(), ResNet50Recipe.Values,
            ResNet50Recipe.Size, ResNet50Recipe.Description);

    private static void Write(string directory, string name, nn.Module<Tensor, Tensor> model, List<(string Key, int[] Shape)> expected,
        IEnumerable<string> expectedCounters, Func<string, int[], float[]> draw, int size, string recipe)
    {
        using var scope = torch.NewDisposeScope();
        model.eval();
        var state = model.state_dict();

        // The recipe's key list must be torchvision's, shape for shape: the test writes exactly these names.
        var floats = state.Where(p => p.Value.dtype != ScalarType.Int64).ToList();
        string Listed(IEnumerable<string> keys) => string.Join(", ", keys.Take(8));
        var missing = expected.Select(e => e.Key).Except(floats.Select(f => f.Key)).ToList();
        var extra = floats.Select(f => f.Key).Except(expected.Select(e => e.Key)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidOperationException($"{name} keys differ from the recipe: missing {Listed(missing)}; extra {Listed(extra)}");
        var counters = state.Where(p => p.Value.dtype == ScalarType.Int64).Select(p => p.Key).OrderBy(k => k).ToList();
        if (!counters.SequenceEqual(expectedCounters.OrderBy(k => k)))
            throw new InvalidOperationException($"{name}'s num_batches_tracked keys differ from the recipe's");

        using (torch.no_grad())
            foreach (var (key, shape) in expected)
            {
                Tensor target = state[key];
                if (!target.shape.Select(d => (int)d).SequenceEqual(shape))
                    throw new InvalidOperationException($"{key}: torchvision has [{string.Join(", ", target.shape)}], the recipe [{string.Join(", ", shape)}]");
                float[] values = draw(key, shape);
                target.copy_(torch.tensor(values, shape.Select(d => (long)d).ToArray()));
            }

        int[] inputShape = { 1, 3, size, size };
        float[] inputValues = draw("input", inputShape);
        Tensor input = torch.tensor(inputValues, inputShape.Select(d => (long)d).ToArray());
        Tensor output;
        using (torch.no_grad()) output = model.forward(input);

        var writer = new SafeTensorsWriter();
        writer.Add("input_head", inputValues.Take(64).ToArray(), 64);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", $"torchvision.models.{name}(), eval mode, recipe weights, input [1, 3, {size}, {size}]");
        writer.SetMetadata("recipe", recipe);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0, TorchVision 0.107.0");
        string path = Path.Combine(directory, name + ".safetensors");
        writer.Save(path);
        float[] logits = output.data<float>().ToArray();
        Console.WriteLine($"{name,-26} {expected.Count} float tensors, output [{string.Join(", ", output.shape)}] in [{logits.Min():G4}, {logits.Max():G4}], {new FileInfo(path).Length} bytes");
    }
}
