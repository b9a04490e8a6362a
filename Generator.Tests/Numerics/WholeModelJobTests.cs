using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// A whole-model Forward runs its chains as one parallel job (ParallelJob): the same bits at 1, 2, 3 and 4 threads, right
/// against the scalar reference (or PyTorch for LeNet-BN), from several threads at once, from inside a task, and with
/// nothing allocated per call. The models: LeNet-BN (the Sample), ResNet-style residual blocks, a graph of statistics
/// norm chains (InstanceNorm, GroupNorm, batch-statistics BatchNorm, LayerNorm) and concatenation graphs.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class WholeModelJobTests
{
    private readonly ITestOutputHelper _output;
    public WholeModelJobTests(ITestOutputHelper output) => _output = output;

    /// <summary>A compiled, loaded model, an input and what it must give (reference or PyTorch).</summary>
    private static (CompiledModel Model, float[] X, float[] Expected, int Batch) Prepare(string name, int batch) =>
        Prepared.GetOrAdd((name, batch), key => Load(key.Name, key.Batch)); // the tests share the (slow to compile) models

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, int Batch), (CompiledModel, float[], float[], int)> Prepared = new();

    private static (CompiledModel Model, float[] X, float[] Expected, int Batch) Load(string name, int batch)
    {
        switch (name)
        {
            case "LeNetBn":
            {
                string weights = Path.Combine(SampleModels.RepositoryRoot, "Sample", "weights");
                using SafeTensorsFile state = SafeTensorsFile.Open(Path.Combine(weights, "lenet_bn.safetensors"));
                using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(weights, "lenet_bn_reference.safetensors"));
                CompiledModel model = CompiledModel.Compile(SampleModels.LeNetBn, "FusedNorm.Sample.LeNetBn");
                model.LoadWeights(state);
                float[] input = reference.ReadFloat32("input"), logits = reference.ReadFloat32("logits");
                int available = reference.GetInfo("input").Shape[0];
                batch = Math.Min(batch, available);
                return (model, input.AsSpan(0, batch * model.InputSize).ToArray(), logits.AsSpan(0, batch * model.OutputSize).ToArray(), batch);
            }
            case nameof(ConcatTests.Dense):
            case nameof(ConcatTests.BatchStats):
            {
                var (model, x, expected) = ConcatTests.Prepare(name, batch, seed: 101 + batch);
                return (model, x, expected, batch);
            }
            default:
                return ResidualTests.Prepare(name, batch, seed: 211 + batch);
        }
    }

    [Theory]
    [InlineData("LeNetBn", 1)]
    [InlineData("LeNetBn", 4)]
    [InlineData(nameof(ResidualTests.ProjectionBlocks), 1)]
    [InlineData(nameof(ResidualTests.ProjectionBlocks), 3)]
    [InlineData(nameof(ResidualTests.StatisticsBlocks), 1)]
    [InlineData(nameof(ResidualTests.StatisticsBlocks), 3)]
    [InlineData(nameof(ConcatTests.Dense), 1)]
    [InlineData(nameof(ConcatTests.Dense), 3)]
    [InlineData(nameof(ConcatTests.BatchStats), 2)]
    public void Whole_model_forward_is_bit_identical_at_1_2_3_and_4_threads(string name, int batch)
    {
        var (model, x, expected, n) = Prepare(name, batch);
        using var restore = new MaxDegreeScope();
        float[]? first = null;
        foreach (int degree in new[] { 1, 2, 3, 4 })
        {
            Parallelism.MaxDegree = degree;
            for (int call = 0; call < 3; call++) // later calls find the workers spinning or parked, not freshly woken
            {
                float[] actual = model.Forward(x, n);
                if (first is null)
                {
                    Tolerance.AssertClose(expected, actual, $"{name} batch {n}");
                    first = actual;
                }
                else Assert.Equal(first, actual);
            }
        }
    }

    [Theory]
    [InlineData("LeNetBn", 4)]
    [InlineData(nameof(ResidualTests.ProjectionBlocks), 1)]
    [InlineData(nameof(ResidualTests.StatisticsBlocks), 1)]
    public void Concurrent_callers_of_one_model_get_the_sequential_results(string name, int batch)
    {
        var (model, x0, _, n) = Prepare(name, batch);
        var random = new Random(7);
        const int Callers = 5;
        float[][] inputs = Enumerable.Range(0, Callers).Select(c => c == 0 ? x0 : x0.Select(v => v + (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 2, 4 })
        {
            Parallelism.MaxDegree = degree;
            float[][] sequential = inputs.Select(x => model.Forward(x, n)).ToArray();
            float[][] concurrent = new float[Callers][];
            bool finished = DedicatedThreads.Run(Callers, c =>
            {
                for (int repeat = 0; repeat < 10; repeat++)
                {
                    float[] y = model.Forward(inputs[c], n);
                    if (repeat > 0) Assert.Equal(concurrent[c], y);
                    concurrent[c] = y;
                }
            }, TimeSpan.FromMinutes(3));
            Assert.True(finished, $"{name}: concurrent callers did not finish at {degree} threads; {Parallelism.Describe()}");
            for (int c = 0; c < Callers; c++) Assert.Equal(sequential[c], concurrent[c]);
            }
    }

    /// <summary>A model's Forward called from the tasks of a For (and of a job's step): it runs inline on the task's thread.</summary>
    [Theory]
    [InlineData("LeNetBn", 1)]
    [InlineData(nameof(ResidualTests.StatisticsBlocks), 1)]
    public void Forward_called_inside_a_task_gives_the_same_result(string name, int batch)
    {
        var (model, x, _, n) = Prepare(name, batch);
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        float[] direct = model.Forward(x, n);
        float[][] nested = new float[4][];
        var arguments = new KernelArguments(new float[1], new float[1]);
        float[] dummy = new float[1];
        int stage = 0; // how far the task got, for the failure message
        bool finished = DedicatedThreads.Run(1, _ =>
        {
            stage = 1;
            Parallelism.For(dummy, dummy, 0, 4, (ref float x0, ref float y0, int state, int task, KernelArguments a) => nested[task] = model.Forward(x, n), arguments);
            stage = 2;
            using var job = Parallelism.BeginJob();
            stage = 3;
            Parallelism.For(dummy, dummy, 0, 2, (ref float x0, ref float y0, int state, int task, KernelArguments a) => nested[2 + task] = model.Forward(x, n), arguments);
            stage = 4;
        }, TimeSpan.FromMinutes(2));
        Assert.True(finished,
            $"{name}: a Forward nested in a task did not finish (deadlock?): stage {Volatile.Read(ref stage)}, outputs {nested.Count(y => y is not null)} of 4; {Parallelism.Describe()}");
        Assert.All(nested, y => Assert.Equal(direct, y));
    }

    /// <summary>As AllocationTests, for whole models: one window of calls of 0 bytes on the calling thread, at 1, 2 and 3 threads.</summary>
    [Theory]
    [InlineData("LeNetBn", 1)]
    [InlineData(nameof(ResidualTests.ProjectionBlocks), 3)]
    [InlineData(nameof(ResidualTests.StatisticsBlocks), 1)]
    [InlineData(nameof(ConcatTests.Dense), 3)]
    public void Whole_model_forward_allocates_nothing_in_steady_state(string name, int batch)
    {
        var (model, x, _, n) = Prepare(name, batch);
        float[] y = new float[n * model.OutputSize];
        Action<float[], float[], int> forward = model.ForwardDelegate();
        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2, 3 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 30; i++) forward(x, y, n);
            long[] windows = new long[3];
            for (int w = 0; w < windows.Length; w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) forward(x, y, n);
                windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
                if (windows[w] == 0) break;
            }
            _output.WriteLine($"{name} at {degree} thread(s): bytes per window of 50 calls: {string.Join(", ", windows)}");
            Assert.True(windows.Contains(0), $"{name} at {degree} thread(s): every window allocated ({string.Join(", ", windows)} bytes)");
        }
    }
}
