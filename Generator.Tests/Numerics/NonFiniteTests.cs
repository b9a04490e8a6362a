using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// NaN and ±∞ in the input or the weights propagate as PyTorch propagates them. Each golden
/// (<see cref="NonFiniteCases"/>, written by tools/GoldenGen's "nonfinite" mode) holds a module whose input or
/// state_dict has NaN or ±∞ at chosen positions, and PyTorch's output. At every position: NaN in the golden ⇔ NaN
/// in ours; ±∞ exactly, with its sign; finite values within the usual 1e-4 abs + 1e-4 rel. The same for the
/// Runtime's scalar reference. .ci/run repeats these on the Vector256 and scalar paths.
/// </summary>
[Trait("Category", "Numeric")]
public class NonFiniteTests
{
    [Theory]
    [MemberData(nameof(NonFiniteCases.Names), MemberType = typeof(NonFiniteCases))]
    public void Chain_propagates_NaN_and_infinity_like_PyTorch(string name)
    {
        NonFiniteCase c = NonFiniteCases.Get(name);
        SafeTensorsFile golden = Golden(c);
        CompiledModel model = CompiledModel.Compile(c.Chain.Source(), c.Chain.TypeName, c.Chain.Training ? "ChainTraining" : null);
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        int[] shape = golden.GetInfo("output").Shape;
        if (c.FoldedNaNChannel is int channel)
        {
            // The known difference (README, "NaN and Inf"): that channel is NaN here wherever PyTorch's is NaN or ±∞
            // (all of it), and every other channel matches.
            float[] expected = golden.ReadFloat32("output"), actual = model.Forward(input, batch);
            int plane = shape.Skip(2).Aggregate(1, (a, d) => a * d);
            for (int i = 0; i < expected.Length; i++)
                if (i / plane % shape[1] == channel)
                {
                    Assert.False(float.IsFinite(expected[i]), $"{name}: PyTorch's channel {channel} is finite at {i}");
                    Assert.True(float.IsNaN(actual[i]), $"{name}: channel {channel} is {actual[i]} at {i}, not NaN");
                    expected[i] = actual[i] = 0;
                }
            AssertSame(expected, actual, shape, $"{name} (generated kernel, channel {channel} aside)");
            return;
        }
        if (!c.Chain.Training)
        {
            AssertSame(golden.ReadFloat32("output"), model.Forward(input, batch), shape, $"{name} (generated kernel)");
            return;
        }

        // PyTorch's train() forward, the running statistics it leaves, then eval mode with those statistics.
        AssertSame(golden.ReadFloat32("output"), model.Training(input, batch), shape, $"{name} (generated training forward)");
        SafeTensorsFile running = model.RunningStatistics();
        foreach (string key in new[] { "bn.running_mean", "bn.running_var" })
            AssertSame(golden.ReadFloat32("after." + key), running.ReadFloat32(key), golden.GetInfo(key).Shape, $"{name} {key}");
        AssertSame(golden.ReadFloat32("eval_output"), model.Forward(input, batch), shape, $"{name} (generated, eval after training)");
    }

    /// <summary>
    /// The vectorized MaxPool2d(2) (no golden has it: theirs pool 3×3 with padding) against the Runtime's reference,
    /// whose max pool the goldens check: NaN and −∞ inputs at chosen places, rows of 40 columns (pooled rows of 20:
    /// two vector steps of 8 and an overlapping third), 3 input channels so a NaN reaches every output channel.
    /// </summary>
    [Fact]
    public void Max_pool_2x2_propagates_NaN_and_infinity_like_the_reference()
    {
        var chain = new ChainCase("nonfinite_maxpool2", new[] { 3, 6, 40 }, new ConvCase(4, 3, Padding: 1), Activation: Layer.ReLU,
            Pool: new PoolCase(Layer.MaxPool2d, 2), Batch: 2);
        var random = new Random(77);
        float[] weight = Enumerable.Range(0, 4 * 3 * 9).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = { 0.1f, -0.2f, 0.3f, float.NegativeInfinity }; // channel 3: every conv output −∞, after ReLU 0
        var writer = new SafeTensorsWriter();
        writer.Add("conv.weight", weight, 4, 3, 3, 3);
        writer.Add("conv.bias", bias, 4);
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(SafeTensorsFile.FromBytes(writer.ToArray()));

        int batch = 2;
        float[] x = Enumerable.Range(0, batch * 3 * 6 * 40).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        x[(0 * 3 + 1) * 240 + 2 * 40 + 5] = float.NaN;                   // sample 0, channel 1, row 2, column 5
        x[(1 * 3 + 0) * 240 + 5 * 40 + 39] = float.NaN;                  // sample 1: the last column, in the overlapping step
        x[(1 * 3 + 2) * 240 + 0 * 40 + 20] = float.PositiveInfinity;     // +∞ · weights of both signs: +∞, −∞ or NaN outputs
        var parameters = new ReferenceTests.Parameters(weight, bias, null, null, new float[4], Enumerable.Repeat(1f, 4).ToArray());

        float[] expected = ReferenceTests.ReferenceChain(chain, parameters, x, batch), actual = model.Forward(x, batch);
        Assert.Contains(expected, float.IsNaN);
        AssertSame(expected, actual, new[] { batch, 4, 3, 20 }, "MaxPool2d(2) (generated kernel vs Reference)");
    }

    [Theory]
    [MemberData(nameof(NonFiniteCases.Names), MemberType = typeof(NonFiniteCases))]
    public void Reference_propagates_NaN_and_infinity_like_PyTorch(string name)
    {
        NonFiniteCase c = NonFiniteCases.Get(name);
        SafeTensorsFile golden = Golden(c);
        ChainCase chain = c.Chain;
        int outputs = chain.Conv?.OutChannels ?? chain.LinearOut;
        string prefix = chain.Conv is null ? "linear" : "conv";
        float[]? Optional(string key) => golden.Contains(key) ? golden.ReadFloat32(key) : null;
        var parameters = new ReferenceTests.Parameters(
            golden.ReadFloat32(prefix + ".weight"), Optional(prefix + ".bias"), Optional("bn.weight"), Optional("bn.bias"),
            Optional("bn.running_mean") ?? new float[outputs], Optional("bn.running_var") ?? Enumerable.Repeat(1f, outputs).ToArray());
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        int[] shape = golden.GetInfo("output").Shape;
        if (!chain.Training)
        {
            AssertSame(golden.ReadFloat32("output"), ReferenceTests.ReferenceChain(chain, parameters, input, batch), shape, $"{name} (Reference)");
            return;
        }
        // The training forward normalizes with batch statistics; eval mode then uses the running statistics it left.
        ChainCase batchStatistics = chain with { NormOf = chain.NormKind! with { Track = false }, Training = false };
        AssertSame(golden.ReadFloat32("output"), ReferenceTests.ReferenceChain(batchStatistics, parameters, input, batch), shape, $"{name} (Reference, training forward)");
        var after = parameters with { Mean = golden.ReadFloat32("after.bn.running_mean"), Var = golden.ReadFloat32("after.bn.running_var") };
        AssertSame(golden.ReadFloat32("eval_output"), ReferenceTests.ReferenceChain(chain with { Training = false }, after, input, batch), shape, $"{name} (Reference, eval after training)");
    }

    [Theory]
    [MemberData(nameof(NonFiniteActivations.Keys), MemberType = typeof(NonFiniteActivations))]
    public void Activation_matches_PyTorch_at_NaN_infinity_and_the_largest_floats(string key)
    {
        NonFiniteActivations.Kind kind = NonFiniteActivations.All.Single(k => k.Key == key);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("nonfinite_activations"));
        float[] x = golden.ReadFloat32("input"), expected = golden.ReadFloat32(key);
        Assert.Equal(NonFiniteActivations.Inputs, x);
        int[] shape = { x.Length };
        float p = (float)kind.Parameter;

        // The generated kernels call these three, by width; the JIT runs the software fallback of a width the CPU lacks.
        AssertSame(expected, x.Select(v => Scalar(kind, v, p)).ToArray(), shape, $"{key}: scalar (inputs {string.Join(", ", x)})");
        // The inputs side by side in the lanes, so a NaN lane must not touch its neighbours.
        var v256 = new float[x.Length + 8];
        var v512 = new float[x.Length + 16];
        x.CopyTo(v256, 0);
        x.CopyTo(v512, 0);
        for (int i = 0; i < x.Length; i += 8) Vector(kind, Vector256.Create(v256.AsSpan(i, 8)), p).CopyTo(v256.AsSpan(i, 8));
        for (int i = 0; i < x.Length; i += 16) Vector(kind, Vector512.Create(v512.AsSpan(i, 16)), p).CopyTo(v512.AsSpan(i, 16));
        AssertSame(expected, v256[..x.Length], shape, $"{key}: Vector256");
        AssertSame(expected, v512[..x.Length], shape, $"{key}: Vector512");
        // The reference computes in double, where x·6 (Hardswish) and x·2 (GELU) do not overflow at ±float.MaxValue as
        // PyTorch's float intermediates do; it is held to the golden everywhere else.
        float[] reference = Reference.Activation(x, kind.Layer, kind.Parameter, kind.GeluTanh);
        float[] withoutExtremes = expected.ToArray();
        for (int i = 0; i < x.Length; i++)
            if (Math.Abs(x[i]) == float.MaxValue) reference[i] = withoutExtremes[i] = 0;
        AssertSame(withoutExtremes, reference, shape, $"{key}: Reference (except at ±float.MaxValue)");
    }

    private static float Scalar(NonFiniteActivations.Kind k, float x, float p) => k.Layer switch
    {
        Layer.ReLU => Kernels.Activations.Relu(x),
        Layer.ReLU6 => Kernels.Activations.Relu6(x),
        Layer.LeakyReLU => Kernels.Activations.LeakyRelu(x, p),
        Layer.SiLU => Kernels.Activations.Silu(x),
        Layer.GELU => k.GeluTanh ? Kernels.Activations.GeluTanh(x) : Kernels.Activations.Gelu(x),
        Layer.Sigmoid => Kernels.Activations.Sigmoid(x),
        Layer.Tanh => Kernels.Activations.Tanh(x),
        Layer.Hardswish => Kernels.Activations.Hardswish(x),
        Layer.ELU => Kernels.Activations.Elu(x, p),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    private static Vector256<float> Vector(NonFiniteActivations.Kind k, Vector256<float> x, float p) => k.Layer switch
    {
        Layer.ReLU => Kernels.Activations.Relu(x),
        Layer.ReLU6 => Kernels.Activations.Relu6(x),
        Layer.LeakyReLU => Kernels.Activations.LeakyRelu(x, p),
        Layer.SiLU => Kernels.Activations.Silu(x),
        Layer.GELU => k.GeluTanh ? Kernels.Activations.GeluTanh(x) : Kernels.Activations.Gelu(x),
        Layer.Sigmoid => Kernels.Activations.Sigmoid(x),
        Layer.Tanh => Kernels.Activations.Tanh(x),
        Layer.Hardswish => Kernels.Activations.Hardswish(x),
        Layer.ELU => Kernels.Activations.Elu(x, p),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    private static Vector512<float> Vector(NonFiniteActivations.Kind k, Vector512<float> x, float p) => k.Layer switch
    {
        Layer.ReLU => Kernels.Activations.Relu(x),
        Layer.ReLU6 => Kernels.Activations.Relu6(x),
        Layer.LeakyReLU => Kernels.Activations.LeakyRelu(x, p),
        Layer.SiLU => Kernels.Activations.Silu(x),
        Layer.GELU => k.GeluTanh ? Kernels.Activations.GeluTanh(x) : Kernels.Activations.Gelu(x),
        Layer.Sigmoid => Kernels.Activations.Sigmoid(x),
        Layer.Tanh => Kernels.Activations.Tanh(x),
        Layer.Hardswish => Kernels.Activations.Hardswish(x),
        Layer.ELU => Kernels.Activations.Elu(x, p),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    /// <summary>The golden, after checking that it holds the poked values and that PyTorch's output has both non-finite and finite values.</summary>
    private static SafeTensorsFile Golden(NonFiniteCase c)
    {
        SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(c.Name));
        foreach (Poke poke in c.Pokes)
        {
            int[] shape = golden.GetInfo(poke.Tensor).Shape;
            int flat = 0;
            for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + poke.Index[d];
            float value = golden.ReadFloat32(poke.Tensor)[flat];
            Assert.True(value.Equals(poke.Value), $"{c.Name}: the golden's {poke.Tensor}[{string.Join(",", poke.Index)}] is {value}, not the poked {poke.Value}");
        }
        float[] output = golden.ReadFloat32("output");
        Assert.Contains(output, v => !float.IsFinite(v));
        Assert.Contains(output, float.IsFinite);
        return golden;
    }

    /// <summary>
    /// NaN ⇔ NaN, ±∞ = ±∞, finite within tolerance, at every position; a failure lists every position that
    /// differs (as an index into <paramref name="shape"/>) and how many NaN and ±∞ each side has.
    /// </summary>
    private static void AssertSame(float[] expected, float[] actual, int[] shape, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var wrong = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool same = float.IsNaN(e) ? float.IsNaN(a)
                : float.IsInfinity(e) || float.IsInfinity(a) ? e == a
                : Math.Abs((double)a - e) <= Tolerance.Absolute + Tolerance.Relative * Math.Abs(e);
            if (!same) wrong.Add($"[{string.Join(",", Unflatten(i, shape))}] is {a:R}, expected {e:R}");
        }
        if (wrong.Count == 0) return;
        throw new XunitException($"{what}: {wrong.Count} of {expected.Length} values differ from PyTorch's ({Census(expected)} expected, {Census(actual)} here):\n  " +
            string.Join("\n  ", wrong.Take(24)) + (wrong.Count > 24 ? $"\n  … and {wrong.Count - 24} more" : ""));
    }

    private static string Census(float[] values) =>
        $"{values.Count(float.IsNaN)} NaN, {values.Count(float.IsPositiveInfinity)} +∞, {values.Count(float.IsNegativeInfinity)} −∞";

    private static int[] Unflatten(int index, int[] shape)
    {
        var at = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { at[d] = index % shape[d]; index /= shape[d]; }
        return at;
    }
}
