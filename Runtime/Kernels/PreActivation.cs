using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FusedNorm.Kernels;

/// <summary>
/// A convolution's pre-activation (<c>[Fuse(Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d)]</c>, PreAct-ResNet's and DenseNet's
/// BN → ReLU → Conv): an eval-mode BatchNorm as a scale and shift per input channel, then an activation, applied to each
/// input plane as the conv's input copy is made. The conv pads the activated tensor, so the copy pads after this (the
/// padding stays 0); the BatchNorm is never folded into the conv's weights for that reason.
/// </summary>
/// <remarks>
/// As PyTorch's CPU BatchNorm computes it in eval mode: α = γ/√(running_var + ε), x·α + (β − running_mean·α). No norm:
/// α = 1, β = 0 (the activation alone). <see cref="Layer.Identity"/>: no activation.
/// </remarks>
public sealed class PreActivation
{
    private readonly float[] _scale, _shift;
    private readonly Layer _activation;
    private readonly float _parameter;
    private readonly bool _tanhApproximation;

    /// <param name="channels">The conv's input channels.</param>
    /// <param name="gamma">BatchNorm's weight (null: affine=False, or no norm).</param>
    /// <param name="beta">BatchNorm's bias (null: affine=False, or no norm).</param>
    /// <param name="runningMean">BatchNorm's running_mean (null: no norm).</param>
    /// <param name="runningVar">BatchNorm's running_var (null: no norm).</param>
    /// <param name="eps">BatchNorm's eps.</param>
    /// <param name="activation">The activation after the norm, or <see cref="Layer.Identity"/> for none.</param>
    /// <param name="parameter">LeakyReLU's negative_slope or ELU's alpha.</param>
    /// <param name="tanhApproximation">GELU(approximate='tanh').</param>
    public PreActivation(int channels, float[]? gamma, float[]? beta, float[]? runningMean, float[]? runningVar, double eps,
        Layer activation, float parameter = 0f, bool tanhApproximation = false)
    {
        _scale = new float[channels];
        _shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            if (runningMean is null || runningVar is null) { _scale[c] = 1f; continue; }
            float alpha = (gamma?[c] ?? 1f) / MathF.Sqrt(runningVar[c] + (float)eps);
            _scale[c] = alpha;
            _shift[c] = (beta?[c] ?? 0f) - runningMean[c] * alpha;
        }
        _activation = activation;
        _parameter = parameter;
        _tanhApproximation = tanhApproximation;
    }

    /// <summary>Input channels.</summary>
    public int Channels => _scale.Length;

    /// <summary>
    /// Writes act(x·α_c + β_c) for the <paramref name="length"/> values of one plane of channel <paramref name="channel"/>
    /// from <paramref name="source"/> to <paramref name="destination"/>, which must not overlap it (the last vector of a plane
    /// overlaps the one before it and reads its source again).
    /// </summary>
    public void ApplyPlane(ref float source, ref float destination, int channel, int length)
    {
        float scale = _scale[channel], shift = _shift[channel];
        switch (_activation)
        {
            case Layer.Identity: Run(new None(), ref source, ref destination, scale, shift, length); break;
            case Layer.ReLU: Run(new Relu(), ref source, ref destination, scale, shift, length); break;
            case Layer.ReLU6: Run(new Relu6(), ref source, ref destination, scale, shift, length); break;
            case Layer.LeakyReLU: Run(new LeakyRelu(_parameter), ref source, ref destination, scale, shift, length); break;
            case Layer.SiLU: Run(new Silu(), ref source, ref destination, scale, shift, length); break;
            case Layer.GELU when _tanhApproximation: Run(new GeluTanh(), ref source, ref destination, scale, shift, length); break;
            case Layer.GELU: Run(new Gelu(), ref source, ref destination, scale, shift, length); break;
            case Layer.Sigmoid: Run(new Sigmoid(), ref source, ref destination, scale, shift, length); break;
            case Layer.Tanh: Run(new Tanh(), ref source, ref destination, scale, shift, length); break;
            case Layer.Hardswish: Run(new Hardswish(), ref source, ref destination, scale, shift, length); break;
            case Layer.ELU: Run(new Elu(_parameter), ref source, ref destination, scale, shift, length); break;
            default: throw new InvalidOperationException($"{_activation} is not an activation a pre-activation applies.");
        }
    }

    /// <summary>
    /// Planes <paramref name="first"/> … first + count − 1 of (batch × channels) planes of <paramref name="planeSize"/>, from
    /// <paramref name="source"/> to <paramref name="destination"/> at the same offsets: the plane index mod <see cref="Channels"/> is its channel.
    /// </summary>
    public void ApplyPlanes(ref float source, ref float destination, int first, int count, int planeSize)
    {
        for (int p = first; p < first + count; p++)
            ApplyPlane(ref Unsafe.Add(ref source, p * planeSize), ref Unsafe.Add(ref destination, p * planeSize), p % _scale.Length, planeSize);
    }

    /// <summary>One plane: whole Vector512s, else Vector256s, the last vector overlapping the one before (a plane shorter than a vector: scalar).</summary>
    private static void Run<TOp>(TOp op, ref float source, ref float destination, float scale, float shift, int length) where TOp : struct, IOp
    {
        if (Vector512.IsHardwareAccelerated && length >= 16)
        {
            Vector512<float> a = Vector512.Create(scale), b = Vector512.Create(shift);
            for (int i = 0; ; i += 16)
            {
                // The last vector ends at the plane's end; it may recompute values written before (from the unchanged source, unless in place).
                int at = Math.Min(i, length - 16);
                Vector512<float> x = Vector512.LoadUnsafe(ref source, (nuint)at);
                op.Apply(Vector512.FusedMultiplyAdd(x, a, b)).StoreUnsafe(ref destination, (nuint)at);
                if (at == length - 16) return;
            }
        }
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            Vector256<float> a = Vector256.Create(scale), b = Vector256.Create(shift);
            for (int i = 0; ; i += 8)
            {
                int at = Math.Min(i, length - 8);
                Vector256<float> x = Vector256.LoadUnsafe(ref source, (nuint)at);
                op.Apply(Vector256.FusedMultiplyAdd(x, a, b)).StoreUnsafe(ref destination, (nuint)at);
                if (at == length - 8) return;
            }
        }
        for (int i = 0; i < length; i++)
            Unsafe.Add(ref destination, i) = op.Apply(MathF.FusedMultiplyAdd(Unsafe.Add(ref source, i), scale, shift));
    }

    private interface IOp
    {
        float Apply(float x);
        Vector256<float> Apply(Vector256<float> x);
        Vector512<float> Apply(Vector512<float> x);
    }

    private readonly struct None : IOp
    {
        public float Apply(float x) => x;
        public Vector256<float> Apply(Vector256<float> x) => x;
        public Vector512<float> Apply(Vector512<float> x) => x;
    }
    private readonly struct Relu : IOp
    {
        public float Apply(float x) => Activations.Relu(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Relu(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Relu(x);
    }
    private readonly struct Relu6 : IOp
    {
        public float Apply(float x) => Activations.Relu6(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Relu6(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Relu6(x);
    }
    private readonly struct LeakyRelu(float slope) : IOp
    {
        public float Apply(float x) => Activations.LeakyRelu(x, slope);
        public Vector256<float> Apply(Vector256<float> x) => Activations.LeakyRelu(x, slope);
        public Vector512<float> Apply(Vector512<float> x) => Activations.LeakyRelu(x, slope);
    }
    private readonly struct Silu : IOp
    {
        public float Apply(float x) => Activations.Silu(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Silu(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Silu(x);
    }
    private readonly struct Gelu : IOp
    {
        public float Apply(float x) => Activations.Gelu(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Gelu(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Gelu(x);
    }
    private readonly struct GeluTanh : IOp
    {
        public float Apply(float x) => Activations.GeluTanh(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.GeluTanh(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.GeluTanh(x);
    }
    private readonly struct Sigmoid : IOp
    {
        public float Apply(float x) => Activations.Sigmoid(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Sigmoid(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Sigmoid(x);
    }
    private readonly struct Tanh : IOp
    {
        public float Apply(float x) => Activations.Tanh(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Tanh(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Tanh(x);
    }
    private readonly struct Hardswish : IOp
    {
        public float Apply(float x) => Activations.Hardswish(x);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Hardswish(x);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Hardswish(x);
    }
    private readonly struct Elu(float alpha) : IOp
    {
        public float Apply(float x) => Activations.Elu(x, alpha);
        public Vector256<float> Apply(Vector256<float> x) => Activations.Elu(x, alpha);
        public Vector512<float> Apply(Vector512<float> x) => Activations.Elu(x, alpha);
    }
}
