using System;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>
/// A whole-model call as one parallel job (<see cref="Parallelism.BeginJob"/>): while it is open, the worker threads are
/// this call's, and every <see cref="Parallelism.For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>
/// the calling thread makes (a chain's padded copy, its kernel tasks, the next chain's …) is one step of the job: the
/// workers, spinning between steps, take their share, and the caller waits at a barrier until the step's tasks are done
/// before it publishes the next. So a call takes the workers once, not once per loop, and no other call's step comes
/// between its steps. A step of one task runs on the calling thread. Dispose ends the job and gives the workers back.
/// <para>
/// The rules of a single For still hold: each step takes MaxDegree ÷ (calls in flight) threads (fewer when more calls
/// begin); a call that finds the workers busy, or one made inside a task (a nested call), runs inline; a task's
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

    /// <summary>Ends the job: another call may take the workers.</summary>
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
        if (DegreeFor(calls) > 1 && Monitor.TryEnter(Gate))
        {
            t_scope = JobScope.Owner;
            return new ParallelJob(JobScope.Owner);
        }
        t_scope = JobScope.Counted;
        return new ParallelJob(JobScope.Counted);
    }

    internal static void EndJob(JobScope scope)
    {
        if (scope == JobScope.None) return;
        // Nothing to tell the workers: every step of the job has finished, and they wait for the next owner's steps.
        if (scope == JobScope.Owner) Monitor.Exit(Gate);
        t_scope = JobScope.None;
        Interlocked.Decrement(ref _inFlight);
    }
}
