using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// Calls that overlap share the threads: while another call is in flight, a call on 2 threads' worth of MaxDegree takes
/// 1 (it runs inline on its own thread), so concurrent callers never put more threads than cores to work.
/// </summary>
[Collection(MaxDegreeCollection.Name)]
public class ConcurrentCallTests
{
    [Fact]
    public void A_call_made_while_another_is_in_flight_runs_on_its_own_thread()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        var arguments = new KernelArguments(Array.Empty<float>(), Array.Empty<float>());
        float[] x = new float[1], y = new float[1];
        using var blocking = new ManualResetEventSlim(false);
        using var started = new ManualResetEventSlim(false);

        // Call B: one task (so it runs inline and does not hold the workers), blocked until the test releases it.
        var b = new Thread(() => Parallelism.For(x, y, 0, 1, (ref float x0, ref float y0, int state, int task, KernelArguments a) =>
        {
            started.Set();
            blocking.Wait();
        }, arguments));
        b.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)), "call B did not start");
        Assert.True(Parallelism.CallsInFlight >= 1);

        // Call A: 8 tasks of 1 ms. With B in flight, its share of MaxDegree 2 is 1 thread: every task runs on this thread.
        var threads = new ConcurrentBag<int>();
        Parallelism.For(x, y, 0, 8, (ref float x0, ref float y0, int state, int task, KernelArguments a) =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            Thread.Sleep(1);
        }, arguments);
        // A banded kernel started now would not split its rows either: its share is 1 thread.
        Assert.Equal(1, Parallelism.RowBands(tasks: 1, most: 16));
        blocking.Set();
        Assert.True(b.Join(TimeSpan.FromSeconds(10)), "call B did not finish");

        Assert.Equal(8, threads.Count);
        Assert.All(threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
    }
}
