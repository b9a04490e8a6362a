using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// torchvision's ResNet-18 end to end at 224×224, against libtorch. The golden (tools/GoldenGen resnet) holds only
/// libtorch's output and the input's first values: the 11.7 M parameters are drawn here with
/// <see cref="ResNet18Recipe"/>, the recipe GoldenGen wrote into torchvision's module, and written under torchvision's
/// state_dict keys, so the generated LoadWeights reads a file laid out as <c>save_file(resnet18().state_dict())</c>.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ResNet18Tests
{
    /// <summary>The model's declaration: the Sample's file, so the Sample and this test run the same network.</summary>
    internal static readonly string Source = File.ReadAllText(Path.Combine(SampleModels.RepositoryRoot, "Sample", "ResNet18.cs"));

    private readonly ITestOutputHelper _output;
    public ResNet18Tests(ITestOutputHelper output) => _output = output;

    /// <summary>The recipe's state_dict as a safetensors file: every float tensor, and the I64 num_batches_tracked (0).</summary>
    private static string WriteStateDict()
    {
        SafeTensorsWriter writer = ResNet18Recipe.StateDict();
        string path = Path.Combine(Path.GetTempPath(), $"fusednorm-resnet18-{Environment.ProcessId}.safetensors");
        writer.Save(path);
        return path;
    }

    /// <summary>
    /// What the golden test below covers: layers 1-3's stride-1 3×3 convs run Winograd F(4×4, 3×3) (10 chains) and layer4's
    /// three F(2×2, 3×3) on the 7×7 plane (layer4.0.conv2, layer4.1.conv1, and layer4.1.conv2, whose chain adds the skip
    /// and ends in the global average pool: its tasks hold every tile of the plane and sum their channels' planes).
    /// </summary>
    [Fact]
    public void ResNet18_runs_its_3x3_convs_as_Winograd_F4x4_and_on_7x7_F2x2()
    {
        var run = GeneratorHarness.RunGenerator(Source);
        Assert.Empty(run.CompileErrors);
        int Count(string algorithm) => run.Sources.Count(s => s.SourceText.ToString().Contains($"Winograd {algorithm}, not the direct kernel"));
        Assert.Equal(10, Count("F(4×4,3×3)"));
        Assert.Equal(3, Count("F(2×2,3×3)"));
    }

    [Fact]
    public void ResNet18_matches_libtorch_at_1_and_2_threads_and_allocates_nothing()
    {
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath("resnet18"));
        int[] inputShape = { 1, 3, ResNet18Recipe.Size, ResNet18Recipe.Size };
        float[] x = ResNet18Recipe.Values("input", inputShape);
        Assert.Equal(golden.ReadFloat32("input_head"), x.AsSpan(0, 64).ToArray()); // the recipe draws libtorch's input

        var clock = Stopwatch.StartNew();
        CompiledModel model = CompiledModel.Compile(Source, "FusedNorm.Sample.ResNet18");
        _output.WriteLine($"generate + compile + load the assembly: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(3 * 224 * 224, model.InputSize);
        Assert.Equal(1000, model.OutputSize);

        string path = WriteStateDict();
        try
        {
            clock.Restart();
            model.LoadWeights(path);
            _output.WriteLine($"load weights (fold, pack): {clock.ElapsedMilliseconds} ms");
        }
        finally { File.Delete(path); }
        // The model reads every float tensor of the state_dict, by torchvision's names.
        Assert.Equal(ResNet18Recipe.FloatTensors().Select(t => t.Key).OrderBy(k => k, StringComparer.Ordinal),
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
            AssertClose(expected, actual, $"ResNet-18 at {degree} thread(s)");
            if (first is null) first = actual;
            else Assert.Equal(first, actual); // bit-identical across thread counts

            // Steady state: no allocation per call (a few warm-up calls for tiered JIT and the pools' first rents).
            float[] y = new float[1000];
            Action<float[], float[], int> forward = model.ForwardDelegate();
            for (int i = 0; i < 3; i++) forward(x, y, 1);
            clock.Restart();
            long before = GC.GetAllocatedBytesForCurrentThread();
            forward(x, y, 1);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            _output.WriteLine($"{degree} thread(s): first Forward {firstCall} ms, a later one {clock.ElapsedMilliseconds} ms (noisy; not asserted), {allocated} bytes allocated");
            Assert.Equal(0, allocated);
            Assert.Equal(first, y);
        }
    }

    /// <summary>rtol 1e-3, atol 1e-4 (a 20-layer network compounds float32 rounding); reports the largest errors.</summary>
    private void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], difference = Math.Abs(actual[i] - e);
            Assert.True(difference <= 1e-4 + 1e-3 * Math.Abs(e), $"{what}: logit {i} is {actual[i]:R}, libtorch {e:R} (difference {difference:E2})");
            maxAbs = Math.Max(maxAbs, difference);
            if (Math.Abs(e) > 1e-2) maxRel = Math.Max(maxRel, difference / Math.Abs(e));
        }
        _output.WriteLine($"{what}: max |Δ| {maxAbs:E2}, max relative {maxRel:E2} (over logits with |x| > 0.01)");
    }
}
