using System;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>
/// A whole-model call as one parallel job (<see cref="Parallelism.BeginJob"/>): while it is open, the worker threads are
/// this call's, and every <see cref="Parallelism.For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>
/// the calling thread makes (a chain's padded copy, its kernel tasks, the next chain's …) is one step of the job: the
/// workers, spinning between steps, take their share, and the threads meet at a barrier before the next step. So a
/// Forward wakes the workers once, not once per chain. Dispose ends the job and gives the workers back.
/// <para>
/// The rules of a single For still hold: the job takes MaxDegree ÷ (calls in flight) threads and gives workers back when
/// more calls begin; a call that finds the workers busy, or one made inside a task (a nested call), runs inline; a task's
/// exception surfaces from the For of its step. Each step's task → output mapping is that of the For alone, so results are
/// bit-identical for any thread count.
/// </para>
/// </summary>
public readonly struct ParallelJob : IDisposable
{
    private readonly Parallelism.JobScope _scope;

    internal ParallelJob(Parallelism.JobScope scope) => _scope = scope;

    /// <summary>Whether this call owns the worker threads (false: it runs inline or inside an enclosing job).</summary>
    public bool OwnsWorkers => _scope == Parallelism.JobScope.Owner;

    /// <summary>Ends the job: the workers leave it and go back to waiting for work.</summary>
    public void Dispose() => Parallelism.EndJob(_scope);
}

public static unsafe partial class Parallelism
{
    /// <summary>What a thread's open <see cref="ParallelJob"/> is.</summary>
    internal enum JobScope
    {
        /// <summary>No job (or one opened inside another call, which adds nothing).</summary>
        None,
        /// <summary>The thread owns the workers: its Fors are steps of the job.</summary>
        Owner,
        /// <summary>The call is counted in flight but did not get the workers (busy, or one thread): its Fors run as alone.</summary>
        Counted,
    }

    /// <summary>
    /// Whether <see cref="BeginJob"/> opens jobs (default true). False makes every parallel loop of a whole-model call
    /// dispatch on its own, as before jobs existed: for measuring what the job saves, not for production.
    /// </summary>
    public static bool WholeCallJobs { get; set; } = true;

    /// <summary>
    /// Opens a job for one whole-model call on this thread; dispose it when the call ends (<c>using var job = …</c>).
    /// Inside a task or inside another open job it does nothing: the enclosing call's rule applies.
    /// </summary>
    public static ParallelJob BeginJob()
    {
        if (t_taskDepth > 0 || t_scope != JobScope.None || !WholeCallJobs) return default;
        int calls = Interlocked.Increment(ref _inFlight);
        int degree = DegreeFor(calls);
        if (degree > 1 && Monitor.TryEnter(Gate))
        {
            try
            {
                AwaitWorkers(); // the workers of the last job have left it
                EnsureWorkers(degree - 1);
                _jobStart = _generation;
                _jobDegree = degree;
                _jobWoken = false; // the first step that needs them wakes them
            }
            catch
            {
                Monitor.Exit(Gate);
                Interlocked.Decrement(ref _inFlight);
                throw;
            }
            t_scope = JobScope.Owner;
            return new ParallelJob(JobScope.Owner);
        }
        t_scope = JobScope.Counted;
        return new ParallelJob(JobScope.Counted);
    }

    internal static void EndJob(JobScope scope)
    {
        if (scope == JobScope.None) return;
        try
        {
            if (scope == JobScope.Owner)
            {
                try
                {
                    int workers = _jobDegree - 1;
                    if (workers > 0 && _jobWoken)
                    {
                        // A last, empty step that no participant takes tasks from; every worker leaves the job after it.
                        // The call returns without waiting for them: the next owner waits (AwaitWorkers) before it sets anything.
                        _count = 0;
                        _degree = 1;
                        _acks = workers;
                        _jobDegree = 1;
                        Publish(workers, wake: false);
                    }
                }
                finally { Monitor.Exit(Gate); }
            }
        }
        finally
        {
            t_scope = JobScope.None;
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
