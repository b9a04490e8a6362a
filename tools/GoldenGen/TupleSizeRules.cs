using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace GoldenGen;

/// <summary>
/// pytorch_tuple_size_rules.tsv: the boundary cases of the conv size rule with PyTorch's per-dim tuples (kernel_size, stride,
/// padding, dilation that differ between dims, and inputs whose dims differ), each run through libtorch's Conv2d/Conv3d to
/// record whether PyTorch accepts it. Generator.Tests' PyTorchTupleSizeRuleTests compiles the same conv and expects an error
/// exactly where PyTorch raised one. Columns: rank, input dims, kernel, stride, padding, dilation (each "a,b[,c]"),
/// padding_mode, accepted (1/0), PyTorch's message (first line) when refused.
/// </summary>
public static class TupleSizeRules
{
    private sealed record Case(int[] Size, int[] Kernel, int[] Stride, int[] Padding, int[] Dilation, string Mode = "zeros");

    private static IEnumerable<Case> Cases()
    {
        int[] One(int rank, int v) => Enumerable.Repeat(v, rank).ToArray();
        // (1, k) and (k, 1) windows against each dim on its own, with and without padding on that dim.
        foreach (var (h, w) in new[] { (8, 6), (6, 8), (1, 9), (9, 1) })
            foreach (int k in new[] { 6, 7, 9 })
                foreach (int p in new[] { 0, 1 })
                {
                    yield return new(new[] { h, w }, new[] { 1, k }, One(2, 1), new[] { 0, p }, One(2, 1));
                    yield return new(new[] { h, w }, new[] { k, 1 }, One(2, 1), new[] { p, 0 }, One(2, 1));
                }
        // Dilation on one dim only: the window d·(k − 1) + 1 = 13 rows against 12 and 13.
        foreach (int rows in new[] { 12, 13 })
        {
            yield return new(new[] { rows, 3 }, new[] { 7, 1 }, One(2, 1), One(2, 0), new[] { 2, 1 });
            yield return new(new[] { rows, 3 }, new[] { 7, 1 }, One(2, 1), new[] { 0, 5 }, new[] { 2, 1 });
            yield return new(new[] { 3, rows }, new[] { 3, 7 }, new[] { 2, 1 }, new[] { 1, 0 }, new[] { 1, 2 });
        }
        // Strides beyond a dim give one output there.
        yield return new(new[] { 5, 5 }, new[] { 1, 3 }, new[] { 9, 1 }, One(2, 0), One(2, 1));
        // Reflect padding per dim: less than the input size on that dim.
        foreach (int p in new[] { 3, 4 })
        {
            yield return new(new[] { 4, 12 }, new[] { 1, 5 }, One(2, 1), new[] { p, 2 }, One(2, 1), "reflect");
            yield return new(new[] { 12, 4 }, new[] { 5, 1 }, One(2, 1), new[] { 2, p }, One(2, 1), "reflect");
        }
        // Conv3d: (1, 3, 3) and (3, 1, 1) against a short clip and small frames.
        foreach (int d in new[] { 1, 2, 3 })
        {
            yield return new(new[] { d, 3, 3 }, new[] { 3, 1, 1 }, One(3, 1), One(3, 0), One(3, 1));
            yield return new(new[] { d, 2, 5 }, new[] { 1, 3, 3 }, One(3, 1), new[] { 0, 0, 1 }, One(3, 1));
        }
    }

    public static void Write(string goldens)
    {
        static string L(int[] v) => string.Join(",", v);
        var text = new StringBuilder();
        text.AppendLine("# Written by tools/GoldenGen 'tuplesizerules' with libtorch: whether PyTorch accepts each conv with per-dim tuples on an input of the given dims.");
        text.AppendLine("rank\tsize\tkernel\tstride\tpadding\tdilation\tpadding_mode\taccepted\tpytorch_message");
        foreach (Case c in Cases())
        {
            string? error = Run(c);
            text.Append(string.Join("\t", c.Size.Length, L(c.Size), L(c.Kernel), L(c.Stride), L(c.Padding), L(c.Dilation), c.Mode, error is null ? 1 : 0, error ?? "")).Append('\n');
            Console.WriteLine($"{L(c.Size)} k{L(c.Kernel)} s{L(c.Stride)} p{L(c.Padding)} d{L(c.Dilation)} {c.Mode} -> {error ?? "accepted"}");
        }
        File.WriteAllText(Path.Combine(goldens, "pytorch_tuple_size_rules.tsv"), text.ToString());
    }

    private static string? Run(Case c)
    {
        int rank = c.Size.Length;
        long[] shape = new long[] { 1, 4 }.Concat(c.Size.Select(v => (long)v)).ToArray();
        long[] k = c.Kernel.Select(v => (long)v).ToArray(), s = c.Stride.Select(v => (long)v).ToArray();
        long[] p = c.Padding.Select(v => (long)v).ToArray(), d = c.Dilation.Select(v => (long)v).ToArray();
        PaddingModes mode = c.Mode == "reflect" ? PaddingModes.Reflect : PaddingModes.Zeros;
        using var scope = NewDisposeScope();
        try
        {
            Tensor x = zeros(shape);
            nn.Module<Tensor, Tensor> layer = rank == 2
                ? nn.Conv2d(4, 4, (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]), dilation: (d[0], d[1]), padding_mode: mode)
                : nn.Conv3d(4, 4, (k[0], k[1], k[2]), stride: (s[0], s[1], s[2]), padding: (p[0], p[1], p[2]), dilation: (d[0], d[1], d[2]), padding_mode: mode);
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
