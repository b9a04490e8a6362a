using System;
using System.IO;
using System.Linq;
using FusedNorm;
using FusedNorm.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace GoldenGen;

/// <summary>
/// style_transfer.safetensors: pytorch/examples fast_neural_style's TransformerNet, rebuilt here with TorchSharp modules
/// under the same submodule names (so its state_dict keys are the Python module's), every tensor overwritten with
/// <see cref="StyleTransferRecipe"/>'s values, run by libtorch in eval mode on the recipe's 1×3×64×64 input. The file
/// holds the input and the output (both 48 KB) and the recipe; the test draws the 1.7 M parameters itself.
/// </summary>
internal static class StyleGolden
{
    /// <summary>fast_neural_style's ConvLayer: ReflectionPad2d(kernel_size // 2), then Conv2d(in, out, kernel_size, stride).</summary>
    private sealed class ConvLayer : Module
    {
        private readonly Module reflection_pad;
        private readonly Module conv2d;
        private readonly long _upsample;

        public ConvLayer(long inChannels, long outChannels, long kernelSize, long stride, long upsample = 0) : base(nameof(ConvLayer))
        {
            _upsample = upsample;
            reflection_pad = nn.ReflectionPad2d(kernelSize / 2);
            conv2d = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride);
            RegisterComponents();
        }

        /// <summary>UpsampleConvLayer's forward when upsample is set: interpolate(x, mode='nearest', scale_factor=upsample) first.</summary>
        public override Tensor forward(Tensor x)
        {
            Tensor input = _upsample > 0
                ? nn.functional.interpolate(x, scale_factor: new double[] { _upsample, _upsample }, mode: InterpolationMode.Nearest)
                : x;
            return conv2d.forward(reflection_pad.forward(input));
        }
    }

    /// <summary>fast_neural_style's ResidualBlock: relu(in1(conv1(x))), in2(conv2(·)) + x.</summary>
    private sealed class ResidualBlock : Module
    {
        private readonly Module conv1, in1, conv2, in2, relu;

        public ResidualBlock(long channels) : base(nameof(ResidualBlock))
        {
            conv1 = new ConvLayer(channels, channels, 3, 1);
            in1 = nn.InstanceNorm2d(channels, affine: true);
            conv2 = new ConvLayer(channels, channels, 3, 1);
            in2 = nn.InstanceNorm2d(channels, affine: true);
            relu = nn.ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => in2.forward(conv2.forward(relu.forward(in1.forward(conv1.forward(x))))) + x;
    }

    private sealed class TransformerNet : Module
    {
        private readonly Module conv1, in1, conv2, in2, conv3, in3, res1, res2, res3, res4, res5, deconv1, in4, deconv2, in5, deconv3, relu;

        public TransformerNet() : base(nameof(TransformerNet))
        {
            conv1 = new ConvLayer(3, 32, 9, 1); in1 = nn.InstanceNorm2d(32, affine: true);
            conv2 = new ConvLayer(32, 64, 3, 2); in2 = nn.InstanceNorm2d(64, affine: true);
            conv3 = new ConvLayer(64, 128, 3, 2); in3 = nn.InstanceNorm2d(128, affine: true);
            res1 = new ResidualBlock(128); res2 = new ResidualBlock(128); res3 = new ResidualBlock(128); res4 = new ResidualBlock(128); res5 = new ResidualBlock(128);
            deconv1 = new ConvLayer(128, 64, 3, 1, upsample: 2); in4 = nn.InstanceNorm2d(64, affine: true);
            deconv2 = new ConvLayer(64, 32, 3, 1, upsample: 2); in5 = nn.InstanceNorm2d(32, affine: true);
            deconv3 = new ConvLayer(32, 3, 9, 1);
            relu = nn.ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor y = relu.forward(in1.forward(conv1.forward(x)));
            y = relu.forward(in2.forward(conv2.forward(y)));
            y = relu.forward(in3.forward(conv3.forward(y)));
            y = res5.forward(res4.forward(res3.forward(res2.forward(res1.forward(y)))));
            y = relu.forward(in4.forward(deconv1.forward(y)));
            y = relu.forward(in5.forward(deconv2.forward(y)));
            return deconv3.forward(y);
        }
    }

    public static void Write(string directory)
    {
        using var scope = torch.NewDisposeScope();
        var model = new TransformerNet();
        model.eval();
        var state = model.state_dict();

        var expected = StyleTransferRecipe.FloatTensors();
        if (!state.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(expected.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal)))
            throw new InvalidOperationException($"TransformerNet's keys differ from the recipe's: {string.Join(", ", state.Keys.Except(expected.Select(e => e.Key)).Concat(expected.Select(e => e.Key).Except(state.Keys)).Take(8))}");
        using (torch.no_grad())
            foreach (var (key, shape) in expected)
            {
                Tensor target = state[key];
                if (!target.shape.Select(d => (int)d).SequenceEqual(shape))
                    throw new InvalidOperationException($"{key}: TransformerNet has [{string.Join(", ", target.shape)}], the recipe [{string.Join(", ", shape)}]");
                target.copy_(torch.tensor(SeededRecipe.Values(key, shape), shape.Select(d => (long)d).ToArray()));
            }

        int[] inputShape = { 1, 3, StyleTransferRecipe.Size, StyleTransferRecipe.Size };
        Tensor input = torch.tensor(SeededRecipe.Values("input", inputShape), inputShape.Select(d => (long)d).ToArray());
        Tensor output;
        using (torch.no_grad()) output = model.forward(input);

        var writer = new SafeTensorsWriter();
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", "pytorch/examples fast_neural_style TransformerNet(), eval mode, recipe weights, input [1, 3, 64, 64]");
        writer.SetMetadata("recipe", StyleTransferRecipe.Description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        string path = Path.Combine(directory, "style_transfer.safetensors");
        writer.Save(path);
        float[] values = output.data<float>().ToArray();
        Console.WriteLine($"{"style_transfer",-26} {expected.Count} float tensors, output [{string.Join(", ", output.shape)}] in [{values.Min():G4}, {values.Max():G4}], {new FileInfo(path).Length} bytes");
    }
}
