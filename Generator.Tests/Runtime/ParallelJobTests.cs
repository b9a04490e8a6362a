using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// Parallelism's jobs (what a whole-model Forward opens): every For on the owner's thread is a step, each task of a step
/// runs once, a step sees everything the step before it wrote (the barrier), a task's exception reaches the For of its
/// step, one-task steps run on the caller, and a job opened where it cannot own the workers (nested, or while another
/// call owns them) leaves its Fors to run as they would alone.
/// </summary>
[Collection(MaxDegreeCollection.Name)]
public class ParallelJobTests
{
    private static readonly KernelArguments NoArguments = new(new float[1], new float[1]);

    /// <summary>
    /// Steps of 0, 1, 2, 3, 5, 17 and 64 tasks in one job; each step's task i reads two outputs of the step before
    /// (i and a neighbour another thread may have written) and writes its own. Without the barrier a step would read
    /// values of the step before that. The expected values are the same steps run one after another by this test.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Each_step_of_a_job_sees_the_previous_steps_outputs(int degree)
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = degree;
        int[] counts = { 64, 17, 1, 5, 0, 2, 64, 3, 64, 1, 64 };
        const int N = 64;
        float[] a = Enumerable.Range(0, N).Select(i => (float)(i % 7)).ToArray(), b = new float[N];
        float[] expectedA = (float[])a.Clone(), expectedB = new float[N];
        int[] runs = new int[N];

        for (int repeat = 0; repeat < 20; repeat++)
        {
            using (Parallelism.BeginJob())
            {
                for (int s = 0; s < counts.Length; s++)
                {
                    Array.Clear(runs);
                    // Even steps read a and write b, odd steps the other way round; an output a step does not write keeps its value.
                    float[] from = s % 2 == 0 ? a : b, to = s % 2 == 0 ? b : a;
                    int count = counts[s];
                    Parallelism.For(from, to, count, count, (ref float x0, ref float y0, int n, int task, KernelArguments _) =>
                    {
                        Interlocked.Increment(ref runs[task]);
                        for (int k = task; k < N; k += Math.Max(1, n))
                            Unsafe(ref y0, k) = Unsafe(ref x0, k) * 0.5f + Unsafe(ref x0, (k + 13) % N) + 1f;
                    }, NoArguments);
                    Assert.All(runs.Take(count), r => Assert.Equal(1, r));
                    Assert.All(runs.Skip(count), r => Assert.Equal(0, r));

                    float[] eFrom = s % 2 == 0 ? expectedA : expectedB, eTo = s % 2 == 0 ? expectedB : expectedA;
                    if (count > 0)
                        for (int k = 0; k < N; k++) eTo[k] = eFrom[k] * 0.5f + eFrom[(k + 13) % N] + 1f;
                }
            }
            Assert.Equal(expectedA, a);
            Assert.Equal(expectedB, b);
            // Keep the values small: restart from the same input each round.
            for (int i = 0; i < N; i++) { a[i] = expectedA[i] = i % 7; b[i] = expectedB[i] = 0; }
        }
    }

    /// <summary>
    /// A job that owns the workers. Tests of other collections run beside this one and may hold the workers for a
    /// moment (a For of theirs), so try again until this call gets them.
    /// </summary>
    private static ParallelJob OwningJob()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            ParallelJob job = Parallelism.BeginJob();
            if (job.OwnsWorkers) return job;
            job.Dispose();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no job got the workers in 60 s");
            Thread.Sleep(1);
        }
    }

    private static ref float Unsafe(ref float origin, int offset) => ref System.Runtime.CompilerServices.Unsafe.Add(ref origin, offset);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_task_exception_reaches_the_for_of_its_step_and_the_job_goes_on(int degree)
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = degree;
        float[] x = new float[1], y = new float[32];
        using (Parallelism.BeginJob())
        {
            Parallelism.For(x, y, 0, 32, static (ref float x0, ref float y0, int state, int task, KernelArguments a) => Unsafe(ref y0, task) = 1, NoArguments);
            var e = Assert.Throws<InvalidOperationException>(() =>
                Parallelism.For(x, y, 0, 32, static (ref float x0, ref float y0, int state, int task, KernelArguments a) =>
                {
                    if (task == 21) throw new InvalidOperationException("task 21");
                    Unsafe(ref y0, task) = 2;
                }, NoArguments));
            Assert.Equal("task 21", e.Message);
            // Every other task of the failed step still ran (the step completes before the exception is rethrown).
            Assert.All(y.Where((_, i) => i != 21), v => Assert.Equal(2f, v));
            Parallelism.For(x, y, 0, 32, static (ref float x0, ref float y0, int state, int task, KernelArguments a) => Unsafe(ref y0, task) = 3, NoArguments);
            Assert.All(y, v => Assert.Equal(3f, v));
        }
        // An exception in the caller's own code ends the job through Dispose as well; the pool works afterwards.
        Assert.Throws<TimeoutException>((Action)(() =>
        {
            using var job = Parallelism.BeginJob();
            Parallelism.For(x, y, 0, 32, static (ref float x0, ref float y0, int state, int task, KernelArguments a) => Unsafe(ref y0, task) = 4, NoArguments);
            throw new TimeoutException("between steps");
        }));
        Parallelism.For(x, y, 0, 32, static (ref float x0, ref float y0, int state, int task, KernelArguments a) => Unsafe(ref y0, task) = 5, NoArguments);
        Assert.All(y, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void A_step_of_one_task_runs_on_the_calling_thread()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        float[] x = new float[1], y = new float[1];
        var threads = new ConcurrentBag<int>();
        using (OwningJob())
        {
            for (int i = 0; i < 50; i++)
                Parallelism.For(x, y, 0, 1, (ref float x0, ref float y0, int state, int task, KernelArguments a) => threads.Add(Environment.CurrentManagedThreadId), NoArguments);
        }
        Assert.Equal(50, threads.Count);
        Assert.All(threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
    }

    [Fact]
    public void A_job_opened_inside_a_task_or_beside_an_owning_job_runs_inline()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        float[] x = new float[1], y = new float[8];
        bool[] nestedOwns = new bool[8];
        var nestedThreads = new ConcurrentBag<(int Outer, int Inner)>();
        using (OwningJob())
        {
            Assert.True(Parallelism.CallsInFlight >= 1); // this job (and perhaps another test's call)
            using (var inner = Parallelism.BeginJob()) Assert.False(inner.OwnsWorkers); // a job inside a job adds nothing
            Parallelism.For(x, y, 0, 8, (ref float x0, ref float y0, int state, int task, KernelArguments a) =>
            {
                int outer = Environment.CurrentManagedThreadId;
                using var nested = Parallelism.BeginJob();
                nestedOwns[task] = nested.OwnsWorkers;
                Parallelism.For(x, y, 0, 4, (ref float x1, ref float y1, int s, int t, KernelArguments b) => nestedThreads.Add((outer, Environment.CurrentManagedThreadId)), NoArguments);
            }, NoArguments);

            // Another thread's call while this job owns the workers: it does not get them, and runs on its own thread.
            bool otherOwns = true;
            var otherThreads = new ConcurrentBag<int>();
            int otherId = 0;
            var other = new Thread(() =>
            {
                otherId = Environment.CurrentManagedThreadId;
                using var second = Parallelism.BeginJob();
                otherOwns = second.OwnsWorkers;
                Parallelism.For(x, y, 0, 6, (ref float x1, ref float y1, int s, int t, KernelArguments b) => otherThreads.Add(Environment.CurrentManagedThreadId), NoArguments);
            });
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(30)), "the second caller did not finish");
            Assert.False(otherOwns);
            Assert.Equal(6, otherThreads.Count);
            Assert.All(otherThreads, id => Assert.Equal(otherId, id));
        }
        Assert.All(nestedOwns, Assert.False);
        Assert.Equal(32, nestedThreads.Count);
        Assert.All(nestedThreads, pair => Assert.Equal(pair.Outer, pair.Inner)); // a nested For runs on its task's thread
    }

    [Fact]
    public void Many_threads_opening_jobs_at_once_each_get_every_task_run_once()
    {
        using var restore = new MaxDegreeScope();
        Parallelism.MaxDegree = 2;
        const int Callers = 6, Rounds = 200, Tasks = 9;
        int[][] runs = Enumerable.Range(0, Callers).Select(_ => new int[Rounds * 3 * Tasks]).ToArray();
        bool done = DedicatedThreads.Run(Callers, c =>
        {
            float[] x = new float[1], y = new float[1];
            for (int round = 0; round < Rounds; round++)
            {
                using var job = Parallelism.BeginJob();
                for (int step = 0; step < 3; step++)
                {
                    int offset = (round * 3 + step) * Tasks;
                    int[] mine = runs[c];
                    Parallelism.For(x, y, offset, Tasks, (ref float x0, ref float y0, int first, int task, KernelArguments a) => Interlocked.Increment(ref mine[first + task]), NoArguments);
                }
            }
        }, TimeSpan.FromMinutes(2));
        Assert.True(done, $"concurrent jobs did not finish (deadlock?); {Parallelism.Describe()}");
        Assert.All(runs, r => Assert.All(r, n => Assert.Equal(1, n)));
    }
}
