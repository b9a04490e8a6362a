using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Convolutions with PyTorch's per-dim tuples (kernel_size=(1, 7), stride=(2, 1), padding=(0, 3), dilation=(1, 2), Conv3d
/// (1, 3, 3)): the <see cref="TupleCases"/> against libtorch's goldens (tools/GoldenGen 'tuples') and against the scalar
/// reference, and random non-square convs against the reference.
/// </summary>
[Trait("Category", "Numeric")]
public class ConvTupleTests
{
    [Theory]
    [MemberData(nameof(TupleCases.Names), MemberType = typeof(TupleCases))]
    public void Chain_matches_PyTorch(string name)
    {
        ChainCase chain = TupleCases.Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(name));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        Assert.Equal(batch * model.InputSize, input.Length);
        Tolerance.AssertClose(golden.ReadFloat32("output"), model.Forward(input, batch), name);
    }

    [Theory]
    [MemberData(nameof(TupleCases.Names), MemberType = typeof(TupleCases))]
    public void Chain_matches_reference(string name) => ReferenceTests.Check(TupleCases.Get(name), 1500 + Array.FindIndex(TupleCases.All, c => c.Name == name));

    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 24).Select(s => new object[] { s });

    /// <summary>A random Conv2d (or, one time in four, Conv3d) with a different kernel, stride, padding or dilation per dim.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_non_square_conv_matches_reference(int seed) => ReferenceTests.Check(RandomTupleConv(seed), 1600 + seed);

    /// <summary>Kernels that unroll a row at a time or a tap at a time (1×11, 11×1 with many channels) and a (3, 11, 11) Conv3d.</summary>
    public static IEnumerable<object[]> LargeCases => new ChainCase[]
    {
        new("tuple_k1x11_c64", new[] { 64, 6, 40 }, new ConvCase(16, 0, Kernels: new[] { 1, 11 }, Paddings: new[] { 0, 5 }), Norm: true, Activation: Layer.ReLU),
        new("tuple_k11x1_c64_s2", new[] { 64, 30, 20 }, new ConvCase(16, 0, Kernels: new[] { 11, 1 }, Strides: new[] { 2, 1 }, Paddings: new[] { 5, 0 }), NormOf: new(Layer.GroupNorm, Groups: 4), Activation: Layer.SiLU),
        new("tuple_conv3d_k3x11x11", new[] { 2, 4, 12, 24 }, new ConvCase(8, 0, Kernels: new[] { 3, 11, 11 }, Paddings: new[] { 1, 5, 5 }), Rank: 3, Norm: true),
        new("tuple_narrow_scalar_k3x1", new[] { 5, 9, 5 }, new ConvCase(8, 0, Kernels: new[] { 3, 1 }, Strides: new[] { 1, 2 }), Activation: Layer.ReLU),
    }.Select((chain, i) => new object[] { chain, 1700 + i });

    [Theory]
    [MemberData(nameof(LargeCases))]
    public void Large_non_square_kernel_matches_reference(ChainCase chain, int seed) => ReferenceTests.Check(chain, seed);

    /// <summary>The generated file of Inception's (1, 7) conv with BatchNorm and ReLU: read it like code.</summary>
    [Fact]
    public void Snapshot_of_a_1x7_chain()
    {
        ChainCase chain = TupleCases.Get("tuple_k1x7_p0x3_bn_relu");
        var run = GeneratorHarness.RunGenerator(chain.Source());
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources, s => s.HintName.EndsWith(".Chain.g.cs"));
        Snapshot.Verify("ConvTupleTests.Chain_tuple_k1x7_p0x3_bn_relu", source.SourceText.ToString());
    }

    internal static ChainCase RandomTupleConv(int seed)
    {
        var random = new Random(seed * 104729);
        int[] kernels = { 1, 2, 3, 5, 7 };
        while (true)
        {
            int rank = random.Next(4) == 0 ? 3 : 2;
            int[] dims = rank == 3 ? new[] { random.Next(2, 6), random.Next(3, 10), random.Next(5, 30) } : new[] { random.Next(3, 20), random.Next(5, 40) };
            int[] k = dims.Select(_ => kernels[random.Next(kernels.Length)]).ToArray();
            int[] s = dims.Select(_ => random.Next(3) == 0 ? 2 : 1).ToArray();
            int[] d = dims.Select(_ => random.Next(4) == 0 ? 2 : 1).ToArray();
            int[] p = dims.Select((_, a) => random.Next(0, k[a] / 2 * d[a] + 2)).ToArray();
            bool square = k.Distinct().Count() == 1 && s.Distinct().Count() == 1 && d.Distinct().Count() == 1 && p.Distinct().Count() == 1;
            if (square) continue;
            int[] o = dims.Select((n, a) => (n + 2 * p[a] - (d[a] * (k[a] - 1) + 1)) / s[a] + 1).ToArray();
            if (o.Any(v => v < 1) || dims.Where((n, a) => d[a] * (k[a] - 1) + 1 > n + 2 * p[a]).Any()) continue;
            int c = random.Next(1, 6), outChannels = random.Next(1, 14);
            NormCase? norm = random.Next(5) switch
            {
                0 => null,
                1 => new NormCase(rank == 3 ? Layer.InstanceNorm3d : Layer.InstanceNorm2d, Affine: true, Track: false),
                2 when outChannels % 2 == 0 => new NormCase(Layer.GroupNorm, Groups: 2),
                3 => new NormCase(rank == 3 ? Layer.BatchNorm3d : Layer.BatchNorm2d, Track: false),
                _ => new NormCase(rank == 3 ? Layer.BatchNorm3d : Layer.BatchNorm2d),
            };
            PoolCase? pool = rank == 2 && random.Next(4) == 0 && o.All(v => v >= 2) ? new PoolCase(Layer.MaxPool2d, 2) : null;
            return new ChainCase($"random_tuple_conv_{seed}", new[] { c }.Concat(dims).ToArray(),
                new ConvCase(outChannels, 0, Bias: random.Next(3) != 0, Kernels: k, Strides: s, Paddings: p, Dilations: d),
                NormOf: norm, Activation: random.Next(4) == 0 ? null : Layer.ReLU, Pool: pool, Rank: rank);
        }
    }
}
