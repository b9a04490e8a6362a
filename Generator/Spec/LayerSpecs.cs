namespace FusedNorm.Generator.Spec;

// What the user wrote, as plain equatable values: the output of Parse and the input of Plan.
// Nothing here is resolved against the input shape yet; Plan does that and reports shape errors.

/// <summary>Mirrors <c>FusedNorm.Layer</c> in the Runtime (same names, same values).</summary>
public enum LayerKind
{
    Unknown = 0,
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
    Conv1d,
    Conv3d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    GroupNorm,
    LayerNorm,
    MaxPool1d,
    MaxPool3d,
    AvgPool1d,
    AvgPool3d,
    Add,
    AdaptiveAvgPool2d,
    Flatten,
    Dropout,
    Identity,
    Softmax,
    ConvTranspose2d,
    Upsample,
    ReflectionPad2d,
    ReplicationPad2d,
    ZeroPad2d,
}

/// <summary>A layer's place in a chain; a chain lists them in this order (see LayerOrder).</summary>
public enum LayerRole { Compute, Norm, Add, Activation, Pool, Unknown, NoOp, Prologue }

public static class LayerKindFacts
{
    public static LayerRole Role(this LayerKind kind) => kind switch
    {
        LayerKind.Conv1d or LayerKind.Conv2d or LayerKind.Conv3d or LayerKind.Linear or LayerKind.ConvTranspose2d => LayerRole.Compute,
        LayerKind.BatchNorm1d or LayerKind.BatchNorm2d or LayerKind.BatchNorm3d
            or LayerKind.InstanceNorm1d or LayerKind.InstanceNorm2d or LayerKind.InstanceNorm3d
            or LayerKind.GroupNorm or LayerKind.LayerNorm => LayerRole.Norm,
        LayerKind.ReLU or LayerKind.ReLU6 or LayerKind.LeakyReLU or LayerKind.SiLU or LayerKind.GELU
            or LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.Hardswish or LayerKind.ELU or LayerKind.Softmax => LayerRole.Activation,
        LayerKind.MaxPool1d or LayerKind.MaxPool2d or LayerKind.MaxPool3d
            or LayerKind.AvgPool1d or LayerKind.AvgPool2d or LayerKind.AvgPool3d or LayerKind.AdaptiveAvgPool2d => LayerRole.Pool,
        // Nothing to compute in eval mode: Parse drops them (Flatten only changes the declared output shape).
        LayerKind.Flatten or LayerKind.Dropout or LayerKind.Identity => LayerRole.NoOp,
        LayerKind.Add => LayerRole.Add,
        // Applied as the convolution after them reads its input (see PrologueSpec).
        LayerKind.Upsample or LayerKind.ReflectionPad2d or LayerKind.ReplicationPad2d or LayerKind.ZeroPad2d => LayerRole.Prologue,
        _ => LayerRole.Unknown,
    };

    /// <summary>The number of spatial dims a layer works on (Conv2d: 2), 0 for Linear, -1 when any rank fits (GroupNorm, LayerNorm).</summary>
    public static int SpatialRank(this LayerKind kind) => kind switch
    {
        LayerKind.Conv1d or LayerKind.BatchNorm1d or LayerKind.InstanceNorm1d or LayerKind.MaxPool1d or LayerKind.AvgPool1d => 1,
        LayerKind.Conv2d or LayerKind.BatchNorm2d or LayerKind.InstanceNorm2d or LayerKind.MaxPool2d or LayerKind.AvgPool2d or LayerKind.AdaptiveAvgPool2d
            or LayerKind.ConvTranspose2d => 2,
        LayerKind.Conv3d or LayerKind.BatchNorm3d or LayerKind.InstanceNorm3d or LayerKind.MaxPool3d or LayerKind.AvgPool3d => 3,
        LayerKind.Linear => 0,
        _ => -1,
    };

    public static bool IsBatchNorm(this LayerKind kind) => kind is LayerKind.BatchNorm1d or LayerKind.BatchNorm2d or LayerKind.BatchNorm3d;
    public static bool IsInstanceNorm(this LayerKind kind) => kind is LayerKind.InstanceNorm1d or LayerKind.InstanceNorm2d or LayerKind.InstanceNorm3d;
    public static bool IsMaxPool(this LayerKind kind) => kind is LayerKind.MaxPool1d or LayerKind.MaxPool2d or LayerKind.MaxPool3d;
    public static bool IsPaddingLayer(this LayerKind kind) => kind is LayerKind.ReflectionPad2d or LayerKind.ReplicationPad2d or LayerKind.ZeroPad2d;

    /// <summary>The padding mode a padding layer applies (PadMode.Zeros for any other kind).</summary>
    public static PadMode PaddingLayerMode(this LayerKind kind) => kind switch
    {
        LayerKind.ReflectionPad2d => PadMode.Reflect,
        LayerKind.ReplicationPad2d => PadMode.Replicate,
        _ => PadMode.Zeros,
    };
}

/// <summary>
/// torch.nn.Conv1d/2d/3d as written (per-dim tuples in <see cref="Axes"/>); InChannels 0 means "take it from the input". <see cref="Transposed"/>:
/// torch.nn.ConvTranspose2d, with its <see cref="OutputPadding"/>. <see cref="PaddingMode"/>: PyTorch's padding_mode.
/// </summary>
/// <remarks>
/// <see cref="Axes"/>: PyTorch's per-dim tuples when they differ between dims (KernelSizes = { 1, 7 }); the int fields then
/// hold the last (width) dim's values. Null for a cubic kernel with the same stride, padding and dilation on every dim, however
/// it was written, so such a conv is planned and generated exactly as before.
/// </remarks>
public sealed record ConvSpec(
    string Name, int InChannels, int OutChannels, int KernelSize, int Stride, int Padding, int Dilation, bool Bias,
    int Rank = 2, int Groups = 1, bool Transposed = false, int OutputPadding = 0, PadMode PaddingMode = PadMode.Zeros,
    ConvAxes? Axes = null, WinogradChoice Winograd = WinogradChoice.Auto)
{
    /// <summary>kernel_size on spatial dim <paramref name="axis"/> (0 … Rank − 1, PyTorch's order: D, H, W).</summary>
    public int KernelAt(int axis) => Axes is { } a ? a.Kernel[axis] : KernelSize;
    public int StrideAt(int axis) => Axes is { } a ? a.Stride[axis] : Stride;
    public int PaddingAt(int axis) => Axes is { } a ? a.Padding[axis] : Padding;
    public int DilationAt(int axis) => Axes is { } a ? a.Dilation[axis] : Dilation;
}

/// <summary>A conv's kernel_size, stride, padding and dilation per spatial dim (Rank entries each, PyTorch's order).</summary>
public sealed record ConvAxes(EquatableArray<int> Kernel, EquatableArray<int> Stride, EquatableArray<int> Padding, EquatableArray<int> Dilation)
{
    /// <summary>PyTorch's tuple text of one of them: "(1, 7)".</summary>
    public static string Tuple(EquatableArray<int> values) => "(" + string.Join(", ", values) + ")";
}

/// <summary>Mirrors <c>FusedNorm.PaddingMode</c> (PyTorch's padding_mode / F.pad mode); same names, same values.</summary>
public enum PadMode { Zeros = 0, Reflect, Replicate, Circular }

/// <summary>Mirrors <c>FusedNorm.UpsampleMode</c>; same names, same values.</summary>
public enum UpsampleKind { Nearest = 0, Bilinear }

/// <summary>
/// The layers a convolution applies as it reads its input, as written: an Upsample (Scale 0: none) and a padding layer
/// (<see cref="PadLayer"/> Unknown: none) with PyTorch's (left, right, top, bottom).
/// </summary>
public sealed record PrologueSpec(int Scale, UpsampleKind Upsample, bool AlignCorners, LayerKind PadLayer, int Left, int Right, int Top, int Bottom);

/// <summary>torch.nn.Linear as written; InFeatures 0 means "take it from the input".</summary>
public sealed record LinearSpec(string Name, int InFeatures, int OutFeatures, bool Bias);

/// <summary>
/// A normalization as written: BatchNorm, InstanceNorm, GroupNorm (NumGroups) or LayerNorm (NormalizedShape;
/// Affine is elementwise_affine and Bias its bias). NumFeatures 0 means "take it from the input".
/// </summary>
public sealed record NormSpec(
    LayerKind Kind, string Name, int NumFeatures, double Eps, double Momentum, bool Affine, bool TrackRunningStats,
    bool CumulativeAverage = false, int NumGroups = 0, EquatableArray<int> NormalizedShape = default, bool Bias = true);

/// <summary>An activation and its one parameter (LeakyReLU's negative_slope, ELU's alpha), if any.</summary>
public sealed record ActivationSpec(LayerKind Kind, double Parameter, bool TanhApproximation);

/// <summary>
/// MaxPool / AvgPool (Stride is already resolved: 0 became KernelSize), or AdaptiveAvgPool2d with its
/// <see cref="OutputSize"/> (the window fields are then 0).
/// </summary>
public sealed record PoolSpec(LayerKind Kind, int KernelSize, int Stride, int Padding, bool CountIncludePad, int OutputSize = 0);

/// <summary>
/// One [Fuse] method (or one kernel of a split one): its layers in order and the parameters of each. <see cref="Input"/>
/// names where the whole-model Forward takes its input (null: the chain before; <see cref="GraphNames.ModelInput"/>: the
/// model input; else a chain's method name), <see cref="Skip"/> what its Add adds, and <see cref="SkipParameter"/> the
/// user's name for the skip parameter (set exactly when the chain has an Add). <see cref="Concat"/>, when not empty, replaces
/// Input: the chain reads the channel concatenation of those sources (torch.cat(..., dim=1)). <see cref="InputPool"/>: a
/// MaxPool2d/AvgPool2d listed before the convolution, applied to the input as it is read.
/// <see cref="PreNorm"/> and <see cref="PreActivation"/>: an eval-mode BatchNorm and/or an activation listed before the
/// convolution (pre-activation, BN → ReLU → Conv), applied to the input as the conv's copy of it is made.
/// <see cref="Standalone"/>: the list has no compute layer, only a norm and/or activation (Norm, Activation), which Plan
/// runs as the epilogue of an identity depthwise 1×1 convolution.
/// <see cref="Block"/> is set on a chain a
/// block use expanded ("layer2.0: BasicBlock.Conv1"): the generator writes its whole method, as no user declaration exists.
/// </summary>
public sealed record ChainSpec(
    string MethodName,
    string MethodModifiers,
    string InputParameter,
    string OutputParameter,
    string BatchParameter,
    EquatableArray<LayerKind> Layers,
    ConvSpec? Conv,
    LinearSpec? Linear,
    NormSpec? Norm,
    ActivationSpec? Activation,
    PoolSpec? Pool,
    LocationInfo? Location,
    bool TrainingForward = false,
    SplitSpec? Split = null,
    string? Input = null,
    string? Skip = null,
    string? SkipParameter = null,
    bool FlattenOutput = false,
    EquatableArray<string> Concat = default,
    PoolSpec? InputPool = null,
    string? Block = null,

    PrologueSpec? Prologue = null,
    NormSpec? PreNorm = null,
    ActivationSpec? PreActivation = null,
    bool Standalone = false)
{
    /// <summary>The chain's input is the channel concatenation of <see cref="Concat"/> (sources named as in Input), in order.</summary>
    public bool HasConcat => !Concat.IsEmpty;

    /// <summary>The name other chains use for this chain's output: the user's method (a split method's last part gives it).</summary>
    public string GraphName => Split?.Method ?? MethodName;
}

/// <summary>Mirrors <c>FusedNorm.Graph</c> in the Runtime.</summary>
public static class GraphNames
{
    /// <summary>FusedNorm.Graph.Input: the model input as a chain's Input or Skip.</summary>
    public const string ModelInput = "@input";
}

/// <summary>
/// Set on each part of a [Fuse] method whose layers cannot run as one fused kernel (several convolution or Linear
/// layers): the part is kernel <see cref="Part"/> of <see cref="Parts"/>, and the user's method runs them in order.
/// </summary>
public sealed record SplitSpec(string Method, string Modifiers, string InputParameter, string OutputParameter, string BatchParameter, int Part, int Parts,
    string? SkipParameter = null);

/// <summary>Where the partial class lives, enough to write its other half.</summary>
public sealed record TypeDeclarationSpec(
    string? Namespace,
    string ClassName,
    string ClassKeyword,
    EquatableArray<string> ContainingTypes,
    bool HasParameterlessConstructor)
{
    public string FullName =>
        (Namespace is null ? "" : Namespace + ".") +
        string.Join("", System.Linq.Enumerable.Select(ContainingTypes, t => t.Substring(t.LastIndexOf(' ') + 1) + ".")) +
        ClassName;
}

/// <summary>A [Model] class: the input shape of one sample and its chains in declaration order.</summary>
public sealed record ModelSpec(
    TypeDeclarationSpec Type,
    EquatableArray<int> InputShape,
    EquatableArray<ChainSpec> Chains,
    LocationInfo? Location);

/// <summary>A value and the diagnostics found while producing it.</summary>
public sealed record Result<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class, System.IEquatable<T>;

/// <summary>What a conv's <c>Winograd</c> argument asks for: not written (the plan chooses by shape), true or false.</summary>
public enum WinogradChoice
{
    /// <summary>Not written: Winograd where the shape is one it was measured faster on, else the direct kernel.</summary>
    Auto,
    /// <summary><c>Winograd = false</c>: always the direct kernel.</summary>
    Off,
    /// <summary><c>Winograd = true</c>: Winograd wherever the plan can run it; FN0203 says why where it cannot.</summary>
    On,
}
