using FusedNorm.Generator.Spec;

namespace FusedNorm.Generator.Plan;

// The Plan stage's output: every shape resolved to a constant and every kernel decision made, as plain
// equatable values. Emit only formats these; it decides nothing.

/// <summary>
/// Conv2d with everything resolved. The vector path computes <see cref="OcBlock"/> output channels at a time,
/// eight output columns per Vector256, over the interior columns [<see cref="InteriorStart"/>,
/// <see cref="InteriorEnd"/>) where every tap is inside the input; the last vector overlaps the one before it
/// instead of running a scalar tail. Border columns take the checked scalar path.
/// </summary>
public sealed record ConvPlan(
    string Name,
    int InChannels, int OutChannels,
    int Kernel, int Stride, int Padding, int Dilation, bool Bias,
    int InHeight, int InWidth, int OutHeight, int OutWidth,
    int OcBlock,
    int InteriorStart, int InteriorEnd,
    bool Vectorized)
{
    public int FullBlocks => OutChannels / OcBlock;
    public int TailChannels => OutChannels % OcBlock;
    public int TapsPerChannel => InChannels * Kernel * Kernel;
}

/// <summary>
/// Linear with everything resolved. The vector path holds eight output features per Vector256 and
/// <see cref="BlocksPerPass"/> vectors of accumulators per pass over the input; when out_features is not a
/// multiple of 8 the last block starts at out_features − 8 and recomputes a few outputs instead of a tail loop.
/// </summary>
public sealed record LinearPlan(string Name, int InFeatures, int OutFeatures, bool Bias, int VectorBlocks, int BlocksPerPass, bool Vectorized)
{
    public int BlockStart(int block) => System.Math.Min(block * 8, OutFeatures - 8);
}

/// <summary>Eval-mode BatchNorm with running statistics: folded into the conv/linear weights and bias at load.</summary>
public sealed record FoldedNormPlan(LayerKind Kind, string Name, int NumFeatures, double Eps, bool Affine);

public sealed record PoolPlan(LayerKind Kind, int Kernel, int Stride, int Padding, bool CountIncludePad, int OutHeight, int OutWidth);

/// <summary>One fused chain, ready to emit.</summary>
public sealed record ChainPlan(
    TypeDeclarationSpec Type,
    int Index,
    string MethodName,
    string MethodModifiers,
    string InputParameter,
    string OutputParameter,
    string BatchParameter,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    ConvPlan? Conv,
    LinearPlan? Linear,
    FoldedNormPlan? Norm,
    ActivationSpec? Activation,
    PoolPlan? Pool)
{
    public int InputSize => Product(InputShape);
    public int OutputSize => Product(OutputShape);

    /// <summary>Whether the conv output goes through a per-block scratch plane (only when a pool follows).</summary>
    public bool UsesScratch => Pool is not null;

    public static int Product(EquatableArray<int> shape)
    {
        int size = 1;
        foreach (int d in shape) size *= d;
        return size;
    }
}

/// <summary>The whole model: its chains in order, through which Forward runs.</summary>
public sealed record ModelPlan(
    TypeDeclarationSpec Type,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    EquatableArray<ChainPlan> Chains)
{
    /// <summary>The largest per-sample size handed from one chain to the next (0 for a one-chain model).</summary>
    public int LargestIntermediate
    {
        get
        {
            int largest = 0;
            for (int i = 0; i + 1 < Chains.Count; i++) largest = System.Math.Max(largest, Chains[i].OutputSize);
            return largest;
        }
    }
}
