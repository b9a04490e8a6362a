using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// pytorch/examples fast_neural_style's TransformerNet end to end at 3×64×64, against libtorch: reflection padding on every
/// conv, two nearest ×2 upsamplings (UpsampleConvLayer), five residual blocks whose add follows an InstanceNorm with no
/// activation after it. The golden (tools/GoldenGen style) holds libtorch's input and output; the 1.7 M parameters are
/// drawn here with <see cref="StyleTransferRecipe"/> and written under the Python module's state_dict keys.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class StyleTransferTests
{
    /// <summary>The model's declaration: the Sample's file, so the Sample and this test run the same network.</summary>
    internal static readonly string Source = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Sample", "StyleTransfer.cs"));

    private readonly ITestOutputHelper _output;
    public StyleTransferTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void TransformerNet_matches_libtorch_at_1_and_2_threads_and_allocates_nothing()
    {
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("style_transfer"));
        int size = StyleTransferRecipe.Size;
        float[] x = SeededRecipe.Values("input", new[] { 1, 3, size, size });
        Assert.Equal(golden.ReadFloat32("input"), x); // the recipe draws libtorch's input

        var clock = Stopwatch.StartNew();
        CompiledModel model = CompiledModel.Compile(Source, "FusedNorm.Sample.StyleTransfer");
        _output.WriteLine($"generate + compile + load the assembly: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(3 * size * size, model.InputSize);
        Assert.Equal(3 * size * size, model.OutputSize);

        model.LoadWeights(SafeTensorsFile.FromBytes(StyleTransferRecipe.StateDict().ToArray(), "style_transfer"));
        // The model reads every tensor of TransformerNet's state_dict, by its names.
        Assert.Equal(StyleTransferRecipe.FloatTensors().Select(t => t.Key).OrderBy(k => k, StringComparer.Ordinal),
            model.StateDictKeys().OrderBy(k => k, StringComparer.Ordinal));

        float[] expected = golden.ReadFloat32("output");
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            clock.Restart();
            float[] actual = model.Forward(x, 1);
            long firstCall = clock.ElapsedMilliseconds;
            AssertClose(expected, actual, $"TransformerNet at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual); // bit-identical across thread counts

            // Steady state: no allocation per call.
            float[] y = new float[model.OutputSize];
            Action<float[], float[], int> forward = model.ForwardDelegate();
            forward(x, y, 1); // one warm-up through the delegate (the Forward above already rented the pools at this thread count)
            clock.Restart();
            long before = GC.GetAllocatedBytesForCurrentThread();
            forward(x, y, 1);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            _output.WriteLine($"{degree} thread(s): first Forward {firstCall} ms, a later one {clock.ElapsedMilliseconds} ms (noisy; not asserted), {allocated} bytes allocated");
            Assert.Equal(0, allocated);
            Assert.Equal(first, y);
        }
    }

    /// <summary>rtol 1e-3, atol 1e-4 (a 16-conv network compounds float32 rounding); reports the largest errors.</summary>
    private void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], difference = Math.Abs(actual[i] - e);
            Assert.True(difference <= 1e-4 + 1e-3 * Math.Abs(e), $"{what}: output {i} is {actual[i]:R}, libtorch {e:R} (difference {difference:E2})");
            maxAbs = Math.Max(maxAbs, difference);
        }
        _output.WriteLine($"{what}: max |Δ| {maxAbs:E2}");
    }
}
