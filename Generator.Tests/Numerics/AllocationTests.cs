using System;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// A Forward in steady state allocates nothing: its scratch buffers come from ArrayPool, its tasks are static
/// lambdas, the worker threads exist already. Counted on the calling thread (the worker threads' allocations are
/// not visible to a per-thread counter, and the process-wide one also counts the tests running beside this one),
/// on one thread and on two, for every kernel kind: folded and batch-statistics BatchNorm, InstanceNorm,
/// GroupNorm, LayerNorm, row-banded and pooled chains, strided, 1d and 3d convolutions, Linear.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class AllocationTests
{
    [Theory]
    [InlineData("conv_bn_relu")]
    [InlineData("conv_wide_tail_channels")]
    [InlineData("conv_silu_maxpool")]
    [InlineData("conv_bn_relu6_s2")]
    [InlineData("conv_bn_batchstats")]
    [InlineData("conv_in_relu")]
    [InlineData("conv_gn_silu")]
    [InlineData("conv_ln_chw_gelu")]
    [InlineData("conv1d_ln_maxpool")]
    [InlineData("conv3d_bn_relu")]
    [InlineData("linear_bn1d_relu")]
    [InlineData("linear_ln_gelu")]
    public void Forward_allocates_nothing_in_steady_state(string name)
    {
        ChainCase chain = ChainCases.Get(name);
        SafeTensorsFile golden = SafeTensorsFile.Open(GoldenTests.GoldenPath(name));
        CompiledModel model = CompiledModel.Compile(chain.Source(), chain.TypeName);
        model.LoadWeights(golden);
        float[] x = golden.ReadFloat32("input");
        int batch = golden.GetInfo("input").Shape[0];
        float[] y = new float[batch * model.OutputSize];
        Action<float[], float[], int> forward = model.ForwardDelegate();

        using var restore = new MaxDegreeScope();
        foreach (int degree in new[] { 1, 2 })
        {
            Parallelism.MaxDegree = degree;
            for (int i = 0; i < 50; i++) forward(x, y, batch); // tiered JIT, the pools' first rents
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) forward(x, y, batch);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name} at {degree} thread(s): 200 calls allocated {allocated} bytes");
        }
    }
}
