using System;
using System.Linq;
using FusedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// A [Fuse] list with several convolution or Linear layers cannot run as one kernel; it runs as one fused kernel
/// per compute layer (FN0202, info) and gives the same numbers as the layers run one by one.
/// </summary>
[Trait("Category", "Numeric")]
public class SplitChainTests
{
    internal const string Source = """
        using System;
        using FusedNorm;
        namespace Split;
        [Model(3, 12, 12)]
        public sealed partial class Net
        {
            // Three kernels: conv1+bn1+ReLU | conv2+GroupNorm+SiLU+MaxPool | fc+bn2+ReLU. Attributes of one kind apply in order.
            [Fuse(Layer.Conv2d, Layer.BatchNorm2d, Layer.ReLU, Layer.Conv2d, Layer.GroupNorm, Layer.SiLU, Layer.MaxPool2d, Layer.Linear, Layer.BatchNorm1d, Layer.ReLU)]
            [Conv2d(8, KernelSize = 3, Padding = 1, Name = "conv1")]
            [BatchNorm(Name = "bn1")]
            [Conv2d(6, KernelSize = 3, Name = "conv2")]
            [GroupNorm(2, Name = "gn")]
            [MaxPool2d(KernelSize = 2)]
            [Linear(10, Name = "fc")]
            [BatchNorm(Name = "bn2")]
            public partial void Block(ReadOnlySpan<float> input, Span<float> output, int n);
        }
        """;

    [Fact]
    public void Split_chain_reports_FN0202_and_generates_clean_code()
    {
        var run = GeneratorHarness.RunGenerator(Source);
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("FN0202", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Contains("runs as 3 kernels (Conv2d, BatchNorm2d, ReLU | Conv2d, GroupNorm, SiLU, MaxPool2d | Linear, BatchNorm1d, ReLU)", d.GetMessage());
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(run.Sources, s => s.HintName == "Split.Net.BlockPart2.g.cs");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Split_chain_matches_the_layers_run_one_by_one(int batch)
    {
        var random = new Random(17 + batch);
        float[] Uniform(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
        float[] conv1W = Uniform(8 * 3 * 9, -0.3f, 0.3f), conv1B = Uniform(8, -0.3f, 0.3f);
        float[] bn1G = Uniform(8, 0.5f, 1.5f), bn1B = Uniform(8, -0.5f, 0.5f), bn1M = Uniform(8, -0.5f, 0.5f), bn1V = Uniform(8, 0.3f, 2f);
        float[] conv2W = Uniform(6 * 8 * 9, -0.2f, 0.2f), conv2B = Uniform(6, -0.2f, 0.2f);
        float[] gnG = Uniform(6, 0.5f, 1.5f), gnB = Uniform(6, -0.5f, 0.5f);
        float[] fcW = Uniform(10 * 150, -0.1f, 0.1f), fcB = Uniform(10, -0.1f, 0.1f);
        float[] bn2G = Uniform(10, 0.5f, 1.5f), bn2B = Uniform(10, -0.5f, 0.5f), bn2M = Uniform(10, -0.5f, 0.5f), bn2V = Uniform(10, 0.3f, 2f);
        var w = new SafeTensorsWriter();
        w.Add("conv1.weight", conv1W, 8, 3, 3, 3); w.Add("conv1.bias", conv1B, 8);
        w.Add("bn1.weight", bn1G, 8); w.Add("bn1.bias", bn1B, 8); w.Add("bn1.running_mean", bn1M, 8); w.Add("bn1.running_var", bn1V, 8);
        w.Add("conv2.weight", conv2W, 6, 8, 3, 3); w.Add("conv2.bias", conv2B, 6);
        w.Add("gn.weight", gnG, 6); w.Add("gn.bias", gnB, 6);
        w.Add("fc.weight", fcW, 10, 150); w.Add("fc.bias", fcB, 10);
        w.Add("bn2.weight", bn2G, 10); w.Add("bn2.bias", bn2B, 10); w.Add("bn2.running_mean", bn2M, 10); w.Add("bn2.running_var", bn2V, 10);

        // The user's method through the compiled entry's second hook; the model's Forward runs the parts itself.
        CompiledModel model = CompiledModel.Compile(Source, "Split.Net", trainingMethod: "Block");
        model.LoadWeights(SafeTensorsFile.FromBytes(w.ToArray()));
        float[] x = Uniform(batch * 3 * 144, -2f, 2f);

        float[] e = Reference.ConvNd(x, batch, 3, new[] { 12, 12 }, conv1W, conv1B, 8, 1, 3, 1, 1, 1);
        e = Reference.BatchNormEval(e, batch, 8, 144, bn1G, bn1B, bn1M, bn1V, 1e-5);
        e = Reference.Activation(e, Layer.ReLU);
        e = Reference.ConvNd(e, batch, 8, new[] { 12, 12 }, conv2W, conv2B, 6, 1, 3, 1, 0, 1);
        e = Reference.NormalizeRuns(e, 3 * 100, 100, gnG, gnB, 1e-5, elementwise: false, 600);
        e = Reference.Activation(e, Layer.SiLU);
        e = Reference.PoolNd(e, batch, 6, new[] { 10, 10 }, max: true, 2, 2, 0);
        e = Reference.Linear(e, batch, 150, fcW, fcB, 10);
        e = Reference.BatchNormEval(e, batch, 10, 1, bn2G, bn2B, bn2M, bn2V, 1e-5);
        e = Reference.Activation(e, Layer.ReLU);

        Tolerance.AssertClose(e, model.Training(x, batch), "Net.Block");
        Tolerance.AssertClose(e, model.Forward(x, batch), "Net.Forward");
    }
}
