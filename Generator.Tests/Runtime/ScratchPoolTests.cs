using System.Collections.Generic;
using System.Linq;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>The per-chain scratch pool: arrays of its length, reused by any thread, no allocation once warm.</summary>
[Collection(MaxDegreeCollection.Name)]
public class ScratchPoolTests
{
    [Fact]
    public void Returned_arrays_are_rented_again_and_a_warm_pool_allocates_nothing()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        var pool = new ScratchPool(64);
        float[][] first = Enumerable.Range(0, 9).Select(_ => pool.Rent()).ToArray(); // more than the initial table of 4
        Assert.All(first, a => Assert.Equal(64, a.Length));
        Assert.Equal(9, first.Distinct().Count());
        foreach (float[] a in first) pool.Return(a);

        var again = new float[9][];
        long before = System.GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 9; i++) again[i] = pool.Rent();
        long allocated = System.GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(new HashSet<float[]>(again).SetEquals(first)); // the same nine arrays, none new
    }

    [Fact]
    public void An_array_returned_on_one_thread_is_rented_on_another()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 1; // the pool keeps one array
        var pool = new ScratchPool(16);
        float[]? returned = null;
        Assert.True(DedicatedThreads.Run(1, _ => { returned = pool.Rent(); pool.Return(returned); }, System.TimeSpan.FromSeconds(30)));
        Assert.Same(returned, pool.Rent());
    }

    [Fact]
    public void The_first_miss_keeps_an_array_for_each_thread_of_the_degree()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 3;
        var pool = new ScratchPool(32);
        pool.Return(pool.Rent()); // one task at a time so far: the pool still holds 3 arrays
        var overlapping = new float[3][];
        long before = System.GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) overlapping[i] = pool.Rent(); // 3 tasks in flight at once
        Assert.Equal(0, System.GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3, overlapping.Distinct().Count());
    }
}
