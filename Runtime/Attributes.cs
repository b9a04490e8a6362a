using System;

namespace FusedNorm;

// The attributes a user writes on a partial model class. The generator reads them by metadata name and
// never loads this assembly, so every value here must be a compile-time constant. Names and defaults are
// PyTorch's (torch.nn), spelled the .NET way: kernel_size -> KernelSize, num_features -> NumFeatures.

/// <summary>The kinds of layer a <see cref="FuseAttribute"/> chain can list, in PyTorch's names.</summary>
public enum Layer
{
    Conv2d = 1,
    Linear,
    BatchNorm1d,
    BatchNorm2d,
    ReLU,
    ReLU6,
    LeakyReLU,
    SiLU,
    GELU,
    Sigmoid,
    Tanh,
    Hardswish,
    ELU,
    MaxPool2d,
    AvgPool2d,
}

/// <summary>
/// Marks a <c>partial</c> class as a model. The input shape is the shape of one sample without
/// the batch dimension: (C, H, W) for a conv net, (features) for an MLP. Batch size is a run-time argument.
/// The fused chains run in declaration order; together they are the model's <c>Forward</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    public ModelAttribute(params int[] inputShape) => InputShape = inputShape;
    public int[] InputShape { get; }
}

/// <summary>
/// Declares one fused chain on a <c>partial void M(ReadOnlySpan&lt;float&gt; x, Span&lt;float&gt; y, int batch)</c>
/// method: a Conv2d or Linear layer, then optionally a BatchNorm, an activation and (after a conv) a pooling
/// step. Layers with parameters are described by their own attribute on the same method.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FuseAttribute : Attribute
{
    public FuseAttribute(params Layer[] layers) => Layers = layers;
    public Layer[] Layers { get; }
}

/// <summary>torch.nn.Conv2d. <see cref="Name"/> is the state_dict prefix (e.g. "conv1" for conv1.weight).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class Conv2dAttribute : Attribute
{
    public Conv2dAttribute(int outChannels) => OutChannels = outChannels;
    public int OutChannels { get; }
    /// <summary>in_channels; 0 takes the channel count of the chain's input (checked when given).</summary>
    public int InChannels { get; set; }
    public int KernelSize { get; set; }
    public int Stride { get; set; } = 1;
    public int Padding { get; set; }
    public int Dilation { get; set; } = 1;
    public bool Bias { get; set; } = true;
    public string? Name { get; set; }
}

/// <summary>torch.nn.Linear. A (C, H, W) input is flattened first, as torch.flatten(x, 1) does.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LinearAttribute : Attribute
{
    public LinearAttribute(int outFeatures) => OutFeatures = outFeatures;
    public int OutFeatures { get; }
    /// <summary>in_features; 0 takes the element count of the chain's input (checked when given).</summary>
    public int InFeatures { get; set; }
    public bool Bias { get; set; } = true;
    public string? Name { get; set; }
}

/// <summary>torch.nn.BatchNorm1d / BatchNorm2d: the <see cref="FuseAttribute"/> list says which.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>num_features; 0 takes the channel count it receives (checked when given).</summary>
    public int NumFeatures { get; set; }
    public double Eps { get; set; } = 1e-5;
    /// <summary>momentum; only used when running statistics are updated (training mode).</summary>
    public double Momentum { get; set; } = 0.1;
    public bool Affine { get; set; } = true;
    public bool TrackRunningStats { get; set; } = true;
    public string? Name { get; set; }
}

/// <summary>torch.nn.MaxPool2d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MaxPool2dAttribute : Attribute
{
    public int KernelSize { get; set; }
    public int Stride { get; set; }
    public int Padding { get; set; }
}

/// <summary>torch.nn.AvgPool2d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AvgPool2dAttribute : Attribute
{
    public int KernelSize { get; set; }
    public int Stride { get; set; }
    public int Padding { get; set; }
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>torch.nn.LeakyReLU(negative_slope=0.01).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LeakyReLUAttribute : Attribute
{
    public double NegativeSlope { get; set; } = 0.01;
}

/// <summary>torch.nn.ELU(alpha=1.0).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ELUAttribute : Attribute
{
    public double Alpha { get; set; } = 1.0;
}

/// <summary>torch.nn.GELU(approximate='none' | 'tanh').</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GELUAttribute : Attribute
{
    /// <summary>"none" (the exact erf form, PyTorch's default) or "tanh".</summary>
    public string Approximate { get; set; } = "none";
}
