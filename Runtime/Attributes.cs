using System;

namespace FusedNorm;

// The attributes a user writes on a partial model class. The generator reads them by metadata name and
// never loads this assembly, so every value here must be a compile-time constant. Names and defaults are
// PyTorch's (torch.nn), spelled the .NET way: kernel_size -> KernelSize, num_features -> NumFeatures.

/// <summary>The kinds of layer a <see cref="FuseAttribute"/> chain can list, in PyTorch's names.</summary>
public enum Layer
{
    /// <summary>torch.nn.Conv2d: 2-d cross-correlation over (N, C, H, W); its parameters in <see cref="Conv2dAttribute"/>.</summary>
    Conv2d = 1,
    /// <summary>torch.nn.Linear: x·Wᵀ + b over (N, features); a (C, H, W) input is flattened first. Parameters in <see cref="LinearAttribute"/>.</summary>
    Linear,
    /// <summary>torch.nn.BatchNorm1d, after a Conv1d or a Linear; parameters in <see cref="BatchNormAttribute"/>.</summary>
    BatchNorm1d,
    /// <summary>torch.nn.BatchNorm2d, after a Conv2d; parameters in <see cref="BatchNormAttribute"/> (folded into the conv with running statistics).</summary>
    BatchNorm2d,
    /// <summary>torch.nn.ReLU: max(x, 0).</summary>
    ReLU,
    /// <summary>torch.nn.ReLU6: min(max(x, 0), 6) (MobileNetV2).</summary>
    ReLU6,
    /// <summary>torch.nn.LeakyReLU: x, or x·negative_slope below 0 (default 0.01; set it with <see cref="LeakyReLUAttribute"/>).</summary>
    LeakyReLU,
    /// <summary>torch.nn.SiLU (swish): x·sigmoid(x).</summary>
    SiLU,
    /// <summary>torch.nn.GELU: x·Φ(x), exact (erf) by default or the tanh approximation (<see cref="GELUAttribute"/>).</summary>
    GELU,
    /// <summary>torch.nn.Sigmoid: 1 / (1 + e⁻ˣ).</summary>
    Sigmoid,
    /// <summary>torch.nn.Tanh.</summary>
    Tanh,
    /// <summary>torch.nn.Hardswish: x·ReLU6(x + 3) / 6.</summary>
    Hardswish,
    /// <summary>torch.nn.ELU: x, or alpha·(eˣ − 1) below 0 (default alpha 1.0; set it with <see cref="ELUAttribute"/>).</summary>
    ELU,
    /// <summary>torch.nn.MaxPool2d after the activation; parameters in <see cref="MaxPool2dAttribute"/>.</summary>
    MaxPool2d,
    /// <summary>torch.nn.AvgPool2d after the activation; parameters in <see cref="AvgPool2dAttribute"/>.</summary>
    AvgPool2d,
    /// <summary>torch.nn.Conv1d: 1-d cross-correlation over (N, C, L); parameters in <see cref="Conv1dAttribute"/>.</summary>
    Conv1d,
    /// <summary>torch.nn.Conv3d: 3-d cross-correlation over (N, C, D, H, W); parameters in <see cref="Conv3dAttribute"/>.</summary>
    Conv3d,
    /// <summary>torch.nn.BatchNorm3d, after a Conv3d; parameters in <see cref="BatchNormAttribute"/>.</summary>
    BatchNorm3d,
    /// <summary>torch.nn.InstanceNorm1d, after a Conv1d: statistics per (sample, channel); optional <see cref="InstanceNormAttribute"/>.</summary>
    InstanceNorm1d,
    /// <summary>torch.nn.InstanceNorm2d, after a Conv2d: statistics per (sample, channel) over H×W; optional <see cref="InstanceNormAttribute"/>.</summary>
    InstanceNorm2d,
    /// <summary>torch.nn.InstanceNorm3d, after a Conv3d; optional <see cref="InstanceNormAttribute"/>.</summary>
    InstanceNorm3d,
    /// <summary>torch.nn.GroupNorm: statistics per (sample, group of channels); parameters in <see cref="GroupNormAttribute"/>.</summary>
    GroupNorm,
    /// <summary>torch.nn.LayerNorm: statistics over the trailing normalized_shape dims of each sample; parameters in <see cref="LayerNormAttribute"/>.</summary>
    LayerNorm,
    /// <summary>torch.nn.MaxPool1d after the activation; parameters in <see cref="MaxPool1dAttribute"/>.</summary>
    MaxPool1d,
    /// <summary>torch.nn.MaxPool3d after the activation; parameters in <see cref="MaxPool3dAttribute"/>.</summary>
    MaxPool3d,
    /// <summary>torch.nn.AvgPool1d after the activation; parameters in <see cref="AvgPool1dAttribute"/>.</summary>
    AvgPool1d,
    /// <summary>torch.nn.AvgPool3d after the activation; parameters in <see cref="AvgPool3dAttribute"/>.</summary>
    AvgPool3d,
    /// <summary>
    /// Residual add: <c>out += skip</c> at its position in the list, after the norm and before the activation (ResNet's
    /// <c>bn2(conv2(x)) + identity</c>, then ReLU). <see cref="FuseAttribute.Skip"/> names the tensor that is added.
    /// </summary>
    Add,
    /// <summary>
    /// torch.nn.AdaptiveAvgPool2d(1): the mean of each channel's plane, (C, H, W) → (C, 1, 1) (torchvision ResNet's
    /// <c>avgpool</c>). The pooling step of a Conv2d chain, also after an Add; only output_size 1 is supported.
    /// </summary>
    AdaptiveAvgPool2d,
    /// <summary>
    /// torch.nn.Flatten(1): no data moves. Right before a Linear it is what the Linear does anyway; at the end of a list
    /// it makes the chain's output shape (C·H·W), so the next chain sees a flat tensor.
    /// </summary>
    Flatten,
    /// <summary>torch.nn.Dropout (any p): the identity in eval mode, which is what FusedNorm runs. Anywhere in a list.</summary>
    Dropout,
    /// <summary>torch.nn.Identity: nothing. Anywhere in a list, so a module transcribes one to one.</summary>
    Identity,
    /// <summary>torch.nn.Softmax(dim=1) at the end of a Linear chain: each sample's features → exp(x − max) / Σ exp(x − max).</summary>
    Softmax,
    /// <summary>
    /// torch.nn.ConvTranspose2d (<see cref="ConvTranspose2dAttribute"/>): the gradient of a Conv2d, which upsamples by its
    /// stride (a UNet's decoder). Followed by the same norm, Add, activation and pooling as a Conv2d.
    /// </summary>
    ConvTranspose2d,
    /// <summary>
    /// torch.nn.Upsample / F.interpolate with an integer scale_factor, mode 'nearest' or 'bilinear' (<see cref="UpsampleAttribute"/>),
    /// on a 2d input. A prologue layer: it stands first in a list, before an optional padding layer and the Conv2d it feeds,
    /// and is applied while the conv's input copy is made, so the upsampled tensor is never stored.
    /// </summary>
    Upsample,
    /// <summary>torch.nn.ReflectionPad2d (<see cref="ReflectionPad2dAttribute"/>): a prologue layer right before a Conv2d (after an Upsample, if any).</summary>
    ReflectionPad2d,
    /// <summary>torch.nn.ReplicationPad2d (<see cref="ReplicationPad2dAttribute"/>): a prologue layer right before a Conv2d (after an Upsample, if any).</summary>
    ReplicationPad2d,
    /// <summary>torch.nn.ZeroPad2d (<see cref="ZeroPad2dAttribute"/>): a prologue layer right before a Conv2d (after an Upsample, if any).</summary>
    ZeroPad2d,
}

/// <summary>A convolution's padding_mode, in PyTorch's names.</summary>
public enum PaddingMode
{
    /// <summary>'zeros' (PyTorch's default): the border is 0.</summary>
    Zeros = 0,
    /// <summary>'reflect': the border mirrors the input without repeating the edge (padding must be less than the input size).</summary>
    Reflect,
    /// <summary>'replicate': the border repeats the edge value.</summary>
    Replicate,
    /// <summary>'circular': the border wraps around to the other side (padding at most the input size).</summary>
    Circular,
}

/// <summary>torch.nn.Upsample's mode.</summary>
public enum UpsampleMode
{
    /// <summary>'nearest' (PyTorch's default): output index i reads input ⌊i · (1/scale)⌋, as PyTorch computes it in float.</summary>
    Nearest = 0,
    /// <summary>'bilinear': with AlignCorners false, source = (i + 0.5)/scale − 0.5 clamped at 0, weighted between its two neighbours.</summary>
    Bilinear,
}

/// <summary>Names a chain can give as its <see cref="FuseAttribute.Input"/> or <see cref="FuseAttribute.Skip"/> besides <c>nameof(OtherChain)</c>.</summary>
public static class Graph
{
    /// <summary>The model's input (the <c>x</c> of the whole-model <c>Forward</c>). Not a valid method name, so it never names a chain.</summary>
    public const string Input = "@input";
}

/// <summary>
/// Marks a <c>partial</c> class as a model. The input shape is the shape of one sample without
/// the batch dimension: (C, H, W) for a conv net, (features) for an MLP. Batch size is a run-time argument.
/// The fused chains run in declaration order; together they are the model's <c>Forward</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Declares the model and the shape of one input sample.</summary><param name="inputShape">The shape of one sample without the batch dimension, e.g. 3, 224, 224.</param>
    public ModelAttribute(params int[] inputShape) => InputShape = inputShape;
    /// <summary>The shape of one input sample without the batch dimension: (C, H, W) for a conv net, (features) for an MLP.</summary>
    public int[] InputShape { get; }
}

/// <summary>
/// Declares one fused chain on a <c>partial void M(ReadOnlySpan&lt;float&gt; x, Span&lt;float&gt; y, int batch)</c>
/// method: a convolution or Linear layer, then optionally a normalization, an activation and (after a
/// convolution) a pooling step. Layers with parameters are described by their own attribute on the same method.
/// A list with several convolution or Linear layers runs as one fused kernel per such layer (diagnostic FN0202);
/// each layer then takes the next attribute of its kind, in source order.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FuseAttribute : Attribute
{
    /// <summary>Declares the chain.</summary><param name="layers">The layers of the chain in PyTorch's order, e.g. Conv2d, BatchNorm2d, ReLU.</param>
    public FuseAttribute(params Layer[] layers) => Layers = layers;
    /// <summary>The layers of the chain, in the order they run.</summary>
    public Layer[] Layers { get; }

    /// <summary>
    /// Also generate <c>{Method}Training(x, y, batch)</c>: PyTorch's training-mode forward, which normalizes with
    /// the batch's statistics and updates the norm's running statistics (BatchNorm, or InstanceNorm with
    /// TrackRunningStats). The eval-mode method uses the updated statistics afterwards.
    /// </summary>
    public bool TrainingForward { get; set; }

    /// <summary>
    /// Where the whole-model <c>Forward</c> takes this chain's input from: <c>nameof(EarlierChain)</c> (its output) or
    /// <see cref="Graph.Input"/>. Null (the default): the output of the chain declared just before, or the model input
    /// for the first chain. A source must be declared earlier in the class, so declaration order is a valid run order.
    /// </summary>
    public string? Input { get; set; }

    /// <summary>
    /// The tensor a <see cref="Layer.Add"/> adds: <c>nameof(EarlierChain)</c> or <see cref="Graph.Input"/>; its shape must
    /// equal the chain's output. The chain method then takes it as a parameter:
    /// <c>partial void M(ReadOnlySpan&lt;float&gt; x, ReadOnlySpan&lt;float&gt; skip, Span&lt;float&gt; y, int batch)</c>.
    /// </summary>
    public string? Skip { get; set; }

    /// <summary>
    /// The chain's input is the channel concatenation of these tensors, in this order, as
    /// <c>torch.cat([a, b], dim=1)</c>: each <c>nameof(EarlierChain)</c> or <see cref="Graph.Input"/>. Their shapes must
    /// agree in every dim but the channels. Set it instead of <see cref="Input"/>; the chain method still takes one x,
    /// the concatenated tensor (batch, C₁ + C₂ + …, …). In the whole-model <c>Forward</c> the concatenation is one
    /// buffer into whose channel slices the sources' chains write their outputs directly, so nothing is copied.
    /// </summary>
    public string[]? Concat { get; set; }

    /// <summary>
    /// In a <see cref="BlockAttribute"/> class only: <c>nameof(BoolParameter)</c>, a <c>const bool</c> of the block; the chain
    /// is part of a use only when the use sets that parameter true (torchvision's <c>downsample=None</c> or not). When it is
    /// absent, a chain that names it as <see cref="Input"/> or <see cref="Skip"/> gets its input instead, as PyTorch's
    /// <c>identity = x</c> when there is no downsample.
    /// </summary>
    public string? When { get; set; }

    /// <summary>
    /// In a <see cref="BlockAttribute"/> class only: <c>nameof(BoolParameter)</c>; the chain is part of a use only when that
    /// <c>const bool</c> is false there: the other half of <see cref="When"/>, so two chains can be alternatives (MobileNetV2's
    /// projection with the residual add when <c>use_res_connect</c>, without it otherwise).
    /// </summary>
    public string? Unless { get; set; }
}

/// <summary>
/// A block declared once and used at several shapes (torchvision's <c>BasicBlock</c>, <c>Bottleneck</c>): a <c>partial</c>
/// class of <see cref="FuseAttribute"/> chains, declared without an access modifier (<c>partial void Conv1(ReadOnlySpan&lt;float&gt; x,
/// Span&lt;float&gt; y, int batch);</c>, which C# lets go without a body), named relative to the block (<c>Name = "conv1"</c>).
/// Its <c>const int</c> and <c>const bool</c> fields, in declaration order, are its parameters, their values the defaults;
/// a constant computed from other constants (<c>const int Hidden = In * ExpandRatio;</c>) is not a parameter but is
/// computed again at each use. Layer attributes may use both (<c>[Conv2d(Planes * 4, Stride = Stride)]</c>, and
/// <c>Name = Expands ? "conv.2" : "conv.1"</c> for keys that depend on a parameter). <see cref="Graph.Input"/> in a block is
/// the block's input; the output of its last chain present at a use is the block's output. A model uses it with
/// <see cref="UseAttribute{TBlock}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
}

/// <summary>
/// Runs block <typeparamref name="TBlock"/> at this point of the model: each of its chains becomes a chain of the model, with
/// its own shape-specialized kernels, named <c>prefix</c> + "." + the block's name (<c>layer2.0.conv1</c>) in the
/// state_dict and <c>Layer2_0_Conv1</c> as a generated method. Put uses on a member without a body in the model class
/// (<c>partial void Layer1();</c>, which C# drops); several on one member run in attribute order, and members run in
/// declaration order with the model's own chains.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class UseAttribute<TBlock> : Attribute where TBlock : class
{
    /// <param name="prefix">The block's state_dict prefix, e.g. "layer2.0".</param>
    /// <param name="arguments">The block's parameters in declaration order (int or bool constants); omitted trailing ones keep their defaults.</param>
    public UseAttribute(string prefix, params object[] arguments)
    {
        Prefix = prefix;
        Arguments = arguments;
    }

    /// <summary>The block's state_dict prefix, e.g. "layer2.0": its chains read "layer2.0.conv1.weight", ….</summary>
    public string Prefix { get; }
    /// <summary>The block's parameters in declaration order; omitted trailing ones keep their defaults.</summary>
    public object[] Arguments { get; }

    /// <summary>
    /// Layers fused onto the end of the block's last chain, e.g. <c>new[] { Layer.AdaptiveAvgPool2d, Layer.Flatten }</c> for a
    /// network's head after its last block; only layers that need no parameter attribute.
    /// </summary>
    public Layer[]? Then { get; set; }
}

/// <summary>The parameters torch.nn.Conv1d/2d/3d share, in PyTorch's names; cubic kernels.</summary>
public abstract class ConvolutionAttribute : Attribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outChannels">out_channels: the number of output channels.</param>
    protected ConvolutionAttribute(int outChannels) => OutChannels = outChannels;
    /// <summary>out_channels (required): the number of output channels.</summary>
    public int OutChannels { get; }
    /// <summary>in_channels; 0 (the default) takes the channel count of the chain's input (checked when given).</summary>
    public int InChannels { get; set; }
    /// <summary>kernel_size (required unless <see cref="KernelSizes"/> is set): the side of the cubic kernel.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; PyTorch's default 1.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>padding: zeros added on every side of each spatial dim; PyTorch's default 0.</summary>
    public int Padding { get; set; }
    /// <summary>dilation: the spacing between kernel taps; PyTorch's default 1.</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>groups: in and out channels are split into this many independent groups (= in_channels: depthwise); PyTorch's default 1.</summary>
    public int Groups { get; set; } = 1;
    /// <summary>bias: whether the layer has a learnable bias (<c>{Name}.bias</c>); PyTorch's default true.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>The state_dict prefix: Name = "conv1" reads <c>conv1.weight</c> and <c>conv1.bias</c>. Required.</summary>
    public string? Name { get; set; }
    /// <summary>
    /// padding_mode: 'zeros' (default), 'reflect', 'replicate' or 'circular'. The border is made while the kernel's input copy is
    /// made, so it costs no extra pass. Reflect needs Padding &lt; the input size in every padded dim, circular Padding ≤ it (as PyTorch).
    /// </summary>
    public PaddingMode PaddingMode { get; set; }
    /// <summary>
    /// kernel_size as PyTorch's tuple, one entry per spatial dim in the input's order ((kH, kW) for Conv2d, (kD, kH, kW) for
    /// Conv3d, (kL) for Conv1d): <c>KernelSizes = new[] { 1, 7 }</c> is Inception's <c>kernel_size=(1, 7)</c>. Set either this or
    /// <see cref="KernelSize"/>, not both. Not for ConvTranspose2d (yet).
    /// </summary>
    public int[]? KernelSizes { get; set; }
    /// <summary>stride as PyTorch's tuple, one entry per spatial dim (e.g. <c>new[] { 2, 1 }</c>); PyTorch's default 1 on every dim. Set either this or <see cref="Stride"/>.</summary>
    public int[]? Strides { get; set; }
    /// <summary>padding as PyTorch's tuple, one entry per spatial dim (e.g. <c>new[] { 0, 3 }</c> with kernel (1, 7)): zeros on both sides of that dim; PyTorch's default 0. Set either this or <see cref="Padding"/>.</summary>
    public int[]? Paddings { get; set; }
    /// <summary>dilation as PyTorch's tuple, one entry per spatial dim (e.g. <c>new[] { 1, 2 }</c>); PyTorch's default 1 on every dim. Set either this or <see cref="Dilation"/>.</summary>
    public int[]? Dilations { get; set; }
}

/// <summary>torch.nn.Conv1d (input (N, C, L)). <see cref="ConvolutionAttribute.Name"/> is the state_dict prefix.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class Conv1dAttribute : ConvolutionAttribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outChannels">out_channels.</param>
    public Conv1dAttribute(int outChannels) : base(outChannels) { }
}

/// <summary>torch.nn.Conv2d (input (N, C, H, W)). <see cref="ConvolutionAttribute.Name"/> is the state_dict prefix (e.g. "conv1" for conv1.weight).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class Conv2dAttribute : ConvolutionAttribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outChannels">out_channels.</param>
    public Conv2dAttribute(int outChannels) : base(outChannels) { }
    /// <summary>
    /// Winograd F(4×4, 3×3) for this conv: 36 multiplies per 4×4 output tile and channel pair instead of 144, within 1e-4
    /// of PyTorch; on planes under 8×8, F(2×2, 3×3) (16 multiplies per 2×2 tile instead of 36). Not written, the plan
    /// chooses: Winograd for a 3×3 conv with stride 1, dilation 1, groups 1, zero padding, at least 64 input and output
    /// channels (input a multiple of 8, output of 16; 256 on planes under 8×8), a plane of at least 5×5, a folded or no norm
    /// and no pooling but the global average (ResNet's 3×3 blocks, where it measured 1.3–2× faster than the direct kernel), the direct kernel
    /// elsewhere; the fusion plan comment says which runs and why. <c>true</c> asks for it wherever the plan can run it,
    /// from 32 channels (info diagnostic FN0203 says why where it cannot); <c>false</c> keeps the direct kernel.
    /// </summary>
    public bool Winograd { get; set; }
}

/// <summary>
/// torch.nn.ConvTranspose2d (input (N, C, H, W)), square kernel: output size (H − 1)·stride − 2·padding +
/// dilation·(kernel_size − 1) + output_padding + 1. Its weight is PyTorch's (in_channels, out_channels / groups, k, k).
/// <see cref="ConvolutionAttribute.Name"/> is the state_dict prefix.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class ConvTranspose2dAttribute : ConvolutionAttribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outChannels">out_channels.</param>
    public ConvTranspose2dAttribute(int outChannels) : base(outChannels) { }
    /// <summary>output_padding: extra rows and columns on the bottom and right of the output; smaller than stride or dilation.</summary>
    public int OutputPadding { get; set; }
}

/// <summary>torch.nn.Conv3d (input (N, C, D, H, W)), cubic kernel. <see cref="ConvolutionAttribute.Name"/> is the state_dict prefix.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class Conv3dAttribute : ConvolutionAttribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outChannels">out_channels.</param>
    public Conv3dAttribute(int outChannels) : base(outChannels) { }
}

/// <summary>torch.nn.Linear. A (C, H, W) input is flattened first, as torch.flatten(x, 1) does.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class LinearAttribute : Attribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outFeatures">out_features.</param>
    public LinearAttribute(int outFeatures) => OutFeatures = outFeatures;
    /// <summary>out_features (required): the number of outputs.</summary>
    public int OutFeatures { get; }
    /// <summary>in_features; 0 (the default) takes the element count of the chain's input (checked when given).</summary>
    public int InFeatures { get; set; }
    /// <summary>bias: whether the layer has a learnable bias; PyTorch's default true.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>The state_dict prefix: Name = "fc" reads <c>fc.weight</c> and <c>fc.bias</c>. Required.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// torch.nn.BatchNorm1d / 2d / 3d: the <see cref="FuseAttribute"/> list says which. With running statistics
/// (TrackRunningStats, the default) the eval-mode forward folds it into the layer before; without them it
/// normalizes with the batch's mean and biased variance over (N, spatial) per channel.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>num_features; 0 takes the channel count it receives (checked when given).</summary>
    public int NumFeatures { get; set; }
    /// <summary>eps: added to the variance before the square root; PyTorch's default 1e-5.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>momentum of the running statistics' update in a training-mode forward; PyTorch's default 0.1.</summary>
    public double Momentum { get; set; } = 0.1;
    /// <summary>PyTorch's momentum=None: the running statistics are the cumulative average over num_batches_tracked. Default false (momentum is used).</summary>
    public bool CumulativeAverage { get; set; }
    /// <summary>affine: whether there is a learnable γ (<c>weight</c>) and β (<c>bias</c>); PyTorch's default true.</summary>
    public bool Affine { get; set; } = true;
    /// <summary>track_running_stats: keep running_mean / running_var (the eval-mode statistics); PyTorch's default true. False: normalize with the batch's statistics.</summary>
    public bool TrackRunningStats { get; set; } = true;
    /// <summary>The state_dict prefix: Name = "bn1" reads <c>bn1.weight</c>, <c>bn1.bias</c>, <c>bn1.running_mean</c>, <c>bn1.running_var</c>. Required.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// torch.nn.InstanceNorm1d / 2d / 3d: statistics per (sample, channel) over the spatial dims. PyTorch's defaults:
/// affine=False, track_running_stats=False. With running statistics the eval-mode forward folds like BatchNorm.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class InstanceNormAttribute : Attribute
{
    /// <summary>num_features; 0 takes the channel count it receives (checked when given).</summary>
    public int NumFeatures { get; set; }
    /// <summary>eps; PyTorch's default 1e-5.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>momentum of the running statistics' update (with TrackRunningStats); PyTorch's default 0.1.</summary>
    public double Momentum { get; set; } = 0.1;
    /// <summary>PyTorch's momentum=None: the running statistics are the cumulative average over num_batches_tracked. Default false (momentum is used).</summary>
    public bool CumulativeAverage { get; set; }
    /// <summary>affine: a learnable per-channel γ and β; PyTorch's default false (unlike BatchNorm).</summary>
    public bool Affine { get; set; }
    /// <summary>track_running_stats; PyTorch's default false: each instance is normalized with its own statistics in eval mode too.</summary>
    public bool TrackRunningStats { get; set; }
    /// <summary>The state_dict prefix; needed when Affine or TrackRunningStats.</summary>
    public string? Name { get; set; }
}

/// <summary>torch.nn.GroupNorm(num_groups, num_channels): statistics per (sample, group) over C/G channels × spatial; affine per channel.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class GroupNormAttribute : Attribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="numGroups">num_groups: it must divide the channel count.</param>
    public GroupNormAttribute(int numGroups) => NumGroups = numGroups;
    /// <summary>num_groups (required): the channels are split into this many groups, each normalized on its own.</summary>
    public int NumGroups { get; }
    /// <summary>num_channels; 0 takes the channel count it receives (checked when given).</summary>
    public int NumChannels { get; set; }
    /// <summary>eps; PyTorch's default 1e-5.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>affine: a learnable per-channel γ and β; PyTorch's default true.</summary>
    public bool Affine { get; set; } = true;
    /// <summary>The state_dict prefix; needed when Affine.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// torch.nn.LayerNorm(normalized_shape): statistics over the trailing normalized_shape dims of each sample, e.g.
/// [C, H, W], [H, W] or [W] after a Conv2d, [features] after a Linear; the affine is elementwise over that shape.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="normalizedShape">normalized_shape: the trailing dims of each sample to normalize over.</param>
    public LayerNormAttribute(params int[] normalizedShape) => NormalizedShape = normalizedShape;
    /// <summary>normalized_shape (required): the trailing dims normalized over, e.g. [C, H, W] or [W].</summary>
    public int[] NormalizedShape { get; }
    /// <summary>eps; PyTorch's default 1e-5.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>elementwise_affine: a learnable γ (and β, see Bias) of normalized_shape; PyTorch's default true.</summary>
    public bool ElementwiseAffine { get; set; } = true;
    /// <summary>bias (PyTorch 2.1+): whether the elementwise affine has a bias; PyTorch's default true.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>The state_dict prefix; needed when ElementwiseAffine.</summary>
    public string? Name { get; set; }
}

/// <summary>torch.nn.MaxPool2d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class MaxPool2dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>torch.nn.AvgPool2d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class AvgPool2dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
    /// <summary>count_include_pad: whether padded positions count in the average's divisor; PyTorch's default true.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>
/// torch.nn.AdaptiveAvgPool2d(output_size). Optional: <c>Layer.AdaptiveAvgPool2d</c> alone means output_size 1, the
/// global average pooling before a classifier; other output sizes are not supported (FN0012).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class AdaptiveAvgPool2dAttribute : Attribute
{
    /// <summary>Declares the layer; see the class summary.</summary><param name="outputSize">output_size; only 1 is supported.</param>
    public AdaptiveAvgPool2dAttribute(int outputSize = 1) => OutputSize = outputSize;
    /// <summary>output_size: the side of the pooled plane; only 1 (global average pooling) is supported.</summary>
    public int OutputSize { get; }
}

/// <summary>torch.nn.MaxPool1d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class MaxPool1dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>torch.nn.MaxPool3d (cubic window). Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class MaxPool3dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>torch.nn.AvgPool1d. Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class AvgPool1dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
    /// <summary>count_include_pad: whether padded positions count in the average's divisor; PyTorch's default true.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>torch.nn.AvgPool3d (cubic window). Stride 0 means stride = kernel_size, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class AvgPool3dAttribute : Attribute
{
    /// <summary>kernel_size (required): the side of the pooling window.</summary>
    public int KernelSize { get; set; }
    /// <summary>stride; 0 (the default) means stride = kernel_size, PyTorch's default.</summary>
    public int Stride { get; set; }
    /// <summary>padding: implicit padding on every side, at most half the kernel (PyTorch's rule); PyTorch's default 0.</summary>
    public int Padding { get; set; }
    /// <summary>count_include_pad: whether padded positions count in the average's divisor; PyTorch's default true.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>torch.nn.LeakyReLU(negative_slope=0.01).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class LeakyReLUAttribute : Attribute
{
    /// <summary>negative_slope: the slope below 0; PyTorch's default 0.01.</summary>
    public double NegativeSlope { get; set; } = 0.01;
}

/// <summary>torch.nn.ELU(alpha=1.0).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class ELUAttribute : Attribute
{
    /// <summary>alpha: the value approached as x → −∞; PyTorch's default 1.0.</summary>
    public double Alpha { get; set; } = 1.0;
}

/// <summary>torch.nn.GELU(approximate='none' | 'tanh').</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class GELUAttribute : Attribute
{
    /// <summary>"none" (the exact erf form, PyTorch's default) or "tanh".</summary>
    public string Approximate { get; set; } = "none";
}

/// <summary>
/// torch.nn.Upsample(scale_factor, mode, align_corners) with an integer scale on a 2d input, as the first layer of a Conv2d
/// chain: <c>[Fuse(Layer.Upsample, Layer.ReflectionPad2d, Layer.Conv2d, …)]</c>. The upsampled input exists only in the
/// conv's input copy. The index math is PyTorch's (nearest: ⌊i · (1/scale)⌋; bilinear, align_corners=False: source
/// (i + 0.5)/scale − 0.5 clamped at 0).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class UpsampleAttribute : Attribute
{
    /// <summary>scale_factor: a whole number ≥ 1, the same for height and width.</summary>
    public int ScaleFactor { get; set; }
    /// <summary>mode: 'nearest' (PyTorch's default) or 'bilinear'.</summary>
    public UpsampleMode Mode { get; set; }
    /// <summary>align_corners (bilinear only; PyTorch refuses it for nearest).</summary>
    public bool AlignCorners { get; set; }
}

/// <summary>
/// The padding of torch.nn.ReflectionPad2d / ReplicationPad2d / ZeroPad2d: one value for every side, or four in PyTorch's
/// order (left, right, top, bottom).
/// </summary>
public abstract class Padding2dAttribute : Attribute
{
    /// <summary>One padding for every side, or (left, right, top, bottom).</summary>
    protected Padding2dAttribute(int[] padding) => Padding = padding;
    /// <summary>padding as written: one value, or (left, right, top, bottom).</summary>
    public int[] Padding { get; }
}

/// <summary>torch.nn.ReflectionPad2d(padding): <c>[ReflectionPad2d(4)]</c> or <c>[ReflectionPad2d(left, right, top, bottom)]</c>; each &lt; the input size.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class ReflectionPad2dAttribute : Padding2dAttribute
{
    /// <summary>padding: one value for every side, or four: (left, right, top, bottom).</summary>
    public ReflectionPad2dAttribute(params int[] padding) : base(padding) { }
}

/// <summary>torch.nn.ReplicationPad2d(padding): <c>[ReplicationPad2d(1)]</c> or <c>[ReplicationPad2d(left, right, top, bottom)]</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class ReplicationPad2dAttribute : Padding2dAttribute
{
    /// <summary>padding: one value for every side, or four: (left, right, top, bottom).</summary>
    public ReplicationPad2dAttribute(params int[] padding) : base(padding) { }
}

/// <summary>torch.nn.ZeroPad2d(padding): <c>[ZeroPad2d(1)]</c> or <c>[ZeroPad2d(left, right, top, bottom)]</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class ZeroPad2dAttribute : Padding2dAttribute
{
    /// <summary>padding: one value for every side, or four: (left, right, top, bottom).</summary>
    public ZeroPad2dAttribute(params int[] padding) : base(padding) { }
}
