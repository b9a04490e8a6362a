using System;
using System.IO;
using System.Linq;
using FusedNorm;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GoldenGen;

/// <summary>LeNet-5 with BatchNorm, with the attribute names the Sample's LeNetBn.cs reads.</summary>
internal sealed class LeNetBn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Linear fc1, fc2, fc3;
    private readonly BatchNorm1d bn3;

    public LeNetBn(int classes) : base(nameof(LeNetBn))
    {
        conv1 = nn.Conv2d(3, 6, 5); bn1 = nn.BatchNorm2d(6);
        conv2 = nn.Conv2d(6, 16, 5); bn2 = nn.BatchNorm2d(16);
        fc1 = nn.Linear(400, 120); bn3 = nn.BatchNorm1d(120);
        fc2 = nn.Linear(120, 84);
        fc3 = nn.Linear(84, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = F.max_pool2d(F.relu(bn1.forward(conv1.forward(x))), 2);
        x = F.max_pool2d(F.relu(bn2.forward(conv2.forward(x))), 2);
        x = x.flatten(1);
        x = F.relu(bn3.forward(fc1.forward(x)));
        x = F.relu(fc2.forward(x));
        return fc3.forward(x);
    }
}

/// <summary>Trains LeNet-BN on procedurally drawn shapes and writes the Sample's weights and PyTorch's reference logits.</summary>
internal static class LeNetTraining
{
    public static void TrainAndWrite(string directory)
    {
        Directory.CreateDirectory(directory);
        torch.manual_seed(7);
        var model = new LeNetBn(Shapes.Classes.Length);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 2e-3);

        var (trainImages, trainLabels) = Shapes.Draw(6000, seed: 1);
        var (testImages, testLabels) = Shapes.Draw(1000, seed: 2);
        const int batch = 64;
        var shuffle = new Random(11); // seeded, so a re-run trains on the same batches
        for (int epoch = 0; epoch < 6; epoch++)
        {
            model.train();
            double total = 0;
            int steps = 0;
            var order = Enumerable.Range(0, trainLabels.Length).OrderBy(_ => shuffle.Next()).ToArray();
            for (int start = 0; start + batch <= order.Length; start += batch)
            {
                using var scope = torch.NewDisposeScope();
                var indices = order.AsSpan(start, batch).ToArray();
                Tensor x = Shapes.Batch(trainImages, indices);
                Tensor y = torch.tensor(indices.Select(i => trainLabels[i]).ToArray());
                optimizer.zero_grad();
                Tensor loss = F.cross_entropy(model.forward(x), y);
                loss.backward();
                optimizer.step();
                total += loss.item<float>();
                steps++;
            }
            Console.WriteLine($"epoch {epoch + 1}: mean loss {total / steps:F4}, held-out accuracy {Accuracy(model, testImages, testLabels):P1}");
        }

        model.eval();
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in model.state_dict()) Tensors.Add(writer, name, tensor);
        writer.SetMetadata("classes", string.Join(",", Shapes.Classes));
        writer.SetMetadata("model", "LeNet-5 with BatchNorm (Sample/LeNetBn.cs), trained by tools/GoldenGen on drawn shapes");
        writer.Save(Path.Combine(directory, "lenet_bn.safetensors"));

        // Reference: fresh images, their labels and PyTorch's eval-mode logits.
        var (images, labels) = Shapes.Draw(16, seed: 3);
        using (torch.no_grad())
        {
            Tensor x = Shapes.Batch(images, Enumerable.Range(0, labels.Length).ToArray());
            Tensor logits = model.forward(x);
            var reference = new SafeTensorsWriter();
            Tensors.Add(reference, "input", x);
            Tensors.Add(reference, "labels", torch.tensor(labels));
            Tensors.Add(reference, "logits", logits);
            reference.SetMetadata("classes", string.Join(",", Shapes.Classes));
            reference.Save(Path.Combine(directory, "lenet_bn_reference.safetensors"));
        }
        Console.WriteLine($"LeNet-BN: held-out accuracy {Accuracy(model, testImages, testLabels):P1} on {testLabels.Length} images; weights in {directory}");
    }

    private static double Accuracy(LeNetBn model, float[][] images, long[] labels)
    {
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        Tensor predicted = model.forward(Shapes.Batch(images, Enumerable.Range(0, labels.Length).ToArray())).argmax(1);
        long[] p = predicted.data<long>().ToArray();
        return p.Zip(labels).Count(t => t.First == t.Second) / (double)labels.Length;
    }
}

/// <summary>32×32 RGB images of one drawn shape each, at a random place, size and colour, on a noisy background.</summary>
internal static class Shapes
{
    public static readonly string[] Classes = { "circle", "square", "triangle", "cross", "bar" };
    private const int Size = 32;

    public static (float[][] Images, long[] Labels) Draw(int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count][];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(Classes.Length);
            labels[i] = label;
            images[i] = DrawOne(label, random);
        }
        return (images, labels);
    }

    public static Tensor Batch(float[][] images, int[] indices)
    {
        var data = new float[indices.Length * 3 * Size * Size];
        for (int k = 0; k < indices.Length; k++) images[indices[k]].CopyTo(data, k * 3 * Size * Size);
        return torch.tensor(data, new long[] { indices.Length, 3, Size, Size });
    }

    private static float[] DrawOne(int label, Random random)
    {
        var image = new float[3 * Size * Size];
        float[] background = { (float)random.NextDouble() * 0.4f, (float)random.NextDouble() * 0.4f, (float)random.NextDouble() * 0.4f };
        float[] colour = { 0.5f + (float)random.NextDouble() * 0.5f, 0.5f + (float)random.NextDouble() * 0.5f, 0.5f + (float)random.NextDouble() * 0.5f };
        double r = 5 + random.NextDouble() * 6, cx = r + 2 + random.NextDouble() * (Size - 2 * r - 4), cy = r + 2 + random.NextDouble() * (Size - 2 * r - 4);
        bool vertical = random.Next(2) == 0;
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                bool inside = label switch
                {
                    0 => dx * dx + dy * dy <= r * r,
                    1 => Math.Abs(dx) <= r * 0.8 && Math.Abs(dy) <= r * 0.8,
                    2 => dy <= r * 0.8 && dy >= -r * 0.9 && Math.Abs(dx) <= (dy + r * 0.9) * 0.6,
                    3 => (Math.Abs(dx) <= r * 0.25 || Math.Abs(dy) <= r * 0.25) && Math.Abs(dx) <= r && Math.Abs(dy) <= r,
                    _ => vertical ? Math.Abs(dx) <= r * 0.3 && Math.Abs(dy) <= r : Math.Abs(dy) <= r * 0.3 && Math.Abs(dx) <= r,
                };
                for (int c = 0; c < 3; c++)
                {
                    float value = (inside ? colour[c] : background[c]) + (float)(random.NextDouble() - 0.5) * 0.2f;
                    image[(c * Size + y) * Size + x] = (value - 0.5f) / 0.25f; // roughly zero mean, unit scale
                }
            }
        return image;
    }
}
