using System;

namespace FusedNorm;

/// <summary>Folds eval-mode normalization into the weights and bias of the layer before it.</summary>
public static class WeightFolding
{
    /// <summary>
    /// Folds an eval-mode BatchNorm into the preceding conv or linear layer, in place. Per output channel o:
    /// s = γ[o] / √(running_var[o] + ε); weight[o, …] ·= s; bias[o] = (bias[o] − running_mean[o])·s + β[o].
    /// <paramref name="gamma"/> and <paramref name="beta"/> are null when the norm has affine=False (γ = 1, β = 0).
    /// The scale is computed in double and rounded once.
    /// </summary>
    public static void FoldBatchNorm(float[] weight, float[] bias, float[]? gamma, float[]? beta,
        float[] runningMean, float[] runningVar, double eps)
    {
        int channels = bias.Length;
        if (channels == 0 || weight.Length % channels != 0)
            throw new ArgumentException($"weight has {weight.Length} elements, not a multiple of the {channels} output channels.", nameof(weight));
        CheckLength(runningMean, channels, nameof(runningMean));
        CheckLength(runningVar, channels, nameof(runningVar));
        if (gamma is not null) CheckLength(gamma, channels, nameof(gamma));
        if (beta is not null) CheckLength(beta, channels, nameof(beta));

        int perChannel = weight.Length / channels;
        for (int o = 0; o < channels; o++)
        {
            double scale = (gamma?[o] ?? 1.0) / Math.Sqrt(runningVar[o] + eps);
            for (int k = 0; k < perChannel; k++)
                weight[o * perChannel + k] = (float)(weight[o * perChannel + k] * scale);
            bias[o] = (float)((bias[o] - (double)runningMean[o]) * scale + (beta?[o] ?? 0.0));
        }
    }

    /// <summary>
    /// Folds the running statistics of <paramref name="norm"/> again after a training-mode forward changed them:
    /// folded[i] = raw[i]·s[channelOf(i)], foldedBias[o] = (rawBias[o] − running_mean[o])·s[o] + β[o], with
    /// s = γ/√(running_var + ε). Writes into the existing arrays; allocates nothing.
    /// </summary>
    public static void Refold(float[] raw, float[] rawBias, float[] folded, float[] foldedBias, Kernels.NormState norm, Func<int, int> channelOf)
    {
        float[] mean = norm.RunningMean!, variance = norm.RunningVar!;
        for (int i = 0; i < raw.Length; i++)
        {
            int o = channelOf(i);
            folded[i] = (float)(raw[i] * Scale(norm, variance, o));
        }
        for (int o = 0; o < rawBias.Length; o++)
            foldedBias[o] = (float)((rawBias[o] - (double)mean[o]) * Scale(norm, variance, o) + (norm.Beta?[o] ?? 0.0));
    }

    private static double Scale(Kernels.NormState norm, float[] variance, int o) => (norm.Gamma?[o] ?? 1.0) / Math.Sqrt(variance[o] + norm.Eps);

    private static void CheckLength(float[] values, int channels, string name)
    {
        if (values.Length != channels)
            throw new ArgumentException($"{name} has {values.Length} elements; expected one per output channel ({channels}).", name);
    }
}
