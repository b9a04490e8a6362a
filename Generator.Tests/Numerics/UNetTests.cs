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
/// The UNet of Sample/UNet.cs (GroupNorm + SiLU double conv blocks, MaxPool2d read as the next level's input,
/// ConvTranspose2d up, torch.cat skips) at 2×3×64×64 against libtorch. The golden (tools/GoldenGen unet) holds only
/// libtorch's output and the input's first values; the parameters are drawn here with <see cref="UNetRecipe"/> and
/// written under the module's state_dict keys.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class UNetTests
{
    internal static readonly string Source = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Sample", "UNet.cs"));

    private readonly ITestOutputHelper _output;
    public UNetTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void UNet_matches_libtorch_at_1_and_2_threads_and_allocates_nothing()
    {
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("unet"));
        float[] x = SeededRecipe.Values("input", UNetRecipe.InputShape);
        Assert.Equal(golden.ReadFloat32("input_head"), x.AsSpan(0, 64).ToArray()); // the recipe draws libtorch's input
        CompiledModel model = CompiledModel.Compile(Source, "FusedNorm.Sample.UNet");
        Assert.Equal(3 * 64 * 64, model.InputSize);
        Assert.Equal(2 * 64 * 64, model.OutputSize);
        model.LoadWeights(SafeTensorsFile.FromBytes(SeededRecipe.StateDict(UNetRecipe.FloatTensors()).ToArray()));
        Assert.Equal(UNetRecipe.FloatTensors().Select(t => t.Key).OrderBy(k => k, StringComparer.Ordinal),
            model.StateDictKeys().OrderBy(k => k, StringComparer.Ordinal));

        float[] expected = golden.ReadFloat32("output");
        int batch = UNetRecipe.Batch;
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            var clock = Stopwatch.StartNew();
            float[] actual = model.Forward(x, batch);
            _output.WriteLine($"{degree} thread(s): first Forward {clock.ElapsedMilliseconds} ms");
            AssertClose(expected, actual, $"UNet at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual); // bit-identical across thread counts

            float[] y = new float[batch * model.OutputSize];
            Action<float[], float[], int> forward = model.ForwardDelegate();
            for (int i = 0; i < 3; i++) forward(x, y, batch);
            long before = GC.GetAllocatedBytesForCurrentThread();
            forward(x, y, batch);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(first, y);
        }
    }

    /// <summary>torch.allclose(actual, expected, rtol=1e-3, atol=1e-4): the whole-network contract.</summary>
    private void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(difference <= 1e-4 + 1e-3 * Math.Abs(expected[i]), $"{what}: element {i} is {actual[i]:R}, libtorch {expected[i]:R}");
            largest = Math.Max(largest, difference);
        }
        _output.WriteLine($"{what}: largest difference {largest:E2}");
    }
}
