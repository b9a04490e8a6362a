using System;
using System.Linq;
using System.Threading.Tasks;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>Every task computes its own outputs with a fixed reduction order, so any thread count gives the same bits.</summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ThreadingTests
{
    [Theory]
    [InlineData("conv_wide_tail_channels")]
    [InlineData("conv_gn_silu")]
    [InlineData("conv_silu_maxpool")]
    [InlineData("conv_in_relu")]
    [InlineData("linear_bn1d_relu")]
    public void Thread_counts_1_2_and_3_give_identical_outputs(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(name));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(golden);
        float[] input = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];

        using var restore = new MaxDegreeScope();
        float[][] outputs = new[] { 1, 2, 3 }.Select(threads =>
        {
            Parallelism.MaxDegree = threads;
            return model.Forward(input, batch);
        }).ToArray();
        Assert.Equal(outputs[0], outputs[1]);
        Assert.Equal(outputs[0], outputs[2]);
    }

    [Fact]
    public void One_model_called_from_8_threads_at_once_matches_sequential_calls()
    {
        ChainCase chain = ChainCases.Get("conv_gn_silu");
        using SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(chain.Name));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(golden);
        var random = new Random(4);
        float[][] inputs = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 2 * model.InputSize).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        float[][] sequential = inputs.Select(x => model.Forward(x, 2)).ToArray();
        float[][] concurrent = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (int repeat = 0; repeat < 20; repeat++) concurrent[i] = model.Forward(inputs[i], 2);
        });
        for (int i = 0; i < 8; i++) Assert.Equal(sequential[i], concurrent[i]);
    }
}

/// <summary>The worker pool itself: every task runs once, and a task's exception reaches the caller.</summary>
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class ParallelismTests
{
    [Fact]
    public void Every_task_runs_exactly_once()
    {
        float[] x = new float[1], y = new float[64];
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 3;
        Parallelism.For(x, y, 1, 64, static (ref float x0, ref float y0, int batch, int task, KernelArguments a) =>
            System.Runtime.CompilerServices.Unsafe.Add(ref y0, task) += task + 1, new KernelArguments(new float[1], new float[1]));
        Assert.Equal(Enumerable.Range(1, 64).Select(i => (float)i), y);
    }

    [Fact]
    public void A_task_exception_reaches_the_caller()
    {
        float[] x = new float[1], y = new float[1];
        var e = Assert.Throws<InvalidOperationException>(() =>
            Parallelism.For(x, y, 1, 16, static (ref float x0, ref float y0, int batch, int task, KernelArguments a) =>
            {
                if (task == 11) throw new InvalidOperationException("task 11");
            }, new KernelArguments(new float[1], new float[1])));
        Assert.Equal("task 11", e.Message);
        // The pool still works afterwards.
        Every_task_runs_exactly_once();
    }
}
