using System;
using System.IO;
using FusedNorm;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GoldenGen;

/// <summary>
/// concat_dense.safetensors and concat_batchstats.safetensors: the graphs of Generator.Tests/Numerics/ConcatTests
/// (Dense, BatchStats) as PyTorch modules whose forward calls torch.cat(..., dim=1), their children named as the
/// test's chains read them (a, a_bn, b, …). Each file holds the eval-mode state_dict, an input and libtorch's output.
/// </summary>
internal static class ConcatGoldens
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        WriteOne(Path.Combine(directory, "concat_dense.safetensors"), seed: 31, new[] { 3L, 3, 12, 10 }, () => new Dense(),
            "a=relu(a_bn(a(x))); b=silu(b_gn(b(a))); c=relu(c(cat([a, x, b], 1))); relu(instance_norm(d(cat([c, a], 1))) + b)");
        WriteOne(Path.Combine(directory, "concat_batchstats.safetensors"), seed: 32, new[] { 3L, 4, 9, 11 }, () => new BatchStats(),
            "p=relu(p_bn(p(x))) with batch statistics; q=tanh(q(x)); r_bn(r(cat([q, p, x], 1))) with batch statistics");
    }

    private static void WriteOne(string path, int seed, long[] shape, Func<nn.Module<Tensor, Tensor>> build, string description)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        var module = build();
        var state = module.state_dict();
        using (torch.no_grad())
            foreach (var (name, tensor) in state)
            {
                // Norm parameters and running statistics away from their defaults, so folding and the affine are exercised.
                if (name.EndsWith("_bn.weight") || name.EndsWith("_gn.weight")) tensor.uniform_(0.5, 1.5);
                else if (name.EndsWith("_bn.bias") || name.EndsWith("_gn.bias")) tensor.uniform_(-0.5, 0.5);
                else if (name.EndsWith(".running_mean")) tensor.normal_(0, 0.5);
                else if (name.EndsWith(".running_var")) tensor.uniform_(0.5, 2.0);
            }
        module.eval();
        Tensor input = torch.randn(shape);
        Tensor output;
        using (torch.no_grad()) output = module.forward(input);
        var writer = new SafeTensorsWriter();
        foreach (var (name, tensor) in module.state_dict()) Tensors.Add(writer, name, tensor);
        Tensors.Add(writer, "input", input);
        Tensors.Add(writer, "output", output);
        writer.SetMetadata("case", description);
        writer.SetMetadata("torch", "libtorch 2.10 via TorchSharp 0.107.0");
        writer.Save(path);
        Console.WriteLine($"{Path.GetFileName(path),-26} output [{string.Join(", ", output.shape)}], {new FileInfo(path).Length} bytes");
    }

    private sealed class Dense : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d a = nn.Conv2d(3, 8, 3, padding: 1, bias: false);
        private readonly BatchNorm2d a_bn = nn.BatchNorm2d(8);
        private readonly Conv2d b = nn.Conv2d(8, 4, 3, padding: 1);
        private readonly GroupNorm b_gn = nn.GroupNorm(2, 4);
        private readonly Conv2d c = nn.Conv2d(15, 6, 1);
        private readonly Conv2d d = nn.Conv2d(14, 4, 3, padding: 1);
        private readonly InstanceNorm2d d_in = nn.InstanceNorm2d(4);

        public Dense() : base("Dense") => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            Tensor ya = nn.functional.relu(a_bn.forward(a.forward(x)));
            Tensor yb = nn.functional.silu(b_gn.forward(b.forward(ya)));
            Tensor yc = nn.functional.relu(c.forward(torch.cat(new[] { ya, x, yb }, 1)));
            return nn.functional.relu(d_in.forward(d.forward(torch.cat(new[] { yc, ya }, 1))) + yb);
        }
    }

    private sealed class BatchStats : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d p = nn.Conv2d(4, 6, 3, padding: 1);
        private readonly BatchNorm2d p_bn = nn.BatchNorm2d(6, track_running_stats: false);
        private readonly Conv2d q = nn.Conv2d(4, 3, 3, padding: 1);
        private readonly Conv2d r = nn.Conv2d(13, 5, 1);
        private readonly BatchNorm2d r_bn = nn.BatchNorm2d(5, track_running_stats: false);

        public BatchStats() : base("BatchStats") => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            Tensor yp = nn.functional.relu(p_bn.forward(p.forward(x)));
            Tensor yq = torch.tanh(q.forward(x));
            return r_bn.forward(r.forward(torch.cat(new[] { yq, yp, x }, 1)));
        }
    }
}
