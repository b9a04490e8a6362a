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
/// mobilenet_v2.safetensors: torchvision's mobilenet_v2() (TorchVision for TorchSharp) in eval mode, every state_dict
/// tensor overwritten with <see cref="MobileNetV2Recipe"/>'s values, run on the recipe's 1×3×96×96 input by libtorch.
/// The file holds only the output, the input's first values and the recipe: the test draws the 3.5 M weights itself.
/// It also prints the range of every features block's output, the check that the recipe keeps activations sane.
/// </summary>
internal static class MobileNetGolden
{
    public static void Write(string directory)
    {
        using var scope = torch.NewDisposeScope();
        var model = torchvision.models.mobilenet_v2();
        model.eval();
        var expected = MobileNetV2Recipe.FloatTensors();
        RecipeWeights.Overwrite(model, "mobilenet_v2", expected, ResNet18Recipe.Counters(expected), MobileNetV2Recipe.Values);

        int[] inputShape = { 1, 3, MobileNetV2Recipe.Size, MobileNetV2Recipe.Size };
        float[] inputValues = MobileNetV2Recipe.Values("input", inputShape);
        Tensor input = torch.tensor(inputValues, inputShape.Select(d => (long)d).ToArray());
        Tensor output;
        using (torch.no_grad())
        {
            output = model.forward(input);
            // The same features, block by block: what each block's output spans (sane: of order 1, no growth).
            var features = (nn.Module<Tensor, Tensor>)model.named_children().Single(c => c.name == "features").module;
            Tensor x = input;
            foreach (var (name, block) in features.named_children())
            {
                x = ((nn.Module<Tensor, Tensor>)block).forward(x);
                Console.WriteLine($"  features.{name,-3} [{string.Join(", ", x.shape)}] min {x.min().item<float>():G4} max {x.max().item<float>():G4} std {x.std().item<float>():G4}");
            }
        }

        var writer = new SafeTensorsWriter();
        writer.Add("input_head", inputValues.Take(64).ToArray(), 64);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", $"torchvision.models.mobilenet_v2(), eval mode, recipe weights, input [{string.Join(", ", inputShape)}]");
        writer.SetMetadata("recipe", MobileNetV2Recipe.Description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0, TorchVision 0.107.0");
        string path = Path.Combine(directory, "mobilenet_v2.safetensors");
        writer.Save(path);
        float[] logits = output.data<float>().ToArray();
        Console.WriteLine($"{"mobilenet_v2",-26} {expected.Count} float tensors, output [{string.Join(", ", output.shape)}] in [{logits.Min():G4}, {logits.Max():G4}], {new FileInfo(path).Length} bytes");
    }
}

/// <summary>Writes a recipe's values into a torchvision module's state_dict, after checking its keys and shapes are the module's.</summary>
internal static class RecipeWeights
{
    public static void Overwrite(nn.Module model, string what, IReadOnlyList<(string Key, int[] Shape)> expected, IEnumerable<string> recipeCounters,
        Func<string, int[], float[]> values)
    {
        var state = model.state_dict();
        var floats = state.Where(p => p.Value.dtype != ScalarType.Int64).ToList();
        string Listed(IEnumerable<string> keys) => string.Join(", ", keys.Take(8));
        var missing = expected.Select(e => e.Key).Except(floats.Select(f => f.Key)).ToList();
        var extra = floats.Select(f => f.Key).Except(expected.Select(e => e.Key)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidOperationException($"{what} keys differ from the recipe: missing {Listed(missing)}; extra {Listed(extra)}");
        var counters = state.Where(p => p.Value.dtype == ScalarType.Int64).Select(p => p.Key).OrderBy(k => k).ToList();
        if (!counters.SequenceEqual(recipeCounters.OrderBy(k => k)))
            throw new InvalidOperationException($"{what}'s num_batches_tracked keys differ from the recipe's");

        using (torch.no_grad())
            foreach (var (key, shape) in expected)
            {
                Tensor target = state[key];
                if (!target.shape.Select(d => (int)d).SequenceEqual(shape))
                    throw new InvalidOperationException($"{key}: torchvision has [{string.Join(", ", target.shape)}], the recipe [{string.Join(", ", shape)}]");
                target.copy_(torch.tensor(values(key, shape), shape.Select(d => (long)d).ToArray()));
            }
    }
}
