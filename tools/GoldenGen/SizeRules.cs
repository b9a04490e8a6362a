using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace GoldenGen;

/// <summary>
/// pytorch_size_rules.tsv: the boundary cases of every size rule FusedNorm checks (a conv window against its padded
/// input, dilation, a pooling window against its padded input, pooling padding against half the kernel, AvgPool3d's
/// window against the unpadded input, groups that divide, reflect/circular padding against the input size), each run through libtorch's own module to record whether
/// PyTorch accepts it. Generator.Tests' PyTorchSizeRuleTests compiles the same layer and expects an error exactly
/// where PyTorch raised one. Columns: layer, rank, size (every spatial dim), kernel, stride, padding, dilation, groups,
/// channels, accepted (1/0), PyTorch's message (first line) when refused, the conv's padding_mode.
/// </summary>
public static class SizeRules
{
    private sealed record Case(string Layer, int Rank, int Size, int Kernel, int Stride, int Padding, int Dilation = 1, int Groups = 1, int Channels = 4,
        string Mode = "zeros");

    private static IEnumerable<Case> Cases()
    {
        foreach (int rank in new[] { 1, 2, 3 })
        {
            string conv = $"Conv{rank}d";
            // The window d·(k−1)+1 against the padded input size + 2p.
            yield return new(conv, rank, 5, 5, 1, 0);
            yield return new(conv, rank, 5, 6, 1, 0);
            yield return new(conv, rank, 5, 7, 1, 1);
            yield return new(conv, rank, 5, 8, 1, 1);
            yield return new(conv, rank, 5, 3, 1, 0, Dilation: 2);
            yield return new(conv, rank, 5, 3, 1, 0, Dilation: 3);
            yield return new(conv, rank, 5, 3, 1, 1, Dilation: 3);
            yield return new(conv, rank, 5, 1, 7, 0); // a stride beyond the input: one output
            yield return new(conv, rank, 5, 3, 1, 0, Groups: 2);
            yield return new(conv, rank, 5, 3, 1, 0, Groups: 3); // 3 does not divide 4 channels

            // padding_mode: reflect needs padding < the input size, circular padding <= the input size, replicate any.
            foreach (string mode in new[] { "reflect", "replicate", "circular" })
                foreach (int padding in new[] { 4, 5, 6 })
                    yield return new(conv, rank, 5, 3, 1, padding, Mode: mode);

            foreach (string kind in new[] { "MaxPool", "AvgPool" })
            {
                string pool = $"{kind}{rank}d";
                yield return new(pool, rank, 4, 4, 0, 0);
                yield return new(pool, rank, 4, 5, 0, 0);
                yield return new(pool, rank, 4, 5, 1, 2); // window beyond the input, within the padded input
                yield return new(pool, rank, 4, 6, 1, 1);
                yield return new(pool, rank, 4, 4, 1, 2); // padding = kernel / 2
                yield return new(pool, rank, 4, 4, 1, 3); // padding > kernel / 2
                yield return new(pool, rank, 4, 3, 1, 2); // padding > kernel / 2 for an odd kernel
                yield return new(pool, rank, 4, 2, 5, 0); // stride beyond the input
            }
        }
    }

    public static void Write(string goldens)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by tools/GoldenGen 'sizerules' with libtorch: whether PyTorch accepts each layer on an input of the given size.");
        text.AppendLine("layer\trank\tsize\tkernel\tstride\tpadding\tdilation\tgroups\tchannels\taccepted\tpytorch_message\tpadding_mode");
        foreach (Case c in Cases())
        {
            string? error = Run(c);
            text.Append(string.Join("\t", c.Layer, c.Rank, c.Size, c.Kernel, c.Stride, c.Padding, c.Dilation, c.Groups, c.Channels,
                error is null ? 1 : 0, error ?? "", c.Mode)).Append('\n');
            Console.WriteLine($"{c} -> {(error is null ? "accepted" : error)}");
        }
        File.WriteAllText(Path.Combine(goldens, "pytorch_size_rules.tsv"), text.ToString());
    }

    private static string? Run(Case c)
    {
        long[] shape = new long[c.Rank + 2];
        shape[0] = 1; shape[1] = c.Channels;
        for (int i = 0; i < c.Rank; i++) shape[i + 2] = c.Size;
        using var scope = NewDisposeScope();
        try
        {
            Tensor x = zeros(shape);
            long? stride = c.Stride == 0 ? null : c.Stride;
            PaddingModes mode = c.Mode switch { "reflect" => PaddingModes.Reflect, "replicate" => PaddingModes.Replicate, "circular" => PaddingModes.Circular, _ => PaddingModes.Zeros };
            nn.Module<Tensor, Tensor> layer = c.Layer switch
            {
                "Conv1d" => nn.Conv1d(c.Channels, 4, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, groups: c.Groups, padding_mode: mode),
                "Conv2d" => nn.Conv2d(c.Channels, 4, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, groups: c.Groups, padding_mode: mode),
                "Conv3d" => nn.Conv3d(c.Channels, 4, c.Kernel, stride: c.Stride, padding: c.Padding, dilation: c.Dilation, groups: c.Groups, padding_mode: mode),
                "MaxPool1d" => nn.MaxPool1d(c.Kernel, stride: stride, padding: c.Padding),
                "MaxPool2d" => nn.MaxPool2d(c.Kernel, stride: stride, padding: c.Padding),
                "MaxPool3d" => nn.MaxPool3d(c.Kernel, stride: stride, padding: c.Padding),
                "AvgPool1d" => nn.AvgPool1d(c.Kernel, stride: stride, padding: c.Padding),
                "AvgPool2d" => nn.AvgPool2d(c.Kernel, stride: stride, padding: c.Padding),
                _ => nn.AvgPool3d(c.Kernel, stride: stride, padding: c.Padding),
            };
            Tensor y = layer.forward(x);
            return y.numel() > 0 ? null : "empty output";
        }
        catch (Exception e)
        {
            string message = e.Message.Split('\n')[0].Trim();
            return message.Length > 160 ? message[..160] : message;
        }
    }
}
