using Microsoft.CodeAnalysis;

namespace FusedNorm.Generator.Diagnostics;

/// <summary>
/// Every diagnostic FusedNorm reports. IDs come in blocks: FN00xx misuse of the attributes, FN01xx shapes that
/// do not fit, FN02xx fallbacks (the chain works, but not on the fastest path: a warning when it costs speed, FN0201, else info).
/// docs/diagnostics.md lists them with examples; each one has a test in Generator.Tests.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Usage = "FusedNorm.Usage";
    private const string Shape = "FusedNorm.Shape";
    private const string Performance = "FusedNorm.Performance";

    /// <summary>
    /// Where the docs are published: FusedNormDocsUrl in Directory.Build.props, baked into this assembly's metadata, so
    /// every help link is an absolute page an IDE opens. The same docs ship in the package (docs/diagnostics.md).
    /// </summary>
    public static readonly string DocsUrl =
        System.Linq.Enumerable.FirstOrDefault(System.Linq.Enumerable.OfType<System.Reflection.AssemblyMetadataAttribute>(
            typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)),
            a => a.Key == "FusedNormDocsUrl")?.Value ?? "docs/";

    /// <summary>The help link of a diagnostic: its section of diagnostics.md.</summary>
    public static string HelpLink(string id) => DocsUrl + "diagnostics.md#" + id.ToLowerInvariant();

    private static DiagnosticDescriptor Error(string id, string title, string message, string category = Usage) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    // ---- FN00xx: misuse ----
    public static readonly DiagnosticDescriptor ClassNotPartial = Error("FN0001",
        "Model class must be partial",
        "Class '{0}' has [Model] but is not partial: declare it 'partial' so FusedNorm can add its Forward and weights");

    public static readonly DiagnosticDescriptor MethodNotPartial = Error("FN0002",
        "Chain method must be a partial declaration without a body",
        "Method '{0}' has [Fuse] but is not a partial method without a body: declare it 'partial void {0}(ReadOnlySpan<float> x, Span<float> y, int batch);'");

    public static readonly DiagnosticDescriptor BadSignature = Error("FN0003",
        "Chain method has the wrong signature",
        "Method '{0}' must be an instance method 'partial void {0}(ReadOnlySpan<float> x, Span<float> y, int batch)': {1}");

    public static readonly DiagnosticDescriptor UnknownLayer = Error("FN0004",
        "Unknown layer",
        "Chain '{0}' lists the value {1}, which is not a FusedNorm.Layer");

    public static readonly DiagnosticDescriptor IllegalLayerOrder = Error("FN0005",
        "Illegal layer order",
        "Chain '{0}': {1}. A chain starts with a convolution or Linear layer; each may be followed by one norm, one residual Add and one activation, and (after a convolution without Add) one pooling layer, in that order.");

    public static readonly DiagnosticDescriptor MissingLayerAttribute = Error("FN0006",
        "Layer has no parameter attribute",
        "Chain '{0}' lists {1} but the method has no [{2}(...)] attribute giving its parameters");

    public static readonly DiagnosticDescriptor UnusedLayerAttribute = Error("FN0007",
        "Parameter attribute for a layer the chain does not list",
        "Method '{0}' has a [{1}] attribute but its [Fuse] list has no {2}: add the layer to [Fuse] or remove the attribute");

    public static readonly DiagnosticDescriptor MissingName = Error("FN0008",
        "Layer with weights needs a Name",
        "{0} in chain '{1}' has weights but no Name: set Name to its state_dict prefix, e.g. Name = \"{2}\" for the key '{2}.weight'");

    public static readonly DiagnosticDescriptor DuplicateName = Error("FN0009",
        "Duplicate layer name",
        "Name '{0}' is used by more than one layer of '{1}': state_dict prefixes must be unique");

    public static readonly DiagnosticDescriptor ChainWithoutModel = Error("FN0010",
        "Chain outside a model",
        "Method '{0}' has [Fuse] but class '{1}' has no [Model(...)] attribute giving the input shape of one sample, e.g. [Model(3, 32, 32)]");

    public static readonly DiagnosticDescriptor ModelWithoutChains = new("FN0011",
        "Model has no chains",
        "Class '{0}' has [Model] but no [Fuse] methods: nothing will be generated",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("FN0011"));

    public static readonly DiagnosticDescriptor InvalidParameter = Error("FN0012",
        "Invalid or unsupported layer parameter",
        "{0} in chain '{1}': {2}");

    public static readonly DiagnosticDescriptor UnsupportedType = Error("FN0013",
        "Unsupported model type",
        "Class '{0}' cannot be a model: {1}");

    public static readonly DiagnosticDescriptor TrainingWithoutBatchStatistics = Error("FN0014",
        "Training-mode forward without batch statistics",
        "Chain '{0}' asks for TrainingForward, but {1}: training mode differs from eval mode only for BatchNorm and for InstanceNorm with TrackRunningStats; remove TrainingForward");

    public static readonly DiagnosticDescriptor TrainingForwardOnSplitChain = Error("FN0015",
        "Training-mode forward on a chain that runs as several kernels",
        "Chain '{0}' asks for TrainingForward, but its layers run as {1} kernels: declare one [Fuse] method per convolution or Linear layer and set TrainingForward on those with a BatchNorm");

    public static readonly DiagnosticDescriptor UnknownSource = Error("FN0016",
        "Input, Skip or Concat names no chain",
        "Chain '{0}': {1} = \"{2}\" names no [Fuse] method of '{3}': use nameof(...) of a chain declared before it, or Graph.Input for the model input");

    public static readonly DiagnosticDescriptor SourceNotEarlier = Error("FN0017",
        "Input, Skip or Concat is not an earlier chain",
        "Chain '{0}': {1} = \"{2}\" {3}; chains run in declaration order, so a chain reads the model input (Graph.Input) or a chain declared before it");

    public static readonly DiagnosticDescriptor AddSkipMismatch = Error("FN0018",
        "Layer.Add and Skip go together",
        "Chain '{0}': {1}");

    public static readonly DiagnosticDescriptor UnreadOutput = new("FN0019",
        "Chain output is never read",
        "Chain '{0}': no later chain takes its output as Input or Skip, and it is not the model's output (the last chain's): its work is wasted. Name it in a later chain's Input or Skip, or remove it.",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("FN0019"));

    public static readonly DiagnosticDescriptor GeneratedMemberCollision = Error("FN0020",
        "Member has the name of a generated member",
        "'{0}' declares '{1}', but FusedNorm generates a member of that name ({2}): rename yours");

    public static readonly DiagnosticDescriptor SkipParameter = Error("FN0021",
        "Chain with Layer.Add needs a skip parameter",
        "Chain '{0}' {1}: declare it 'partial void {0}(ReadOnlySpan<float> x, ReadOnlySpan<float> skip, Span<float> y, int batch)'");

    public static readonly DiagnosticDescriptor InternalError = Error("FN0099",
        "FusedNorm could not generate this model",
        "FusedNorm failed on '{0}' and generated nothing for it ({1}: {2}). This is a bug in FusedNorm; please report it with the model's attributes.");

    // ---- FN01xx: shapes ----
    public static readonly DiagnosticDescriptor ChannelMismatch = Error("FN0101",
        "Channel counts of adjacent layers disagree",
        "Chain '{0}': {1} is declared with {2} = {3} but receives {4} from {5}: set {2} = {4} or fix the layer before it",
        Shape);

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error("FN0102",
        "Kernel larger than the padded input",
        "Chain '{0}': the {1} window spans {2} but the padded input is only {3} ({4}): use a smaller kernel_size or dilation, or more padding",
        Shape);

    public static readonly DiagnosticDescriptor NormFeatureMismatch = Error("FN0103",
        "Norm num_features differs from its input channels",
        "Chain '{0}': {1} has {5} = {2} but receives {3} channels from {4}: set {6} = {3} (or leave it 0 to infer it)",
        Shape);

    public static readonly DiagnosticDescriptor NonPositiveSize = Error("FN0104",
        "Size must be positive",
        "Chain '{0}': {1} must be {2}, but it is {3}",
        Shape);

    public static readonly DiagnosticDescriptor InputRankMismatch = Error("FN0105",
        "Layer receives a tensor of the wrong rank",
        "Chain '{0}': {1} needs {2} per sample, but receives ({3}) from {4}",
        Shape);

    public static readonly DiagnosticDescriptor BadModelInputShape = Error("FN0106",
        "Invalid model input shape",
        "Class '{0}': [Model] input shape ({1}) is invalid: {2}",
        Shape);

    public static readonly DiagnosticDescriptor GroupsDoNotDivide = Error("FN0107",
        "Groups do not divide the channels",
        "Chain '{0}': {1}",
        Shape);

    public static readonly DiagnosticDescriptor NormalizedShapeMismatch = Error("FN0108",
        "LayerNorm normalized_shape does not match the trailing dims",
        "Chain '{0}': LayerNorm normalized_shape [{1}] must equal the trailing dims of its input ({2}), e.g. [{3}]",
        Shape);

    public static readonly DiagnosticDescriptor TensorTooLarge = Error("FN0109",
        "Tensor too large",
        "Chain '{0}': {1} would hold {2} floats, more than the {3} FusedNorm supports per sample and per weight tensor; use smaller sizes",
        Shape);

    public static readonly DiagnosticDescriptor AddShapeMismatch = Error("FN0110",
        "Shapes differ at a residual add",
        "Chain '{0}': its Add adds {1}, of shape ({2}), to the chain's output, of shape ({3}): the shapes must be equal. When a block changes the shape, make the shortcut a chain of its own (ResNet: a 1×1 conv with the block's stride, then BatchNorm) and name it as Skip.",
        Shape);

    public static readonly DiagnosticDescriptor AvgPool3dWindowBeyondInput = Error("FN0127",
        "AvgPool3d window larger than its unpadded input",
        "Chain '{0}': the AvgPool3d window {1} is larger than its unpadded input ({2}); PyTorch's avg_pool3d refuses that even when the padding covers it: use kernel_size {3} or less",
        Shape);

    // ---- FN02xx: fallbacks ----
    public static readonly DiagnosticDescriptor ScalarFallback = new("FN0201",
        "Chain runs on the scalar path",
        "Chain '{0}' runs on the scalar path: {1}",
        Performance, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink("FN0201"));

    public static readonly DiagnosticDescriptor SplitChain = new("FN0202",
        "Chain runs as several kernels",
        "Chain '{0}' runs as {1} kernels ({2}): one kernel fuses a convolution or Linear layer with the norm, activation and pooling after it, so {3} intermediate tensor(s) go through memory. The results are the same.",
        Performance, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("FN0202"));

    // ---- Concatenation (FN0030–FN0039) ----
    public static readonly DiagnosticDescriptor ConcatWithInput = Error("FN0030",
        "Concat and Input both set",
        "Chain '{0}' sets both Input = \"{1}\" and Concat: Concat is the chain's input (torch.cat of its sources, dim=1); remove Input, or list it among the Concat sources in torch.cat's order");

    public static readonly DiagnosticDescriptor ConcatSources = Error("FN0031",
        "Concat needs two or more named sources",
        "Chain '{0}': Concat {1}; list two or more tensors in torch.cat's order, e.g. Concat = new[] {{ nameof(Down1), nameof(Up1) }}, each nameof(an earlier chain) or Graph.Input (for one source, use Input)");

    public static readonly DiagnosticDescriptor ConcatShapeMismatch = Error("FN0032",
        "Shapes differ at a concatenation in more than the channels",
        "Chain '{0}': Concat joins {1}, of shape ({2}), and {3}, of shape ({4}): torch.cat(dim=1) needs the same rank and the same size in every dim but the channels (the first). Make the sources agree (e.g. the same stride and padding, or an upsampling chain before the smaller one).");

    public static readonly DiagnosticDescriptor TransposedOutputPadding = Error("FN0033",
        "ConvTranspose2d output_padding too large",
        "Chain '{0}': {1} has output_padding = {2}, but PyTorch requires it to be smaller than either stride ({3}) or dilation ({4}): lower OutputPadding (it adds rows and columns that no input reaches), or raise Stride");

    public static readonly DiagnosticDescriptor TransposedOutputEmpty = Error("FN0034",
        "ConvTranspose2d output is empty",
        "Chain '{0}': {1} would give an output of {2}×{3} from its {4} input ((in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1): use less Padding or a larger KernelSize or Stride");

    // ---- FN0040–FN0049: blocks declared once and used at several shapes ----
    public static readonly DiagnosticDescriptor UnknownBlock = Error("FN0040",
        "Use names a class that is not a block",
        "[Use<{0}>(\"{1}\")]: '{0}' is not a block: mark it [Block] and declare the block's [Fuse] chains in it, named relative to the block (Name = \"conv1\")");

    public static readonly DiagnosticDescriptor BadBlockArgument = Error("FN0041",
        "Block use has a bad prefix or argument",
        "[Use<{0}>(\"{1}\")]: {2}");

    public static readonly DiagnosticDescriptor BlockExpression = Error("FN0042",
        "Block parameter expression cannot be computed",
        "Use '{0}' of block '{1}': the argument '{2}' of chain '{3}' {4}");

    public static readonly DiagnosticDescriptor BadWhen = Error("FN0043",
        "When or Unless names no bool constant of the block",
        "Chain '{0}' sets {1}, but {2}");

    public static readonly DiagnosticDescriptor EmptyBlock = Error("FN0044",
        "Block has no chains",
        "Block '{0}' declares no [Fuse] chain, so use '{1}' computes nothing: declare its chains as 'partial void Conv1(ReadOnlySpan<float> x, Span<float> y, int batch);' in the block");

    public static readonly DiagnosticDescriptor NestedBlockUse = Error("FN0045",
        "Block uses another block",
        "Block '{0}' has [Use<{1}>(\"{2}\")]: a block cannot use blocks yet; use '{1}' from the model, after or before '{0}'");

    // ---- prologue layers (Upsample, padding layers, padding_mode) ----
    public static readonly DiagnosticDescriptor PrologueOutOfPlace = Error("FN0022",
        "Upsample or padding layer out of place",
        "Chain '{0}': {1}");

    public static readonly DiagnosticDescriptor PaddingTooLarge = Error("FN0023",
        "Reflect or circular padding too large for its input",
        "Chain '{0}': {1} (PyTorch raises): use less padding, another padding mode, or a larger input");

    // ---- FN0046–FN0049: per-dim tuples (KernelSizes, Strides, Paddings, Dilations) ----
    public static readonly DiagnosticDescriptor TupleAndIntBothSet = Error("FN0046",
        "A conv parameter is set both as an int and as a tuple",
        "Chain '{0}': {1} sets both {2} and {3}: keep one, e.g. {3} = new[] {{ {4} }} (per dim) or {2} = {5} (every dim)");

    public static readonly DiagnosticDescriptor TupleLength = Error("FN0047",
        "A conv tuple has the wrong number of entries",
        "Chain '{0}': {1} has {2} = {{ {3} }} ({4} entries), but it takes one entry per spatial dim {5}: write {2} = new[] {{ {6} }}");

    public static readonly DiagnosticDescriptor TupleEntry = Error("FN0048",
        "A conv tuple entry is out of range",
        "Chain '{0}': {1} has {2} = {{ {3} }}, but every entry of {4} must be {5}");

    public static readonly DiagnosticDescriptor TupleNotSupported = Error("FN0049",
        "Per-dim tuples are not supported on this layer",
        "Chain '{0}': {1} sets {2}, but per-dim tuples are supported on Conv1d, Conv2d and Conv3d only: give ConvTranspose2d a square kernel with {3}");

    // ---- FN0050–FN0054: a norm or activation before a convolution (pre-activation), or with no compute layer ----
    public static readonly DiagnosticDescriptor PreActivationOutOfPlace = Error("FN0050",
        "Norm or activation before a convolution is not supported there",
        "Chain '{0}': {1}");

    public static readonly DiagnosticDescriptor StatisticsNormBeforeConv = Error("FN0051",
        "Norm with per-call statistics before a convolution",
        "Chain '{0}': {1} comes before {2}, but it computes its statistics from the input at run time ({3}), which the conv's input copy cannot: end the chain that produces this input with the {1} and its activation ([Fuse(..., Layer.{1}, Layer.SiLU)]), or make them a chain of their own ([Fuse(Layer.{1}, Layer.SiLU)]), then start this chain with {2}");

    public static readonly DiagnosticDescriptor NoComputeLayer = Error("FN0052",
        "Standalone norm or activation chain not supported there",
        "Chain '{0}' lists no convolution or Linear layer, only {1}: {2}");

    // ---- Winograd (FN0203–FN0204) ----
    public static readonly DiagnosticDescriptor WinogradNotApplicable = new("FN0203",
        "Winograd requested but the direct kernel runs",
        "Chain '{0}' asks for Winograd = true, but runs the direct convolution: {1}. The results are the same.",
        Performance, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLink("FN0203"));
}
