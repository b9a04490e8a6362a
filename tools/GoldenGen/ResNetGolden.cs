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
    public static void Write(string directory)
    {
        using var scope = torch.NewDisposeScope();
        var model = torchvision.models.resnet18();
        model.eval();
        var state = model.state_dict();

        // The recipe's key list must be torchvision's, shape for shape: the test writes exactly these names.
        var expected = ResNet18Recipe.FloatTensors();
        var floats = state.Where(p => p.Value.dtype != ScalarType.Int64).ToList();
        string Listed(IEnumerable<string> keys) => string.Join(", ", keys.Take(8));
        var missing = expected.Select(e => e.Key).Except(floats.Select(f => f.Key)).ToList();
        var extra = floats.Select(f => f.Key).Except(expected.Select(e => e.Key)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidOperationException($"resnet18 keys differ from the recipe: missing {Listed(missing)}; extra {Listed(extra)}");
        var counters = state.Where(p => p.Value.dtype == ScalarType.Int64).Select(p => p.Key).OrderBy(k => k).ToList();
        if (!counters.SequenceEqual(ResNet18Recipe.Counters().OrderBy(k => k)))
            throw new InvalidOperationException("resnet18's num_batches_tracked keys differ from the recipe's");

        using (torch.no_grad())
            foreach (var (key, shape) in expected)
            {
                Tensor target = state[key];
                if (!target.shape.Select(d => (int)d).SequenceEqual(shape))
                    throw new InvalidOperationException($"{key}: torchvision has [{string.Join(", ", target.shape)}], the recipe [{string.Join(", ", shape)}]");
                float[] values = ResNet18Recipe.Values(key, shape);
                target.copy_(torch.tensor(values, shape.Select(d => (long)d).ToArray()));
            }

        int[] inputShape = { 1, 3, ResNet18Recipe.Size, ResNet18Recipe.Size };
        float[] inputValues = ResNet18Recipe.Values("input", inputShape);
        Tensor input = torch.tensor(inputValues, inputShape.Select(d => (long)d).ToArray());
        Tensor output;
        using (torch.no_grad()) output = model.forward(input);

        var writer = new SafeTensorsWriter();
        writer.Add("input_head", inputValues.Take(64).ToArray(), 64);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", "torchvision.models.resnet18(), eval mode, recipe weights, input [1, 3, 224, 224]");
        writer.SetMetadata("recipe", ResNet18Recipe.Description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0, TorchVision 0.107.0");
        string path = Path.Combine(directory, "resnet18.safetensors");
        writer.Save(path);
        float[] logits = output.data<float>().ToArray();
        Console.WriteLine($"{"resnet18",-26} {expected.Count} float tensors, output [{string.Join(", ", output.shape)}] in [{logits.Min():G4}, {logits.Max():G4}], {new FileInfo(path).Length} bytes");
    }
}
