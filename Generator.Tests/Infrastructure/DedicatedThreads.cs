using System;
using System.Threading;

namespace FusedNorm.Tests.Infrastructure;

/// <summary>
/// Runs a test's concurrent callers on threads of their own, not the thread pool: other test classes compile models with
/// Roslyn in parallel, which can keep the pool's threads busy for minutes on a 2-core machine, and a timeout meant to catch a
/// deadlock in FusedNorm must not fire because a pool work item waited in the queue.
/// </summary>
public static class DedicatedThreads
{
    /// <summary>
    /// Runs <paramref name="body"/>(0 … count − 1) on <paramref name="count"/> new threads and waits for them; false if they
    /// have not all finished within <paramref name="timeout"/>. The first exception a body threw is rethrown here.
    /// </summary>
    public static bool Run(int count, Action<int> body, TimeSpan timeout)
    {
        Exception? failure = null;
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                try { body(index); }
                catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
            }) { IsBackground = true, Name = $"test caller {index}" };
            threads[i].Start();
        }
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        foreach (Thread thread in threads)
            if (!thread.Join(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)))) return false;
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return true;
    }
}
