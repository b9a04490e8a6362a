using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Generator;

/// <summary>
/// Every generated method must stay well inside what RyuJIT compiles with full optimization. Above any of these
/// (dotnet/runtime compiler.cpp, compSetOptimizationLevel) it compiles the method with MinOpts and never tiers it up:
/// 60,000 IL bytes, 20,000 IL instructions, 2,000 basic blocks, 2,000 locals (IL args + IL locals + JIT temps) or
/// 8,000 local references; above 512 locals it also stops inlining (the kernels' helper calls must inline) and above
/// 1,024 it stops tracking locals. The budget below keeps a margin for the JIT's own temps and blocks.
/// Extreme but legal chains of every rank and kernel size are compiled (nothing runs) and every method with a body in
/// the emitted assembly is measured: the model types, their file-local kernel classes and the lambdas' closure classes.
/// </summary>
[Trait("Category", "Generator")]
public class JitBudgetTests
{
    public const int MaxIlBytes = 40_000, MaxInstructions = 14_000, MaxLocals = 400, MaxLocalReferences = 6_000, MaxBasicBlocks = 1_500;

    private readonly ITestOutputHelper _output;
    public JitBudgetTests(ITestOutputHelper output) => _output = output;

    private static ChainCase C(string name, int[] shape, ConvCase conv, int rank, NormCase? norm = null, bool folded = false,
        Layer? act = null, double actParameter = double.NaN, bool geluTanh = false, PoolCase? pool = null, bool training = false) =>
        new(name, shape, conv, Norm: folded, NormOf: norm, Activation: act, ActivationParameter: actParameter, GeluTanh: geluTanh,
            Pool: pool, Training: training, Rank: rank);

    /// <summary>
    /// The matrix: every kernel size (1, 3, 5, 7, 9, 11) at every rank, each with a different norm, channel extreme, stride,
    /// dilation or grouping. Output rows are 48 wide where that is cheap (the Vector512 row tile of 8 channels × 3 vectors,
    /// and the Vector256 path beside it: the largest methods); so do the 3d kernels of 9 and 11, whose windows of 729–1,331
    /// taps per input channel, fully unrolled, made a 1.5 MB IL method before the plan bounded it. Channel counts cost nothing to compile (the kernels loop over
    /// input channels and channel blocks), so the extremes 1, 3, 64, 512 in and 1, 8, 13, 512 out are spread freely.
    /// Several models share a compilation; each chain is its own model class, so its methods are named after it.
    /// </summary>
    private static readonly Dictionary<string, (ChainCase[] Chains, string[] Extra)> Groups = new()
    {
        ["conv1d"] = (new[]
        {
            C("c1d_k1_c512to13_bn_relu", new[] { 512, 40 }, new(13, 1), 1, folded: true, act: Layer.ReLU),
            C("c1d_k3_s2_c3to512_bnbatch_gelu", new[] { 3, 130 }, new(512, 3, Stride: 2, Padding: 1), 1, new(Layer.BatchNorm1d, Track: false), act: Layer.GELU),
            C("c1d_k5_d2_c64to8_in_silu_maxpool", new[] { 64, 48 }, new(8, 5, Padding: 4, Dilation: 2), 1, new(Layer.InstanceNorm1d, Affine: true, Track: false), act: Layer.SiLU, pool: new(Layer.MaxPool1d, 2)),
            C("c1d_k7_s3_c1to1_gn_leaky", new[] { 1, 150 }, new(1, 7, Stride: 3, Padding: 3), 1, new(Layer.GroupNorm, Groups: 1), act: Layer.LeakyReLU, actParameter: 0.2),
            C("c1d_k9_dw64_ln_tanh_avgpool", new[] { 64, 48 }, new(64, 9, Padding: 4, Groups: 64), 1, new(Layer.LayerNorm, Shape: new[] { 48 }), act: Layer.Tanh, pool: new(Layer.AvgPool1d, 2)),
            C("c1d_k11_s4_g2_c64to8_bn_train_relu6", new[] { 64, 200 }, new(8, 11, Stride: 4, Groups: 2), 1, new(Layer.BatchNorm1d), act: Layer.ReLU6, training: true),
        }, Array.Empty<string>()),
        ["conv2d"] = (new[]
        {
            C("c2d_k1_s2_c64to512_bn_hardswish", new[] { 64, 4, 96 }, new(512, 1, Stride: 2), 2, folded: true, act: Layer.Hardswish),
            // The hot path: ResNet's 3×3, 64 → 64 at 56² (the flat Vector512 kernel), and the same at 48 columns (the row tile).
            C("c2d_k3_c64to64_bn_relu_56", new[] { 64, 56, 56 }, new(64, 3, Padding: 1), 2, folded: true, act: Layer.ReLU),
            C("c2d_k3_c64to64_bn_relu_48", new[] { 64, 16, 48 }, new(64, 3, Padding: 1), 2, folded: true, act: Layer.ReLU),
            C("c2d_k3_s4_c3to8_bn_train_relu_maxpool", new[] { 3, 16, 192 }, new(8, 3, Stride: 4, Padding: 1), 2, new(Layer.BatchNorm2d), act: Layer.ReLU, pool: new(Layer.MaxPool2d, 2), training: true),
            C("c2d_k5_c3to13_in_relu_maxpool", new[] { 3, 12, 48 }, new(13, 5, Padding: 2), 2, new(Layer.InstanceNorm2d, Affine: false, Track: false), act: Layer.ReLU, pool: new(Layer.MaxPool2d, 2)),
            C("c2d_k7_s2_c3to64_bn_relu_maxpool", new[] { 3, 16, 96 }, new(64, 7, Stride: 2, Padding: 3), 2, folded: true, act: Layer.ReLU, pool: new(Layer.MaxPool2d, 3, 2, 1)),
            C("c2d_k9_dw512_gn_silu", new[] { 512, 9, 64 }, new(512, 9, Padding: 4, Groups: 512), 2, new(Layer.GroupNorm, Groups: 32), act: Layer.SiLU),
            C("c2d_k11_c3to8_bn_relu", new[] { 3, 12, 48 }, new(8, 11, Padding: 5), 2, folded: true, act: Layer.ReLU),
            C("c2d_k11_d2_c64to13_ln_gelu", new[] { 64, 21, 68 }, new(13, 11, Dilation: 2), 2, new(Layer.LayerNorm, Shape: new[] { 13, 1, 48 }), act: Layer.GELU, geluTanh: true),
            // The lane kernel (rows under 16 columns) at its largest: ResNet's 512-channel 3×3 on 7×7 (the window unrolled
            // whole, in passes over the input channels) and an 11×11 window (unrolled a kernel row at a time).
            C("c2d_k3_c512to512_bn_relu_7_lanes", new[] { 512, 7, 7 }, new(512, 3, Padding: 1), 2, folded: true, act: Layer.ReLU),
            C("c2d_k11_c512to48_bn_relu_7_lanes", new[] { 512, 7, 7 }, new(48, 11, Padding: 5), 2, folded: true, act: Layer.ReLU),
            // The depthwise lane kernel (planes under 16 floats) at its largest window: 11×11 over a 3×3 plane padded to 13×13,
            // every tap unrolled; the lane kernel into a global average; Winograd F(2×2) into the global average.
            C("c2d_k11_dw64_bn_relu6_3_dwlanes", new[] { 64, 3, 3 }, new(64, 11, Padding: 5, Groups: 64), 2, folded: true, act: Layer.ReLU6),
            C("c2d_k1_c320to1280_bn_relu6_3_gap_lanes", new[] { 320, 3, 3 }, new(1280, 1), 2, folded: true, act: Layer.ReLU6, pool: new(Layer.AdaptiveAvgPool2d, 1)),
            C("c2d_k3_c512to512_bn_relu_7_gap_winograd", new[] { 512, 7, 7 }, new(512, 3, Padding: 1), 2, folded: true, act: Layer.ReLU, pool: new(Layer.AdaptiveAvgPool2d, 1)),
        }, Array.Empty<string>()),
        ["conv3d_k1-5"] = (new[]
        {
            C("c3d_k1_c512to13_bnbatch", new[] { 512, 2, 2, 48 }, new(13, 1), 3, new(Layer.BatchNorm3d, Track: false)),
            C("c3d_k3_c3to8_in_tracked_train_elu", new[] { 3, 4, 4, 48 }, new(8, 3, Padding: 1), 3, new(Layer.InstanceNorm3d, Affine: true, Track: true), act: Layer.ELU, actParameter: 0.5, training: true),
            C("c3d_k5_s3_c1to8_gn_relu_maxpool", new[] { 1, 5, 5, 142 }, new(8, 5, Stride: 3, Padding: 2), 3, new(Layer.GroupNorm, Groups: 2), act: Layer.ReLU, pool: new(Layer.MaxPool3d, 2)),
        }, new[] { MultiChainModel }),
        ["conv3d_k7"] = (new[]
        {
            C("c3d_k7_dw8_ln_sigmoid", new[] { 8, 7, 7, 54 }, new(8, 7, Groups: 8), 3, new(Layer.LayerNorm, Shape: new[] { 48 }), act: Layer.Sigmoid),
        }, Array.Empty<string>()),
        ["conv3d_k9"] = (new[]
        {
            C("c3d_k9_d2_c64to8_bn_relu", new[] { 64, 1, 1, 48 }, new(8, 9, Padding: 8, Dilation: 2), 3, folded: true, act: Layer.ReLU),
        }, Array.Empty<string>()),
        ["conv3d_k11"] = (new[]
        {
            C("c3d_k11_c3to8_bn_relu", new[] { 3, 1, 1, 48 }, new(8, 11, Padding: 5), 3, folded: true, act: Layer.ReLU),
        }, Array.Empty<string>()),
        // Per-dim tuples at their extremes: the longest row (1×11) and the tallest column (11×1) of 512 channels, and the
        // (3, 11, 11) and (11, 1, 1) Conv3d windows, whose taps per input channel differ from any cubic kernel's.
        ["non_square"] = (new[]
        {
            C("t2d_k1x11_c512to512_bn_relu", new[] { 512, 4, 48 }, new(512, 0, Kernels: new[] { 1, 11 }, Paddings: new[] { 0, 5 }), 2, folded: true, act: Layer.ReLU),
            C("t2d_k11x1_c512to512_bn_relu", new[] { 512, 12, 48 }, new(512, 0, Kernels: new[] { 11, 1 }, Paddings: new[] { 5, 0 }), 2, folded: true, act: Layer.ReLU),
            C("t2d_k11x1_s2x1_d1x3_c64to13_in_silu", new[] { 64, 24, 54 }, new(13, 0, Kernels: new[] { 11, 3 }, Strides: new[] { 2, 1 }, Dilations: new[] { 1, 3 }), 2, new(Layer.InstanceNorm2d, Affine: true, Track: false), act: Layer.SiLU),
            C("t3d_k3x11x11_c64to8_bn_relu", new[] { 64, 3, 11, 58 }, new(8, 0, Kernels: new[] { 3, 11, 11 }), 3, folded: true, act: Layer.ReLU),
            C("t3d_k11x1x1_c64to8_gn_gelu", new[] { 64, 11, 2, 48 }, new(8, 0, Kernels: new[] { 11, 1, 1 }), 3, new(Layer.GroupNorm, Groups: 2), act: Layer.GELU),
        }, Array.Empty<string>()),
    };

    /// <summary>
    /// Chains whose shapes chain, for the model-level code: Forward through four methods, a [Fuse] list run as two
    /// kernels (FN0202), Linear layers of 1,536 → 512 (with a training forward) and 512 → 13.
    /// </summary>
    private const string MultiChainModel = """
        using System;
        using FusedNorm;
        namespace Cases;
        [Model(3, 16, 48)]
        public sealed partial class Net
        {
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d, Layer.GroupNorm, Layer.SiLU)]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c1")] [BatchNorm(Name = "bn1")]
            [Conv2d(16, KernelSize = 3, Padding = 1, Name = "c2")] [GroupNorm(4, Name = "gn2")]
            public partial void Stem(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.AvgPool2d)]
            [Conv2d(8, KernelSize = 1, Name = "c3")] [BatchNorm(Name = "bn3")] [AvgPool2d(KernelSize = 2)]
            public partial void Reduce(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Linear, Layer.BatchNorm1d, Layer.ReLU, TrainingForward = true)]
            [Linear(512, Name = "fc1")] [BatchNorm(Name = "bn4")]
            public partial void Fc1(ReadOnlySpan<float> x, Span<float> y, int batch);

            [Fuse(Layer.Linear, Layer.LayerNorm, Layer.GELU)]
            [Linear(13, Name = "fc2")] [LayerNorm(13, Name = "ln5")]
            public partial void Fc2(ReadOnlySpan<float> x, Span<float> y, int batch);
        }
        """;

    public static IEnumerable<object[]> GroupNames => Groups.Keys.Select(k => new object[] { k });

    /// <summary>
    /// Cases that are here for a direct kernel the plan would otherwise replace by Winograd (3×3 stride 1 from 64 channels,
    /// from 256 on planes under 8×8): generated with Winograd = false, so the matrix keeps the flat, row and lane kernels at
    /// those sizes.
    /// </summary>
    private static readonly HashSet<string> DirectKernel = new() { "c2d_k3_c64to64_bn_relu_56", "c2d_k3_c64to64_bn_relu_48", "c2d_k3_c512to512_bn_relu_7_lanes" };

    [Theory]
    [MemberData(nameof(GroupNames))]
    public void Every_generated_method_stays_inside_the_JIT_optimization_budget(string group)
    {
        (ChainCase[] chains, string[] extra) = Groups[group];
        string[] sources = chains.Select(c => DirectKernel.Contains(c.Name) ? WinogradCases.Direct(c) : c.Source()).Concat(extra).ToArray();
        Assert.All(chains.Where(c => DirectKernel.Contains(c.Name)), c => Assert.Contains("Winograd = false", WinogradCases.Direct(c)));
        string[] models = chains.Select(c => c.ClassName).Concat(extra.Length > 0 ? new[] { "Net" } : Array.Empty<string>()).ToArray();

        var clock = Stopwatch.StartNew();
        byte[] image = Compile(sources);
        TimeSpan compile = clock.Elapsed;
        IReadOnlyList<MethodIlMetrics> methods = IlMetrics.Read(image);
        _output.WriteLine($"{group}: {chains.Length + (extra.Length > 0 ? 1 : 0)} model(s), {methods.Count} methods, {image.Length:N0} bytes, generated and compiled in {compile.TotalSeconds:F1} s");
        _output.WriteLine($"budget: IL {MaxIlBytes:N0} B, {MaxInstructions:N0} instructions, {MaxBasicBlocks:N0} blocks, {MaxLocals} locals + args, {MaxLocalReferences:N0} local refs");

        // Each chain's largest method, so a reader sees the headroom (or the excess) chain by chain.
        var byModel = methods.GroupBy(m => ModelOf(m.Name, models)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (string model in models)
        {
            Assert.True(byModel.ContainsKey(model), $"No method of {model} was found in the compiled assembly.");
            MethodIlMetrics largest = byModel[model].OrderByDescending(m => m.IlSize).First();
            _output.WriteLine($"  {model}: largest of {byModel[model].Count} methods: {Short(largest)}");
        }

        var offenders = methods.Where(m => Excess(m).Count > 0).OrderByDescending(m => m.IlSize).ToList();
        Assert.True(offenders.Count == 0,
            $"{offenders.Count} generated method(s) of group '{group}' exceed the JIT budget (a method over the JIT's own limits is compiled with MinOpts and never optimized):\n" +
            string.Join("\n", offenders.Select(m => $"  [{ModelOf(m.Name, models)}] {Short(m)}\n      over: {string.Join("; ", Excess(m))}")));
    }

    /// <summary>Each metric over its budget, as "name value > budget (+excess, n×)".</summary>
    private static List<string> Excess(MethodIlMetrics m)
    {
        var over = new List<string>();
        void Check(string name, int value, int budget)
        {
            if (value > budget) over.Add($"{name} {value:N0} > {budget:N0} (+{value - budget:N0}, {(double)value / budget:F1}×)");
        }
        Check("IL bytes", m.IlSize, MaxIlBytes);
        Check("instructions", m.Instructions, MaxInstructions);
        Check("basic blocks", m.BasicBlocks, MaxBasicBlocks);
        Check("locals + args", m.Locals + m.Arguments, MaxLocals);
        Check("local refs", m.LocalReferences, MaxLocalReferences);
        return over;
    }

    /// <summary>
    /// The model a method belongs to: its own type (Cases.Model.Method, Cases.Model.&lt;&gt;c...), or the file-local kernel
    /// class of one of its chains, whose metadata name starts with its file's name, &lt;Cases_Model_Chain_g&gt;F…__ChainKernel.
    /// </summary>
    private static string ModelOf(string method, string[] models) =>
        models.FirstOrDefault(m => method.StartsWith($"Cases.{m}.", StringComparison.Ordinal) || method.Contains($"<Cases_{m}_", StringComparison.Ordinal))
        ?? "(compiler-generated)";

    /// <summary>The metrics with a kernel class's file-local prefix dropped: the model is named beside it.</summary>
    private static string Short(MethodIlMetrics m) => System.Text.RegularExpressions.Regex.Replace(m.ToString(), @"^FusedNorm\.Generated\.<[^>]*>F[0-9A-F]+__", "");

    /// <summary>
    /// Runs the generator, fails on any error it or the compiler reports, and emits the assembly (Release, as users build).
    /// Emit reports the compile errors itself; GeneratorHarness.RunGenerator's GetDiagnostics would bind every method twice.
    /// </summary>
    private byte[] Compile(string[] sources)
    {
        var compilation = GeneratorHarness.CreateCompilation(sources);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var generatorDiagnostics);
        foreach (Diagnostic d in generatorDiagnostics.Where(d => d.Severity < DiagnosticSeverity.Error)) _output.WriteLine($"  generator: {d}");
        var generatorErrors = generatorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(generatorErrors.Count == 0, "The generator reported errors for the matrix:\n" + string.Join("\n", generatorErrors));

        using var stream = new MemoryStream();
        EmitResult emit = output.Emit(stream);
        Assert.True(emit.Success, "The generated code does not compile:\n" +
            string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        return stream.ToArray();
    }
}
