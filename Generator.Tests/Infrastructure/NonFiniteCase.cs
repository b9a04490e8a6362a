using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>One value set to NaN or ±∞: in "input" (index includes the batch) or in a state_dict tensor such as "conv.weight".</summary>
public sealed record Poke(string Tensor, int[] Index, float Value)
{
    public override string ToString() =>
        $"{Tensor}[{string.Join(",", Index)}]={(float.IsNaN(Value) ? "nan" : float.IsPositiveInfinity(Value) ? "+inf" : float.IsNegativeInfinity(Value) ? "-inf" : Value.ToString("R", CultureInfo.InvariantCulture))}";
}

/// <summary>
/// A chain whose golden input or weights hold NaN or ±∞ at chosen positions. tools/GoldenGen (mode "nonfinite")
/// builds the module exactly as for <see cref="ChainCases"/>, sets the poked values, and stores PyTorch's output.
/// <paramref name="Expect"/> says what PyTorch does with them, for the reader. <paramref name="FoldedNaNChannel"/>
/// names the one known difference: an output channel whose folded BatchNorm scale γ/√(var+ε) is infinite, which
/// the generated kernel makes NaN throughout where PyTorch has ±∞ at some positions.
/// </summary>
public sealed record NonFiniteCase(ChainCase Chain, Poke[] Pokes, string Expect, int? FoldedNaNChannel = null)
{
    public string Name => Chain.Name;
    public override string ToString() => Name;
}

/// <summary>The non-finite goldens (Generator.Tests/Goldens/nonfinite_*.safetensors) and what each one shows.</summary>
public static class NonFiniteCases
{
    private const float NaN = float.NaN, Inf = float.PositiveInfinity;

    public static readonly NonFiniteCase[] All =
    {
        new(new("nonfinite_conv_bn_relu", new[] { 3, 6, 9 }, new ConvCase(8, 3, Padding: 1), Norm: true, Activation: Layer.ReLU),
            new Poke[] { new("input", new[] { 0, 0, 2, 3 }, NaN), new("input", new[] { 0, 1, 4, 7 }, Inf), new("input", new[] { 1, 2, 0, 0 }, -Inf) },
            "NaN spreads to every output whose window holds it (all channels) and survives the folded BatchNorm and ReLU; ±∞ stay ±∞ through the fold, ReLU makes −∞ 0"),
        new(new("nonfinite_conv_relu6", new[] { 2, 5, 12 }, new ConvCase(4, 3, Padding: 1), Activation: Layer.ReLU6, Batch: 1),
            new Poke[] { new("input", new[] { 0, 0, 1, 2 }, Inf), new("input", new[] { 0, 1, 3, 9 }, -Inf), new("input", new[] { 0, 0, 4, 5 }, NaN) },
            "ReLU6 clamps +∞ to 6 and −∞ to 0; NaN stays NaN"),
        new(new("nonfinite_conv_maxpool", new[] { 2, 8, 8 }, new ConvCase(4, 3, Padding: 1), Pool: new PoolCase(Layer.MaxPool2d, 3, 2, 1), Batch: 1),
            new Poke[] { new("input", new[] { 0, 1, 5, 2 }, NaN), new("input", new[] { 0, 0, 0, 7 }, -Inf), new("conv.bias", new[] { 3 }, -Inf) },
            "a pool window holding NaN gives NaN (in every channel: the conv mixes them); channel 3's bias is −∞, so its windows are −∞ (padding counts as −∞), " +
            "or NaN where the conv adds the +∞ that the −∞ input gives through a negative weight"),
        new(new("nonfinite_conv_bn_batchstats", new[] { 4, 6, 7 }, new ConvCase(4, 3, Padding: 1, Groups: 4), NormOf: new(Layer.BatchNorm2d, Track: false), Activation: Layer.ReLU),
            new Poke[] { new("input", new[] { 0, 1, 2, 3 }, NaN), new("input", new[] { 1, 3, 5, 6 }, Inf) },
            "depthwise, so a NaN stays in its channel: channel 1's batch mean is NaN and the whole channel is NaN in both samples; channel 3 holds +∞, its variance is NaN (∞ − ∞), so it is NaN too; channels 0 and 2 are untouched"),
        new(new("nonfinite_conv_in", new[] { 3, 5, 9 }, new ConvCase(3, 3, Padding: 1, Groups: 3), NormOf: new(Layer.InstanceNorm2d, Affine: true, Track: false), Activation: Layer.LeakyReLU),
            new Poke[] { new("input", new[] { 0, 1, 2, 4 }, NaN), new("input", new[] { 1, 2, 0, 0 }, -Inf) },
            "only the instance that holds the NaN (sample 0, channel 1) or the −∞ (sample 1, channel 2) is NaN"),
        new(new("nonfinite_conv_gn", new[] { 4, 6, 6 }, new ConvCase(6, 3, Padding: 1, Groups: 2), NormOf: new(Layer.GroupNorm, Groups: 2), Activation: Layer.SiLU),
            new Poke[] { new("input", new[] { 0, 0, 3, 3 }, NaN), new("input", new[] { 1, 3, 1, 1 }, Inf) },
            "a grouped conv keeps the NaN in channels 0–2 of sample 0: that GroupNorm group is NaN, the other is not; the +∞ in sample 1 poisons its group 1 only"),
        new(new("nonfinite_conv_ln", new[] { 2, 4, 17 }, new ConvCase(3, 3, Padding: 1), NormOf: new(Layer.LayerNorm, Shape: new[] { 17 }), Activation: Layer.GELU),
            new Poke[] { new("input", new[] { 0, 0, 1, 5 }, NaN), new("input", new[] { 1, 1, 3, 16 }, Inf) },
            "LayerNorm over W: only the rows whose conv output holds a NaN or ±∞ are NaN"),
        new(new("nonfinite_linear_bn1d", new[] { 12 }, LinearOut: 10, Norm: true, Activation: Layer.ReLU, Batch: 7),
            new Poke[] { new("input", new[] { 1, 3 }, NaN), new("input", new[] { 2, 5 }, Inf), new("linear.weight", new[] { 7, 0 }, -Inf) },
            "sample 1 is NaN in every feature; sample 2 is ±∞ by the sign of each weight (ReLU: +∞ or 0); feature 7 is ∓∞ by the sign of x[·, 0] (ReLU: +∞ or 0). " +
            "Batch 7 runs the Vector512 tile of 6 samples and its overlapping last tile"),
        new(new("nonfinite_linear_bn1d_batchstats", new[] { 9 }, LinearOut: 8, NormOf: new(Layer.BatchNorm1d, Track: false), Activation: Layer.ReLU, Batch: 5),
            new Poke[] { new("linear.weight", new[] { 3, 2 }, NaN), new("linear.bias", new[] { 6 }, Inf) },
            "feature 3 is NaN for every sample; feature 6 (+∞ bias) has mean +∞ and a NaN variance, so it is NaN too; the others are untouched"),
        new(new("nonfinite_conv_inf_weight", new[] { 3, 7, 10 }, new ConvCase(8, 3, Padding: 1), Norm: true, Batch: 1),
            new Poke[] { new("conv.weight", new[] { 2, 1, 1, 1 }, Inf), new("conv.weight", new[] { 5, 0, 0, 0 }, Inf) },
            "the folded BatchNorm scales a +∞ weight to +∞: channel 2 (centre tap) is ±∞ by the sign of the input under it; channel 5's corner tap meets the zero padding on the top row and left column, and 0·∞ is NaN there"),
        new(new("nonfinite_conv_bn_train", new[] { 4, 5, 6 }, new ConvCase(4, 3, Padding: 1, Groups: 4), NormOf: new(Layer.BatchNorm2d), Activation: Layer.ReLU, Training: true),
            new Poke[] { new("conv.bias", new[] { 1 }, Inf), new("input", new[] { 1, 2, 3, 3 }, NaN) },
            "training forward: channel 1 is +∞ everywhere, so its batch mean is +∞ and its variance NaN; channel 2 holds a NaN. Both channels are NaN; running_mean becomes +∞ and NaN, running_var NaN; channels 0 and 3 update normally"),
        new(new("nonfinite_conv_bn_inf_gamma", new[] { 3, 5, 8 }, new ConvCase(4, 3, Padding: 1), Norm: true, Batch: 1),
            new Poke[] { new("bn.weight", new[] { 2 }, Inf) },
            "γ = +∞: PyTorch computes y·α + (β − running_mean·α) with α = γ/√(var+ε) = +∞, so channel 2 is ±∞ or NaN by the signs of y and " +
            "β − running_mean·α. Folded into the conv weights, α makes every tap ±∞ and their sum NaN: the generated kernel's channel 2 is NaN throughout",
            FoldedNaNChannel: 2),
    };

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });
    public static NonFiniteCase Get(string name) => All.Single(c => c.Name == name);
}

/// <summary>
/// Every activation at NaN, ±∞ and the largest floats: Generator.Tests/Goldens/nonfinite_activations.safetensors
/// holds <see cref="Inputs"/> as "input" and PyTorch's output of each <see cref="All"/> entry under its key.
/// </summary>
public static class NonFiniteActivations
{
    public sealed record Kind(string Key, Layer Layer, double Parameter = double.NaN, bool GeluTanh = false)
    {
        public override string ToString() => Key;
    }

    public static readonly float[] Inputs =
    {
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue,
        1e30f, -1e30f, 100f, -100f, 20f, -20f, 3f, -3f, 1f, -1f, 0f, -0f, 1e-30f, -1e-30f,
    };

    public static readonly Kind[] All =
    {
        new("relu", Layer.ReLU), new("relu6", Layer.ReLU6), new("leaky_relu", Layer.LeakyReLU, 0.1), new("silu", Layer.SiLU),
        new("gelu", Layer.GELU), new("gelu_tanh", Layer.GELU, GeluTanh: true), new("sigmoid", Layer.Sigmoid), new("tanh", Layer.Tanh),
        new("hardswish", Layer.Hardswish), new("elu", Layer.ELU, 0.5),
    };

    public static IEnumerable<object[]> Keys => All.Select(k => new object[] { k.Key });
}
