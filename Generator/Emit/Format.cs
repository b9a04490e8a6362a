using System.Globalization;
using System.Linq;
using FusedNorm.Generator.Plan;
using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Emit;

/// <summary>Literals and names shared by the emitters.</summary>
internal static class Format
{
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"FusedNorm.Generator\", \"0.1.0\")]";
    public const string V = "Vector256";
    public const string Unsafe = "Unsafe";
    public const string Activations = "Activations";

    public static string Float(double value)
    {
        float f = (float)value;
        string s = f.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains("E")) s = f.ToString("0.0#########################", CultureInfo.InvariantCulture);
        return s + "f";
    }

    public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Shape(EquatableArray<int> shape) => "(" + string.Join(", ", shape) + ")";
    public static string ShapeInts(EquatableArray<int> shape) => string.Join(", ", shape);

    public static string Lower(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

    /// <summary>Field prefix for a chain's weights, e.g. _stage1.</summary>
    /// <summary>Text for an XML doc comment.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public static string Field(ChainPlan chain) => "_" + Lower(chain.MethodName);

    public static string KernelClass(ChainPlan chain) => chain.MethodName + "Kernel";

    /// <summary>The kernel class as the model's half of the file names it.</summary>
    public static string KernelRef(ChainPlan chain) => "global::" + TypeEmitter.KernelNamespace + "." + KernelClass(chain);

    /// <summary>XNNPACK-style kernel tag: what it computes at a glance, e.g. Conv5x5S1_C3K6_BnRelu.</summary>
    public static string Tag(ChainPlan chain)
    {
        string head = chain.Conv is { } c
            ? $"Conv{string.Join("x", new[] { c.KernelD, c.KernelH, c.Kernel }.Skip(3 - c.Rank))}S{TagAxes(c, c.StrideD, c.StrideH, c.Stride)}"
              + (c.DilationD > 1 || c.DilationH > 1 || c.Dilation > 1 ? $"D{TagAxes(c, c.DilationD, c.DilationH, c.Dilation)}" : "")
              + (c.Groups > 1 ? (c.Groups == c.InChannels && c.Groups == c.OutChannels ? "DW" : $"G{c.Groups}") : "") + $"_C{c.InChannels}K{c.OutChannels}"
            : $"Linear_I{chain.Linear!.InFeatures}O{chain.Linear.OutFeatures}";
        if (chain.Conv is { Identity: true } pass)
            head = $"Pass{pass.Rank}d_C{pass.InChannels}"; // a standalone norm/activation pass
        if (chain.Conv?.PreAct is { } pre)
            head = (pre.HasNorm ? "Bn" : "") + (pre.Activation is { } pa ? ActivationName(pa) : "") + head; // the pre-activation first: BnReluConv3x3S1_…
        string norm = chain.Norm switch
        {
            null => "",
            { Kind: var k } when k.IsBatchNorm() => "Bn",
            { Kind: var k } when k.IsInstanceNorm() => "In",
            { Kind: LayerKind.GroupNorm } => "Gn",
            _ => "Ln",
        };
        string post = norm + (chain.HasSkip ? "Add" : "") + (chain.Activation is { } a ? ActivationName(a) : "") + (chain.Softmax ? "Softmax" : "")
            + (chain.Pool is { } p ? (p.IsGlobal ? "GlobalAvgPool" : (p.IsMax ? "MaxPool" : "AvgPool") + p.Kernel) : "");
        return post.Length == 0 ? head : head + "_" + post;
    }

    /// <summary>A stride or dilation in a kernel's tag: "2" when the same on every dim, else per dim ("2x1").</summary>
    private static string TagAxes(ConvPlan c, int d, int h, int w) =>
        (c.Rank == 3 ? d == w && h == w : c.Rank < 2 || h == w) ? $"{w}" : string.Join("x", new[] { d, h, w }.Skip(3 - c.Rank));

    public static string ActivationName(ActivationSpec a) => a.Kind switch
    {
        LayerKind.ReLU => "Relu",
        LayerKind.ReLU6 => "Relu6",
        LayerKind.LeakyReLU => "LeakyRelu",
        LayerKind.SiLU => "Silu",
        LayerKind.GELU => a.TanhApproximation ? "GeluTanh" : "Gelu",
        LayerKind.Sigmoid => "Sigmoid",
        LayerKind.Tanh => "Tanh",
        LayerKind.Hardswish => "Hardswish",
        LayerKind.ELU => "Elu",
        _ => a.Kind.ToString(),
    };

    /// <summary>The activation applied to an expression, the same call for a float or a Vector256.</summary>
    public static string Activate(ActivationSpec? a, string operand)
    {
        if (a is null) return operand;
        string extra = a.Kind switch
        {
            LayerKind.LeakyReLU => ", " + Float(a.Parameter),
            LayerKind.ELU => ", " + Float(a.Parameter),
            _ => "",
        };
        return $"{Activations}.{ActivationName(a)}({operand}{extra})";
    }

    /// <summary>PyTorch's module string for the fusion plan, e.g. Conv2d(3, 6, kernel_size=5).</summary>
    public static string Describe(ChainPlan chain)
    {
        var parts = new System.Collections.Generic.List<string>();
        if (chain.Conv?.PreAct is { } pre)
        {
            if (pre.HasNorm)
                parts.Add($"{pre.NormKind}({pre.Channels}" + (pre.Eps != 1e-5 ? $", eps={Double(pre.Eps)}" : "") + (pre.Affine ? "" : ", affine=False") + ")");
            if (pre.Activation is { } pa) parts.Add(ActivationModule(pa));
        }
        if (chain.Conv?.Prologue is { } pro)
        {
            if (pro.Scale > 1 || pro.Upsample == UpsampleKind.Bilinear)
                parts.Add($"Upsample(scale_factor={pro.Scale}, mode='{pro.Upsample.ToString().ToLowerInvariant()}'{(pro.AlignCorners ? ", align_corners=True" : "")})");
            if (pro.PadLayer != LayerKind.Unknown)
                parts.Add($"{pro.PadLayer}(({pro.Left}, {pro.Right}, {pro.Top}, {pro.Bottom}))");
        }
        if (chain.Conv?.InputPool is { } ip)
            parts.Add($"{ip.Kind}({ip.Kernel}" + (ip.Stride != ip.Kernel ? $", stride={ip.Stride}" : "") + (ip.Padding != 0 ? $", padding={ip.Padding}" : "") + ")");
        if (chain.Conv is { Transposed: { } t } tc)
            parts.Add($"ConvTranspose2d({tc.InChannels}, {tc.OutChannels}, kernel_size={tc.Kernel}" +
                (t.Stride != 1 ? $", stride={t.Stride}" : "") + (t.Padding != 0 ? $", padding={t.Padding}" : "") + (t.OutputPadding != 0 ? $", output_padding={t.OutputPadding}" : "") +
                (tc.Groups != 1 ? $", groups={tc.Groups}" : "") + (tc.Bias ? "" : ", bias=False") + (tc.Dilation != 1 ? $", dilation={tc.Dilation}" : "") + ")");
        else if (chain.Conv is { Identity: false } c)
            parts.Add($"Conv{c.Rank}d({c.InChannels}, {c.OutChannels}, kernel_size={c.AxesText(c.KernelD, c.KernelH, c.Kernel)}" +
                (c.StrideD * c.StrideH * c.Stride != 1 ? $", stride={c.StrideText}" : "") + (c.CopyPaddingD + c.CopyPaddingH + c.CopyPadding + c.Padding != 0 ? $", padding={c.PaddingText}" : "") +
                (c.DilationD * c.DilationH * c.Dilation != 1 ? $", dilation={c.DilationText}" : "") + (c.Groups != 1 ? $", groups={c.Groups}" : "") + (c.Bias ? "" : ", bias=False") +
                (c.Prologue is { ConvMode: not PadMode.Zeros } pm && c.CopyPaddingD + c.CopyPaddingH + c.CopyPadding > 0 ? $", padding_mode='{pm.ConvMode.ToString().ToLowerInvariant()}'" : "") + ")");
        if (chain.Linear is { } l)
            parts.Add($"Linear({l.InFeatures}, {l.OutFeatures}" + (l.Bias ? "" : ", bias=False") + ")");
        if (chain.Norm is { } n) parts.Add(NormModule(n));
        if (chain.HasSkip) parts.Add("add(skip)"); // out += skip, as a ResNet block's forward writes it
        if (chain.Activation is { } a)
            parts.Add(ActivationModule(a));
        if (chain.Softmax) parts.Add("Softmax(dim=1)");
        if (chain.Pool is { IsGlobal: true })
            parts.Add("AdaptiveAvgPool2d(1)");
        else if (chain.Pool is { } p)
            parts.Add($"{p.Kind}({p.Kernel}" + (p.Stride != p.Kernel ? $", stride={p.Stride}" : "") +
                (p.Padding != 0 ? $", padding={p.Padding}" : "") +
                (!p.IsMax && !p.CountIncludePad ? ", count_include_pad=False" : "") + ")");
        return string.Join(" → ", parts);
    }

    /// <summary>PyTorch's module string of a chain's norm, e.g. GroupNorm(4, 32).</summary>
    public static string NormModule(NormPlan n)
    {
        string eps = n.Eps != 1e-5 ? $", eps={Double(n.Eps)}" : "";
        string momentum = n.CumulativeAverage ? ", momentum=None" : n.Momentum != 0.1 && n.TrackRunningStats ? $", momentum={Double(n.Momentum)}" : "";
        return n.Kind switch
        {
            _ when n.Kind.IsBatchNorm() => $"{n.Kind}({n.Channels}{eps}{momentum}" + (n.Affine ? "" : ", affine=False") + (n.TrackRunningStats ? "" : ", track_running_stats=False") + ")",
            _ when n.Kind.IsInstanceNorm() => $"{n.Kind}({n.Channels}{eps}{momentum}" + (n.Affine ? ", affine=True" : "") + (n.TrackRunningStats ? ", track_running_stats=True" : "") + ")",
            LayerKind.GroupNorm => $"GroupNorm({n.Groups}, {n.Channels}{eps}" + (n.Affine ? "" : ", affine=False") + ")",
            _ => $"LayerNorm([{string.Join(", ", n.NormalizedShape)}]{eps}" + (n.Affine ? (n.AffineBias ? "" : ", bias=False") : ", elementwise_affine=False") + ")",
        };
    }

    /// <summary>PyTorch's module string of an activation, e.g. LeakyReLU(0.2).</summary>
    public static string ActivationModule(ActivationSpec a) => a.Kind switch
    {
        LayerKind.LeakyReLU => $"LeakyReLU({Double(a.Parameter)})",
        LayerKind.ELU => $"ELU(alpha={Double(a.Parameter)})",
        LayerKind.GELU => a.TanhApproximation ? "GELU(approximate='tanh')" : "GELU()",
        _ => a.Kind + "()",
    };

    public static string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));
}
