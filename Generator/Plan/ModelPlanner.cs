using System;
using System.Collections.Generic;
using System.Linq;
using FusedNorm.Generator.Spec;
using static FusedNorm.Generator.Diagnostics.DiagnosticDescriptors;

namespace FusedNorm.Generator.Plan;

/// <summary>
/// Plan stage: pure functions from <see cref="ModelSpec"/> to <see cref="ModelPlan"/>. Resolves each chain's
/// input shape from the one before it, checks that the layers fit, and makes the kernel decisions (blocking,
/// interior/border split, vector or scalar). Testable without Roslyn.
/// </summary>
public static class ModelPlanner
{
    /// <summary>Output channels per register block of the conv kernel: 4 accumulators plus the input vector and a broadcast weight.</summary>
    public const int ConvOcBlock = 4;
    /// <summary>Vectors of 8 output features per pass over a Linear layer's input.</summary>
    public const int LinearBlocksPerPass = 4;
    public const int VectorWidth = 8;

    public static Result<ModelPlan> Plan(ModelSpec model)
    {
        var diagnostics = new List<DiagnosticInfo>();
        int[] shape = model.InputShape.ToArray();

        string? shapeProblem =
            shape.Length is < 1 or > 3 ? $"it has {shape.Length} dimensions; give (C, H, W) for a conv net or (features) for an MLP" :
            shape.Any(d => d <= 0) ? "every dimension must be positive" :
            shape.Aggregate(1L, (a, d) => a * d) > int.MaxValue / 4 ? "one sample is too large" :
            null;
        if (shapeProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(BadModelInputShape, model.Location, model.Type.ClassName, string.Join(", ", shape), shapeProblem));
            return new Result<ModelPlan>(null, diagnostics.ToEquatableArray());
        }

        var chains = new List<ChainPlan>();
        string source = "the model input";
        for (int i = 0; i < model.Chains.Count; i++)
        {
            ChainSpec chain = model.Chains[i];
            ChainPlan? plan = PlanChain(model.Type, i, chain, shape, source, diagnostics);
            if (plan is null) break; // later chains' inputs are unknown; their errors would only echo this one
            chains.Add(plan);
            shape = plan.OutputShape.ToArray();
            source = "chain '" + chain.MethodName + "'";
        }

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
            return new Result<ModelPlan>(null, diagnostics.ToEquatableArray());

        return new Result<ModelPlan>(
            new ModelPlan(model.Type, model.InputShape, shape.ToEquatableArray(), chains.ToEquatableArray()),
            diagnostics.ToEquatableArray());
    }

    private static ChainPlan? PlanChain(TypeDeclarationSpec type, int index, ChainSpec chain, int[] input, string source, List<DiagnosticInfo> diagnostics)
    {
        int errors = diagnostics.Count;
        bool Failed() => diagnostics.Skip(errors).Any(d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor d, params object[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(d, chain.Location, args));
        string In(int[] s) => string.Join(", ", s);

        ConvPlan? conv = null;
        LinearPlan? linear = null;
        int[] output;

        if (chain.Conv is { } c)
        {
            if (input.Length != 3)
            {
                Report(InputRankMismatch, chain.MethodName, $"Conv2d '{c.Name}'", "(C, H, W)", In(input), source);
                return null;
            }
            int inC = input[0], h = input[1], w = input[2];
            if (c.OutChannels <= 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' out_channels", "positive", c.OutChannels);
            if (c.KernelSize <= 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' kernel_size", "positive (set KernelSize)", c.KernelSize);
            if (c.Stride <= 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' stride", "positive", c.Stride);
            if (c.Dilation <= 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' dilation", "positive", c.Dilation);
            if (c.Padding < 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' padding", "zero or more", c.Padding);
            if (c.InChannels < 0) Report(NonPositiveSize, chain.MethodName, $"Conv2d '{c.Name}' in_channels", "positive (or 0 to infer it)", c.InChannels);
            else if (c.InChannels != 0 && c.InChannels != inC)
                Report(ChannelMismatch, chain.MethodName, $"Conv2d '{c.Name}'", "InChannels", c.InChannels, inC, source);
            if (Failed()) return null;

            int extent = c.Dilation * (c.Kernel() - 1) + 1;
            if (extent > h + 2 * c.Padding || extent > w + 2 * c.Padding)
            {
                Report(KernelLargerThanInput, chain.MethodName, $"Conv2d '{c.Name}'", $"{extent}×{extent}",
                    $"{h + 2 * c.Padding}×{w + 2 * c.Padding}", $"input {h}×{w}, padding {c.Padding}");
                return null;
            }
            int oh = (h + 2 * c.Padding - extent) / c.Stride + 1;
            int ow = (w + 2 * c.Padding - extent) / c.Stride + 1;

            // Interior columns: every tap of the window is inside the row, so the vector loop needs no bounds tests.
            int interiorStart = (c.Padding + c.Stride - 1) / c.Stride;
            int lastStart = w - extent + c.Padding; // largest ox*stride with the window inside
            int interiorEnd = lastStart < 0 ? 0 : Math.Min(ow, lastStart / c.Stride + 1);
            bool vectorized = interiorEnd - interiorStart >= VectorWidth;
            if (!vectorized)
                diagnostics.Add(DiagnosticInfo.Create(ScalarFallback, chain.Location, chain.MethodName,
                    $"the conv output has {Math.Max(0, interiorEnd - interiorStart)} columns clear of the padding, fewer than one Vector256 of {VectorWidth}"));

            conv = new ConvPlan(c.Name, inC, c.OutChannels, c.KernelSize, c.Stride, c.Padding, c.Dilation, c.Bias,
                h, w, oh, ow, Math.Min(ConvOcBlock, c.OutChannels), interiorStart, interiorEnd, vectorized);
            output = new[] { c.OutChannels, oh, ow };
        }
        else
        {
            LinearSpec l = chain.Linear!;
            long inFeatures = input.Aggregate(1L, (a, d) => a * d);
            if (l.OutFeatures <= 0) Report(NonPositiveSize, chain.MethodName, $"Linear '{l.Name}' out_features", "positive", l.OutFeatures);
            if (l.InFeatures < 0) Report(NonPositiveSize, chain.MethodName, $"Linear '{l.Name}' in_features", "positive (or 0 to infer it)", l.InFeatures);
            else if (l.InFeatures != 0 && l.InFeatures != inFeatures)
                Report(ChannelMismatch, chain.MethodName, $"Linear '{l.Name}'", "InFeatures", l.InFeatures,
                    input.Length == 1 ? inFeatures.ToString() : $"{inFeatures} (flattened from {In(input)})", source);
            if (Failed()) return null;

            bool vectorized = l.OutFeatures >= VectorWidth;
            if (!vectorized)
                diagnostics.Add(DiagnosticInfo.Create(ScalarFallback, chain.Location, chain.MethodName,
                    $"Linear '{l.Name}' has {l.OutFeatures} output features, fewer than one Vector256 of {VectorWidth}"));
            int blocks = (l.OutFeatures + VectorWidth - 1) / VectorWidth;
            linear = new LinearPlan(l.Name, (int)inFeatures, l.OutFeatures, l.Bias, blocks, Math.Min(LinearBlocksPerPass, blocks), vectorized);
            output = new[] { l.OutFeatures };
        }

        FoldedNormPlan? norm = null;
        if (chain.Norm is { } n)
        {
            int channels = output[0];
            string producer = conv is not null ? $"Conv2d '{conv.Name}'" : $"Linear '{linear!.Name}'";
            if (n.NumFeatures < 0) Report(NonPositiveSize, chain.MethodName, $"{n.Kind} '{n.Name}' num_features", "positive (or 0 to infer it)", n.NumFeatures);
            else if (n.NumFeatures != 0 && n.NumFeatures != channels)
                Report(NormFeatureMismatch, chain.MethodName, $"{n.Kind} '{n.Name}'", n.NumFeatures, channels, producer);
            norm = new FoldedNormPlan(n.Kind, n.Name, channels, n.Eps, n.Affine);
        }

        PoolPlan? pool = null;
        if (chain.Pool is { } p)
        {
            string what = $"{p.Kind}";
            if (p.KernelSize <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} kernel_size", "positive (set KernelSize)", p.KernelSize);
            if (p.Stride <= 0) Report(NonPositiveSize, chain.MethodName, $"{what} stride", "positive (or 0 for stride = kernel_size)", p.Stride);
            if (p.Padding < 0) Report(NonPositiveSize, chain.MethodName, $"{what} padding", "zero or more", p.Padding);
            else if (p.KernelSize > 0 && 2 * p.Padding > p.KernelSize)
                Report(NonPositiveSize, chain.MethodName, $"{what} padding", $"at most half of kernel_size ({p.KernelSize / 2}), as in PyTorch", p.Padding);
            if (Failed()) return null;
            int h = output[1], w = output[2];
            if (p.KernelSize > h + 2 * p.Padding || p.KernelSize > w + 2 * p.Padding)
            {
                Report(KernelLargerThanInput, chain.MethodName, what, $"{p.KernelSize}×{p.KernelSize}",
                    $"{h + 2 * p.Padding}×{w + 2 * p.Padding}", $"conv output {h}×{w}, padding {p.Padding}");
                return null;
            }
            int ph = (h + 2 * p.Padding - p.KernelSize) / p.Stride + 1;
            int pw = (w + 2 * p.Padding - p.KernelSize) / p.Stride + 1;
            pool = new PoolPlan(p.Kind, p.KernelSize, p.Stride, p.Padding, p.CountIncludePad, ph, pw);
            output = new[] { output[0], ph, pw };
        }

        if (Failed()) return null;

        return new ChainPlan(type, index, chain.MethodName, chain.MethodModifiers, chain.InputParameter, chain.OutputParameter,
            chain.BatchParameter, input.ToEquatableArray(), output.ToEquatableArray(), conv, linear, norm, chain.Activation, pool);
    }

    private static int Kernel(this ConvSpec c) => c.KernelSize;
}
