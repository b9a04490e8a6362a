using System;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// After a training-mode forward the eval-mode weights are refolded with the new running statistics, which needs
/// the output feature of every packed weight. Narrow (scalar-path, unpacked), 8-wide and 16-wide Linear layouts
/// each map that differently; the eval forward after training must match the reference with the updated statistics.
/// </summary>
[Trait("Category", "Numeric")]
public class TrainingRefoldTests
{
    [Theory]
    [InlineData(5)]   // fewer than 8 outputs: weights kept as [out, in]
    [InlineData(12)]  // blocks of 8, the last overlapping
    [InlineData(20)]  // blocks of 16, the last overlapping
    public void Eval_after_a_training_forward_uses_the_updated_statistics(int outFeatures)
    {
        const int inFeatures = 9, batch = 4;
        var chain = new ChainCase($"refold_{outFeatures}", new[] { inFeatures }, LinearOut: outFeatures,
            NormOf: new NormCase(Layer.BatchNorm1d), Activation: Layer.ReLU, Batch: batch, Training: true);
        var random = new Random(outFeatures);
        float[] Uniform(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
        float[] weight = Uniform(outFeatures * inFeatures, -0.4f, 0.4f), bias = Uniform(outFeatures, -0.4f, 0.4f);
        float[] gamma = Uniform(outFeatures, 0.5f, 1.5f), beta = Uniform(outFeatures, -0.5f, 0.5f);
        float[] mean = Uniform(outFeatures, -0.5f, 0.5f), variance = Uniform(outFeatures, 0.3f, 2f);
        var w = new SafeTensorsWriter();
        w.Add("linear.weight", weight, outFeatures, inFeatures); w.Add("linear.bias", bias, outFeatures);
        w.Add("bn.weight", gamma, outFeatures); w.Add("bn.bias", beta, outFeatures);
        w.Add("bn.running_mean", mean, outFeatures); w.Add("bn.running_var", variance, outFeatures);
        w.Add("bn.num_batches_tracked", new long[] { 2 });

        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName, "ChainTraining");
        model.LoadWeights(SafeTensorsFile.FromBytes(w.ToArray()));
        float[] x = Uniform(batch * inFeatures, -2f, 2f);

        float[] linear = Reference.Linear(x, batch, inFeatures, weight, bias, outFeatures);
        var (trained, batchMean, unbiased) = Reference.BatchNormBatch(linear, batch, outFeatures, 1, gamma, beta, 1e-5);
        Tolerance.AssertClose(Reference.Activation(trained, Layer.ReLU), model.Training(x, batch), "training forward");

        // PyTorch: running = (1 − momentum)·running + momentum·batch statistic (unbiased variance), momentum 0.1.
        float[] newMean = mean.Select((m, c) => (float)(0.9 * m + 0.1 * batchMean[c])).ToArray();
        float[] newVar = variance.Select((v, c) => (float)(0.9 * v + 0.1 * unbiased[c])).ToArray();
        float[] expected = Reference.Activation(Reference.BatchNormEval(linear, batch, outFeatures, 1, gamma, beta, newMean, newVar, 1e-5), Layer.ReLU);
        Tolerance.AssertClose(expected, model.Forward(x, batch), "eval after training");
    }
}
