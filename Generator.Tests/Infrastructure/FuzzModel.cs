using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Reads choices from a tape of random numbers that CsCheck generates and shrinks. Every choice maps 0 to its
/// simplest option, so a shrunk tape (smaller numbers) is a simpler model: fewer chains, smaller shapes, no options.
/// </summary>
public sealed class Tape
{
    private readonly uint[] _values;
    private int _next;

    public Tape(uint[] values) => _values = values;

    /// <summary>A choice in [0, n): 0 when the tape is exhausted, so a short tape is a simple model.</summary>
    public int Next(int n) => n <= 1 || _next >= _values.Length ? 0 : (int)(_values[_next++] % (uint)n);

    public int Range(int low, int high) => low + Next(high - low + 1);

    /// <summary>True with probability 1/n, false on a zero (the simple case).</summary>
    public bool OneIn(int n) => Next(n) == n - 1;

    public T Pick<T>(IReadOnlyList<T> options) => options[Next(options.Count)];
}

/// <remarks><see cref="KernelSizes"/>, <see cref="Paddings"/>: per-dim tuples (written KernelSizes = new[] { … }) instead of Kernel, Padding.</remarks>
public sealed record FuzzConv(int Rank, int OutChannels, int Kernel, int Stride, int Padding, int Dilation, int Groups, bool Bias, string Name,
    PaddingMode Mode = PaddingMode.Zeros, bool Transposed = false, int OutputPadding = 0, int[]? KernelSizes = null, int[]? Paddings = null)
{
    public int KernelAt(int axis) => KernelSizes?[axis] ?? Kernel;
    public int PaddingAt(int axis) => Paddings?[axis] ?? Padding;

    /// <summary>The output's spatial dims for an input's, with PyTorch's formula for Conv{Rank}d or ConvTranspose2d.</summary>
    public int[] Output(IEnumerable<int> dims) => Transposed
        ? dims.Select(d => (d - 1) * Stride - 2 * Padding + Dilation * (Kernel - 1) + OutputPadding + 1).ToArray()
        : dims.Select((d, a) => (d + 2 * PaddingAt(a) - (Dilation * (KernelAt(a) - 1) + 1)) / Stride + 1).ToArray();
}
/// <summary>A 2d conv's prologue: an Upsample (Scale 0: none) and a padding layer (Pad null: none) with (left, right, top, bottom).</summary>
public sealed record FuzzPrologue(int Scale, UpsampleMode Mode, Layer? Pad, int Left, int Right, int Top, int Bottom);
public sealed record FuzzLinear(int OutFeatures, bool Bias, string Name);
public sealed record FuzzNorm(Layer Kind, bool Affine, bool Track, int Groups, int[]? Shape, bool LnBias, string? Name, bool Cumulative);
public sealed record FuzzPool(Layer Kind, int Kernel, int Stride, int Padding, bool CountIncludePad);

/// <summary>One [Fuse] chain of a fuzzed model, with its input and output shapes (one sample, no batch).</summary>
public sealed record FuzzChain(
    string Method, int[] InShape, int[] OutShape, FuzzConv? Conv, FuzzLinear? Linear, FuzzNorm? Norm,
    Layer? Activation, double ActivationParameter, bool GeluTanh, FuzzPool? Pool, bool Training, FuzzPrologue? Prologue = null)
{
    /// <summary>The spatial dims the conv reads: the input's, upsampled and padded by the prologue layers.</summary>
    public int[] ConvDims()
    {
        int[] dims = InShape.Skip(1).ToArray();
        if (Prologue is not { } p) return dims;
        int s = Math.Max(1, p.Scale);
        return new[] { dims[0] * s + p.Top + p.Bottom, dims[1] * s + p.Left + p.Right };
    }

    public IEnumerable<Layer> Layers()
    {
        if (Prologue is { Scale: > 0 }) yield return Layer.Upsample;
        if (Prologue is { Pad: { } pad }) yield return pad;
        yield return Conv is { Transposed: true } ? Layer.ConvTranspose2d
            : Conv is { } c ? c.Rank switch { 1 => Layer.Conv1d, 2 => Layer.Conv2d, _ => Layer.Conv3d } : Layer.Linear;
        if (Norm is { } n) yield return n.Kind;
        if (Activation is { } a) yield return a;
        if (Pool is { } p) yield return p.Kind;
    }
}

/// <summary>
/// A valid model built from a tape: every shape is computed here with PyTorch's formulas, independently of the
/// generator, so the model is valid by construction. Mutations (see GeneratorFuzzTests) then break exactly one rule.
/// </summary>
public sealed record FuzzModel(string Namespace, string TypeName, int[] Input, IReadOnlyList<FuzzChain> Chains, bool Sealed)
{
    private static readonly Layer[] Activations =
        { Layer.ReLU, Layer.ReLU6, Layer.LeakyReLU, Layer.SiLU, Layer.GELU, Layer.Sigmoid, Layer.Tanh, Layer.Hardswish, Layer.ELU };

    public string FullName => Namespace.Length == 0 ? TypeName : Namespace + "." + TypeName;

    public static FuzzModel Build(Tape t)
    {
        int rank = t.Next(4); // 0: features, 1: (C, L), 2: (C, H, W), 3: (C, D, H, W)
        int[] input = rank switch
        {
            0 => new[] { t.Range(1, 40) },
            1 => new[] { t.Range(1, 6), t.Range(3, 40) },
            2 => new[] { t.Range(1, 6), t.Range(3, 18), t.Range(3, 18) },
            _ => new[] { t.Range(1, 4), t.Range(2, 7), t.Range(2, 7), t.Range(2, 7) },
        };
        int count = t.Range(1, 3);
        var chains = new List<FuzzChain>();
        int[] shape = input;
        for (int i = 0; i < count; i++)
        {
            FuzzChain chain = shape.Length > 1 && !t.OneIn(4) ? ConvChain(t, i, shape) : LinearChain(t, i, shape);
            chains.Add(chain);
            shape = chain.OutShape;
        }
        return new FuzzModel(t.OneIn(3) ? "" : "Fuzz.Models", "Net" + t.Next(1000), input, chains, !t.OneIn(3));
    }

    private static FuzzChain ConvChain(Tape t, int index, int[] inShape)
    {
        int rank = inShape.Length - 1, c = inShape[0];
        int[] dims = inShape.Skip(1).ToArray();
        // A 2d conv may read its input through a prologue: an Upsample (nearest or bilinear, ×1–3) and a padding layer
        // (reflect padding less than the upsampled dim, as PyTorch requires).
        FuzzPrologue? prologue = null;
        if (rank == 2 && t.OneIn(4))
        {
            int scale = t.Next(4); // 0: no Upsample
            var upMode = t.OneIn(3) ? UpsampleMode.Bilinear : UpsampleMode.Nearest;
            int h = dims[0] * Math.Max(1, scale), w = dims[1] * Math.Max(1, scale);
            Layer? pad = t.Next(4) switch { 1 => Layer.ReflectionPad2d, 2 => Layer.ReplicationPad2d, 3 => Layer.ZeroPad2d, _ => null };
            int Side(int size) => pad == Layer.ReflectionPad2d ? t.Next(Math.Min(3, size)) : t.Next(3);
            int l = pad is null ? 0 : Side(w), r = pad is null ? 0 : Side(w), top = pad is null ? 0 : Side(h), bottom = pad is null ? 0 : Side(h);
            if (scale > 0 || pad is not null)
            {
                prologue = new FuzzPrologue(scale, upMode, pad, l, r, top, bottom);
                dims = new[] { h + top + bottom, w + l + r };
            }
        }
        int smallest = dims.Min();
        int kernel = Math.Min(t.Range(1, 3), smallest);
        int dilation = t.OneIn(5) && 2 * (kernel - 1) + 1 <= smallest ? 2 : 1;
        int padding = t.Next(kernel / 2 * dilation + 1);
        // padding_mode: reflect needs padding < every dim, circular padding ≤ it (else PyTorch raises); replicate always fits.
        var mode = padding == 0 ? PaddingMode.Zeros : (PaddingMode)t.Next(4);
        if (mode == PaddingMode.Reflect && padding >= smallest || mode == PaddingMode.Circular && padding > smallest) mode = PaddingMode.Zeros;
        int stride = t.OneIn(4) ? 2 : 1;
        int groups = 1;
        int outChannels = t.Range(1, 12);
        if (t.OneIn(4) && c > 1)
        {
            groups = t.OneIn(2) ? c : Enumerable.Range(1, c).Where(g => c % g == 0).Last(g => g < c || g == 1);
            outChannels = groups * t.Range(1, 3);
        }
        int extent = dilation * (kernel - 1) + 1;
        int[] outDims = dims.Select(d => (d + 2 * padding - extent) / stride + 1).ToArray();
        var conv = new FuzzConv(rank, outChannels, kernel, stride, padding, dilation, groups, !t.OneIn(3), $"conv{index}", mode);
        if (rank >= 2 && t.OneIn(4))
        {
            // PyTorch's per-dim tuples: a kernel of 1–4 and a padding of up to half the dilated window on each dim.
            int[] kernels = dims.Select(d => { int k = t.Range(1, 4); while (dilation * (k - 1) + 1 > d) k--; return k; }).ToArray();
            int[] paddings = kernels.Select(k => t.Next(k / 2 * dilation + 1)).ToArray();
            conv = conv with { KernelSizes = kernels, Paddings = paddings, Mode = PaddingMode.Zeros };
            outDims = conv.Output(dims);
        }
        if (rank == 2 && prologue is null && t.OneIn(6)) // a prologue stands only before a Conv2d
        {
            // ConvTranspose2d: any kernel and stride; padding at most half the dilated window (the output is then never
            // smaller than the input), output_padding below stride or dilation.
            int k = t.Range(1, 4), s = t.Range(1, 3), d = t.OneIn(4) ? 2 : 1;
            conv = conv with { Transposed = true, KernelSizes = null, Paddings = null, Mode = PaddingMode.Zeros, Kernel = k, Stride = s, Dilation = d, Padding = t.Next(d * (k - 1) / 2 + 1), OutputPadding = t.Next(Math.Max(s, d)) };
            outDims = conv.Output(dims);
        }

        FuzzNorm? norm = t.Next(6) switch
        {
            1 => new FuzzNorm(BatchNorm(rank), !t.OneIn(4), !t.OneIn(3), 0, null, true, $"bn{index}", t.OneIn(4)),
            2 => InstanceNorm(t, rank, index),
            3 => GroupNorm(t, outChannels, index),
            4 => LayerNorm(t, new[] { outChannels }.Concat(outDims).ToArray(), index),
            _ => null,
        };
        (Layer? activation, double parameter, bool tanh) = Activation(t);

        FuzzPool? pool = null;
        int[] outShape = new[] { outChannels }.Concat(outDims).ToArray();
        if (t.OneIn(3))
        {
            int pk = Math.Min(t.Range(1, 3), outDims.Min());
            int ps = t.Next(3); // 0: stride = kernel
            int pp = t.Next(pk / 2 + 1);
            bool max = t.OneIn(2);
            Layer kind = (max, rank) switch
            {
                (true, 1) => Layer.MaxPool1d, (true, 2) => Layer.MaxPool2d, (true, _) => Layer.MaxPool3d,
                (false, 1) => Layer.AvgPool1d, (false, 2) => Layer.AvgPool2d, _ => Layer.AvgPool3d,
            };
            pool = new FuzzPool(kind, pk, ps, pp, !t.OneIn(3));
            int effective = ps == 0 ? pk : ps;
            outShape = new[] { outChannels }.Concat(outDims.Select(d => (d + 2 * pp - pk) / effective + 1)).ToArray();
        }
        bool training = norm is { } n && (n.Kind is Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d || n.Track && n.Kind is Layer.InstanceNorm1d or Layer.InstanceNorm2d or Layer.InstanceNorm3d) && t.OneIn(4);
        return new FuzzChain($"Stage{index}", inShape, outShape, conv, null, norm, activation, parameter, tanh, pool, training, prologue);
    }

    private static FuzzChain LinearChain(Tape t, int index, int[] inShape)
    {
        int outFeatures = t.Range(1, 24);
        FuzzNorm? norm = t.Next(5) switch
        {
            1 => new FuzzNorm(Layer.BatchNorm1d, !t.OneIn(4), !t.OneIn(3), 0, null, true, $"bn{index}", t.OneIn(4)),
            2 => GroupNorm(t, outFeatures, index),
            3 => LayerNorm(t, new[] { outFeatures }, index),
            _ => null,
        };
        (Layer? activation, double parameter, bool tanh) = Activation(t);
        bool training = norm is { Kind: Layer.BatchNorm1d } && t.OneIn(4);
        return new FuzzChain($"Fc{index}", inShape, new[] { outFeatures }, null, new FuzzLinear(outFeatures, !t.OneIn(3), $"fc{index}"),
            norm, activation, parameter, tanh, null, training);
    }

    private static Layer BatchNorm(int rank) => rank switch { 1 => Layer.BatchNorm1d, 2 => Layer.BatchNorm2d, _ => Layer.BatchNorm3d };

    private static FuzzNorm InstanceNorm(Tape t, int rank, int index)
    {
        bool affine = t.OneIn(2), track = t.OneIn(3);
        Layer kind = rank switch { 1 => Layer.InstanceNorm1d, 2 => Layer.InstanceNorm2d, _ => Layer.InstanceNorm3d };
        return new FuzzNorm(kind, affine, track, 0, null, true, affine || track || t.OneIn(2) ? $"in{index}" : null, track && t.OneIn(3));
    }

    private static FuzzNorm GroupNorm(Tape t, int channels, int index)
    {
        int[] divisors = Enumerable.Range(1, channels).Where(g => channels % g == 0).ToArray();
        bool affine = !t.OneIn(4);
        return new FuzzNorm(Layer.GroupNorm, affine, false, t.Pick(divisors), null, true, affine ? $"gn{index}" : null, false);
    }

    private static FuzzNorm LayerNorm(Tape t, int[] fullShape, int index)
    {
        int trailing = t.Range(1, fullShape.Length);
        bool affine = !t.OneIn(4);
        return new FuzzNorm(Layer.LayerNorm, affine, false, 0, fullShape.Skip(fullShape.Length - trailing).ToArray(), !t.OneIn(3), affine ? $"ln{index}" : null, false);
    }

    private static (Layer?, double, bool) Activation(Tape t)
    {
        if (t.Next(5) == 0) return (null, double.NaN, false);
        Layer kind = t.Pick(Activations);
        double parameter = kind switch { Layer.LeakyReLU => 0.01 * t.Range(1, 30), Layer.ELU => 0.25 * t.Range(1, 8), _ => double.NaN };
        return (kind, parameter, kind == Layer.GELU && t.OneIn(2));
    }
}

/// <summary>The C# text of a fuzzed model, in pieces a mutation can edit before they are joined.</summary>
public sealed class FuzzSource
{
    public string Usings = "using System;\nusing FusedNorm;\n";
    public string Namespace;
    public string ModelAttribute;
    public string ClassModifiers;
    public string TypeName;
    public string TypeParameters = "";
    public string? OuterType; // e.g. "public partial class Outer"
    public readonly List<(List<string> Attributes, string Declaration)> Methods = new();
    public string Extra = ""; // other members, e.g. a hand-written helper

    public FuzzSource(FuzzModel model)
    {
        Namespace = model.Namespace;
        ModelAttribute = $"[Model({string.Join(", ", model.Input)})]";
        ClassModifiers = model.Sealed ? "public sealed partial class" : "internal partial class";
        TypeName = model.TypeName;
        foreach (FuzzChain chain in model.Chains)
            Methods.Add((Attributes(chain), $"partial void {chain.Method}(ReadOnlySpan<float> x, Span<float> y, int batch);"));
    }

    /// <summary>
    /// Declares chains i and i+1 as one [Fuse] method, which the generator runs as two kernels (FN0202). Not done
    /// where it would be ambiguous: an optional attribute given for one of two layers of its kind, or a training forward.
    /// </summary>
    public bool TryMerge(FuzzModel model, int i)
    {
        if (i + 1 >= model.Chains.Count || i + 1 >= Methods.Count) return false;
        FuzzChain first = model.Chains[i], second = model.Chains[i + 1];
        if (first.Training || second.Training) return false;
        var layers = first.Layers().Concat(second.Layers()).ToList();
        var attributes = Methods[i].Attributes.Skip(1).Concat(Methods[i + 1].Attributes.Skip(1)).ToList();
        foreach (var (prefix, kinds) in new[]
        {
            ("InstanceNorm(", new[] { Layer.InstanceNorm1d, Layer.InstanceNorm2d, Layer.InstanceNorm3d }),
            ("LeakyReLU(", new[] { Layer.LeakyReLU }), ("ELU(", new[] { Layer.ELU }), ("GELU(", new[] { Layer.GELU }),
        })
        {
            int given = attributes.Count(a => a.StartsWith(prefix, StringComparison.Ordinal));
            if (given != 0 && given != layers.Count(kinds.Contains)) return false;
        }
        attributes.Insert(0, $"Fuse({string.Join(", ", layers.Select(l => "Layer." + l))})");
        Methods[i] = (attributes, Methods[i].Declaration);
        Methods.RemoveAt(i + 1);
        return true;
    }

    /// <summary>
    /// Makes the straight model a graph of the same numbers, so Input/Skip/Add declarations are fuzzed too: an explicit
    /// Input naming the chain before (or Graph.Input for the first), and, on a convolution chain whose output has its
    /// input's shape (and no pool or training forward), a residual Add of that input (Skip = the chain before, or
    /// Graph.Input) with the (x, skip, y, batch) signature; or, on a plain convolution, a Concat of two earlier tensors as
    /// its input. Applied to unmerged valid models only.
    /// </summary>
    public void MakeGraph(FuzzModel model, Tape t)
    {
        for (int i = 0; i < model.Chains.Count && i < Methods.Count; i++)
        {
            FuzzChain chain = model.Chains[i];
            string previous = i == 0 ? "Graph.Input" : $"nameof({model.Chains[i - 1].Method})";
            var attributes = Methods[i].Attributes;
            // A channel concatenation as the conv's input (torch.cat of two earlier tensors): the chain before with the
            // one before it when their dims agree, else with itself. Only where more input channels keep the model
            // valid: a plain (groups 1) convolution, whose in_channels the generator takes from its input.
            if (chain.Conv is { Groups: 1 } && i > 0 && t.Next(2) == 0) // also when the tape has run out, as it often has here
            {
                FuzzChain before = model.Chains[i - 1];
                string other = i >= 2 && model.Chains[i - 2].OutShape.Skip(1).SequenceEqual(before.OutShape.Skip(1))
                    && model.Chains[i - 2].OutShape.Length == before.OutShape.Length ? $"nameof({model.Chains[i - 2].Method})" : previous;
                attributes[0] = attributes[0].TrimEnd(')') + $", Concat = new[] {{ {other}, {previous} }})";
                continue;
            }
            if (t.OneIn(3)) attributes[0] = attributes[0].TrimEnd(')') + $", Input = {previous})";
            bool canAdd = chain.Conv is not null && chain.Pool is null && !chain.Training && chain.InShape.SequenceEqual(chain.OutShape);
            if (!canAdd || !t.OneIn(2)) continue;
            Layer[] layers = chain.Layers().ToArray();
            int at = layers.TakeWhile(l => l is Layer.Upsample or Layer.ReflectionPad2d or Layer.ReplicationPad2d or Layer.ZeroPad2d).Count()
                + (chain.Norm is null ? 1 : 2); // after the norm, before the activation
            var withAdd = layers.Take(at).Select(l => "Layer." + l).Append("Layer.Add").Concat(layers.Skip(at).Select(l => "Layer." + l));
            string extra = attributes[0].Contains(", Input = ") ? attributes[0].Substring(attributes[0].IndexOf(", Input = ")) : ")";
            attributes[0] = $"Fuse({string.Join(", ", withAdd)}, Skip = {previous}{extra}";
            Methods[i] = (attributes, $"partial void {chain.Method}(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch);");
        }
    }

    public static string Fuse(FuzzChain chain) =>
        $"Fuse({string.Join(", ", chain.Layers().Select(l => "Layer." + l))}{(chain.Training ? ", TrainingForward = true" : "")})";

    private static List<string> Attributes(FuzzChain chain)
    {
        var attributes = new List<string> { Fuse(chain) };
        if (chain.Conv is { Transposed: true } tc)
            attributes.Add($"ConvTranspose2d({tc.OutChannels}, KernelSize = {tc.Kernel}" +
                (tc.Stride != 1 ? $", Stride = {tc.Stride}" : "") + (tc.Padding != 0 ? $", Padding = {tc.Padding}" : "") +
                (tc.OutputPadding != 0 ? $", OutputPadding = {tc.OutputPadding}" : "") +
                (tc.Dilation != 1 ? $", Dilation = {tc.Dilation}" : "") + (tc.Groups != 1 ? $", Groups = {tc.Groups}" : "") +
                (tc.Bias ? "" : ", Bias = false") + $", Name = \"{tc.Name}\")");
        else if (chain.Conv is { } c)
            attributes.Add($"Conv{c.Rank}d({c.OutChannels}, " + (c.KernelSizes is { } ks ? $"KernelSizes = new[] {{ {string.Join(", ", ks)} }}" : $"KernelSize = {c.Kernel}") +
                (c.Stride != 1 ? $", Stride = {c.Stride}" : "") +
                (c.Paddings is { } ps ? $", Paddings = new[] {{ {string.Join(", ", ps)} }}" : c.Padding != 0 ? $", Padding = {c.Padding}" : "") +
                (c.Dilation != 1 ? $", Dilation = {c.Dilation}" : "") + (c.Groups != 1 ? $", Groups = {c.Groups}" : "") +
                (c.Bias ? "" : ", Bias = false") + (c.Mode != PaddingMode.Zeros ? $", PaddingMode = PaddingMode.{c.Mode}" : "") + $", Name = \"{c.Name}\")");
        if (chain.Linear is { } l)
            attributes.Add($"Linear({l.OutFeatures}{(l.Bias ? "" : ", Bias = false")}, Name = \"{l.Name}\")");
        if (chain.Norm is { } n)
        {
            string name = n.Name is null ? "" : $"Name = \"{n.Name}\"";
            string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));
            switch (n.Kind)
            {
                case Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d:
                    attributes.Add($"BatchNorm({Join(n.Affine ? "" : "Affine = false", n.Track ? "" : "TrackRunningStats = false", n.Cumulative ? "CumulativeAverage = true" : "", name)})");
                    break;
                case Layer.InstanceNorm1d or Layer.InstanceNorm2d or Layer.InstanceNorm3d:
                    string args = Join(n.Affine ? "Affine = true" : "", n.Track ? "TrackRunningStats = true" : "", n.Cumulative ? "CumulativeAverage = true" : "", name);
                    if (args.Length > 0) attributes.Add($"InstanceNorm({args})"); // the defaults need no attribute
                    break;
                case Layer.GroupNorm:
                    attributes.Add($"GroupNorm({Join(n.Groups.ToString(), n.Affine ? "" : "Affine = false", name)})");
                    break;
                default:
                    attributes.Add($"LayerNorm({Join(string.Join(", ", n.Shape!), n.Affine ? "" : "ElementwiseAffine = false", n.LnBias ? "" : "Bias = false", name)})");
                    break;
            }
        }
        if (chain.Activation == Layer.LeakyReLU) attributes.Add($"LeakyReLU(NegativeSlope = {chain.ActivationParameter:R})");
        if (chain.Activation == Layer.ELU) attributes.Add($"ELU(Alpha = {chain.ActivationParameter:R})");
        if (chain.Activation == Layer.GELU && chain.GeluTanh) attributes.Add("GELU(Approximate = \"tanh\")");
        // The prologue's attributes go last, so attribute 1 stays the compute layer's (the mutations edit it).
        if (chain.Prologue is { Scale: > 0 } up) attributes.Add($"Upsample(ScaleFactor = {up.Scale}{(up.Mode == UpsampleMode.Bilinear ? ", Mode = UpsampleMode.Bilinear" : "")})");
        if (chain.Prologue is { Pad: { } padLayer } pro) attributes.Add($"{padLayer}({pro.Left}, {pro.Right}, {pro.Top}, {pro.Bottom})");
        if (chain.Pool is { } p)
            attributes.Add($"{p.Kind}(KernelSize = {p.Kernel}" + (p.Stride != 0 ? $", Stride = {p.Stride}" : "") +
                (p.Padding != 0 ? $", Padding = {p.Padding}" : "") +
                (!p.CountIncludePad && p.Kind is Layer.AvgPool1d or Layer.AvgPool2d or Layer.AvgPool3d ? ", CountIncludePad = false" : "") + ")");
        return attributes;
    }

    public override string ToString()
    {
        var s = new StringBuilder(Usings);
        if (Namespace.Length > 0) s.Append("namespace ").Append(Namespace).Append(";\n");
        if (OuterType is not null) s.Append(OuterType).Append("\n{\n");
        s.Append(ModelAttribute).Append('\n').Append(ClassModifiers).Append(' ').Append(TypeName).Append(TypeParameters).Append("\n{\n");
        foreach (var (attributes, declaration) in Methods)
        {
            foreach (string attribute in attributes) s.Append("    [").Append(attribute).Append("]\n");
            s.Append("    ").Append(declaration).Append('\n');
        }
        s.Append(Extra).Append("}\n");
        if (OuterType is not null) s.Append("}\n");
        return s.ToString();
    }
}

/// <summary>Random weights for a fuzzed model, as PyTorch's state_dict names them, and its eval-mode forward by the Runtime's reference.</summary>
public sealed class FuzzWeights
{
    private readonly Dictionary<string, float[]> _tensors = new();
    public SafeTensorsWriter Writer { get; } = new();

    public FuzzWeights(FuzzModel model, Random random)
    {
        foreach (FuzzChain chain in model.Chains)
        {
            int outputs = chain.Conv?.OutChannels ?? chain.Linear!.OutFeatures;
            if (chain.Conv is { } c)
            {
                int perGroup = chain.InShape[0] / c.Groups;
                int[] kernel = Enumerable.Range(0, c.Rank).Select(c.KernelAt).ToArray();
                int fanIn = perGroup * kernel.Aggregate(1, (a, k) => a * k);
                float bound = 1f / MathF.Sqrt(fanIn);
                Add(c.Name + ".weight", Uniform(random, outputs * fanIn, -bound, bound), (c.Transposed ? new[] { chain.InShape[0], outputs / c.Groups } : new[] { outputs, perGroup })
                    .Concat(kernel).ToArray());
                if (c.Bias) Add(c.Name + ".bias", Uniform(random, outputs, -bound, bound), outputs);
            }
            else
            {
                FuzzLinear l = chain.Linear!;
                int inFeatures = chain.InShape.Aggregate(1, (a, d) => a * d);
                float bound = 1f / MathF.Sqrt(inFeatures);
                Add(l.Name + ".weight", Uniform(random, outputs * inFeatures, -bound, bound), outputs, inFeatures);
                if (l.Bias) Add(l.Name + ".bias", Uniform(random, outputs, -bound, bound), outputs);
            }
            if (chain.Norm is not { } n) continue;
            int[] affine = n.Shape ?? new[] { outputs };
            int affineLength = affine.Aggregate(1, (a, d) => a * d);
            if (n.Affine)
            {
                Add(n.Name + ".weight", Uniform(random, affineLength, 0.5f, 1.5f), affine);
                if (n.LnBias) Add(n.Name + ".bias", Uniform(random, affineLength, -0.5f, 0.5f), affine);
            }
            if (n.Track)
            {
                Add(n.Name + ".running_mean", Uniform(random, outputs, -0.5f, 0.5f), outputs);
                Add(n.Name + ".running_var", Uniform(random, outputs, 0.2f, 2f), outputs);
                Writer.Add(n.Name + ".num_batches_tracked", new long[] { 3 });
            }
        }
    }

    private void Add(string name, float[] data, params int[] shape)
    {
        _tensors[name] = data;
        Writer.Add(name, data, shape);
    }

    private float[]? Get(string? name) => name is not null && _tensors.TryGetValue(name, out float[]? t) ? t : null;

    /// <summary>The model's eval-mode forward, layer by layer in PyTorch's order, by the Runtime's scalar reference.</summary>
    public float[] Reference(FuzzModel model, float[] x, int batch)
    {
        float[] y = x;
        foreach (FuzzChain chain in model.Chains)
        {
            int[] shape;
            if (chain.Conv is { } c)
            {
                int[] dims = chain.InShape.Skip(1).ToArray();
                int inC = chain.InShape[0];
                if (chain.Prologue is { Scale: > 0 } up)
                {
                    y = FusedNorm.Reference.Upsample2d(y, batch, inC, dims[0], dims[1], up.Scale, up.Mode);
                    dims = new[] { dims[0] * up.Scale, dims[1] * up.Scale };
                }
                if (chain.Prologue is { Pad: { } padLayer } pro)
                {
                    var padMode = padLayer switch { Layer.ReflectionPad2d => PaddingMode.Reflect, Layer.ReplicationPad2d => PaddingMode.Replicate, _ => PaddingMode.Zeros };
                    y = FusedNorm.Reference.Pad(y, batch, inC, dims, new[] { pro.Top, pro.Left }, new[] { pro.Bottom, pro.Right }, padMode);
                    dims = new[] { dims[0] + pro.Top + pro.Bottom, dims[1] + pro.Left + pro.Right };
                }
                int padding = c.Padding;
                if (c.Mode != PaddingMode.Zeros)
                {
                    int[] sides = dims.Select(_ => c.Padding).ToArray();
                    y = FusedNorm.Reference.Pad(y, batch, inC, dims, sides, sides, c.Mode);
                    dims = dims.Select(d => d + 2 * c.Padding).ToArray();
                    padding = 0;
                }
                if (c.Transposed)
                {
                    y = FusedNorm.Reference.ConvTranspose2d(y, batch, inC, dims[0], dims[1], Get(c.Name + ".weight")!, Get(c.Name + ".bias"),
                        c.OutChannels, c.Groups, c.Kernel, c.Stride, c.Padding, c.OutputPadding, c.Dilation);
                    shape = new[] { c.OutChannels }.Concat(c.Output(dims)).ToArray();
                }
                else
                {
                    // Per dim: a tuple conv (KernelSizes, Paddings) has its own kernel and padding on each dim (padding_mode is then zeros).
                    int[] kernel = Enumerable.Range(0, c.Rank).Select(c.KernelAt).ToArray();
                    int[] paddings = Enumerable.Range(0, c.Rank).Select(a => c.Paddings is null ? padding : c.Paddings[a]).ToArray();
                    y = FusedNorm.Reference.ConvNd(y, batch, inC, dims, Get(c.Name + ".weight")!, Get(c.Name + ".bias"),
                        c.OutChannels, c.Groups, kernel, Enumerable.Repeat(c.Stride, c.Rank).ToArray(), paddings, Enumerable.Repeat(c.Dilation, c.Rank).ToArray());
                    shape = new[] { c.OutChannels }.Concat(dims.Select((d, a) => (d + 2 * paddings[a] - (c.Dilation * (kernel[a] - 1) + 1)) / c.Stride + 1)).ToArray();
                }
            }
            else
            {
                FuzzLinear l = chain.Linear!;
                y = FusedNorm.Reference.Linear(y, batch, chain.InShape.Aggregate(1, (a, d) => a * d), Get(l.Name + ".weight")!, Get(l.Name + ".bias"), l.OutFeatures);
                shape = new[] { l.OutFeatures };
            }
            int channels = shape[0], spatial = shape.Skip(1).Aggregate(1, (a, d) => a * d), sample = channels * spatial;
            if (chain.Norm is { } n)
            {
                float[]? gamma = Get(n.Name + ".weight"), beta = Get(n.Name + ".bias");
                const double eps = 1e-5;
                bool batchNorm = n.Kind is Layer.BatchNorm1d or Layer.BatchNorm2d or Layer.BatchNorm3d;
                y = n.Kind switch
                {
                    _ when n.Track => FusedNorm.Reference.BatchNormEval(y, batch, channels, spatial, gamma, beta, Get(n.Name + ".running_mean")!, Get(n.Name + ".running_var")!, eps),
                    _ when batchNorm => FusedNorm.Reference.BatchNormBatch(y, batch, channels, spatial, gamma, beta, eps).Y,
                    Layer.GroupNorm => FusedNorm.Reference.NormalizeRuns(y, channels / n.Groups * spatial, spatial, gamma, beta, eps, elementwise: false, sample),
                    Layer.LayerNorm => FusedNorm.Reference.NormalizeRuns(y, n.Shape!.Aggregate(1, (a, d) => a * d), spatial, gamma, beta, eps, elementwise: true, sample),
                    _ => FusedNorm.Reference.NormalizeRuns(y, spatial, spatial, gamma, beta, eps, elementwise: false, sample), // InstanceNorm
                };
            }
            if (chain.Activation is { } act) y = FusedNorm.Reference.Activation(y, act, chain.ActivationParameter, chain.GeluTanh);
            if (chain.Pool is { } p)
                y = FusedNorm.Reference.PoolNd(y, batch, channels, shape.Skip(1).ToArray(), p.Kind is Layer.MaxPool1d or Layer.MaxPool2d or Layer.MaxPool3d,
                    p.Kernel, p.Stride == 0 ? p.Kernel : p.Stride, p.Padding, p.CountIncludePad);
        }
        return y;
    }

    private static float[] Uniform(Random random, int n, float low, float high) =>
        Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
}
