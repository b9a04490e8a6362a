using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>What one task of a generated kernel needs besides the input and output: its packed weights and norm state.</summary>
public sealed class KernelArguments
{
    /// <summary>Bundles a chain's packed weights, bias and norm state once, at load.</summary>
    public KernelArguments(float[] weights, float[] bias, NormState? norm = null)
    {
        Weights = weights;
        Bias = bias;
        Norm = norm;
    }

    /// <summary>The packed (BatchNorm-folded where eval mode allows) weights.</summary>
    public float[] Weights { get; }
    /// <summary>The bias per output channel (folded).</summary>
    public float[] Bias { get; }
    /// <summary>The norm's parameters and statistics when it is not folded; else null.</summary>
    public NormState? Norm { get; }
    /// <summary>The conv's pre-activation (a BatchNorm and/or activation applied to its input as its copy is made), if any.</summary>
    public PreActivation? PreActivation { get; init; }
}

/// <summary>
/// One task of a chain: task index <paramref name="task"/> of the work split the kernel chose. <paramref name="state"/>
/// is the value the kernel passed to <see cref="Parallelism.For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>, the same for every task of the call: the batch,
/// or what the tasks need to decode their index (a banded kernel's row bands).
/// </summary>
public delegate void KernelTask(ref float x, ref float y, int state, int task, KernelArguments arguments);

/// <summary>A task of a chain with a residual add: <see cref="KernelTask"/> plus the tensor the epilogue adds (<paramref name="skip"/>, laid out as y).</summary>
public delegate void ResidualKernelTask(ref float x, ref float y, ref float skip, int state, int task, KernelArguments arguments);

/// <summary>
/// Runs a kernel's tasks on persistent worker threads. Each task writes its own part of the output and reduces
/// its own statistics in a fixed order, so the result is bit-identical for every degree of parallelism. A call
/// allocates nothing: the workers are started once, and the caller's thread takes tasks too. Concurrent calls share
/// the threads: each takes MaxDegree ÷ (calls in flight), and one that finds the workers busy (or nested in a task)
/// runs its tasks on the calling thread.
/// <para>
/// The thread that owns the workers (it holds <c>Gate</c>) publishes steps one at a time: a step is one For's tasks. The
/// workers follow the published steps (spinning between them, sleeping after 100 µs without one), take tasks of the
/// current step, their own range first, and the owner waits until every task of the step has finished (the barrier)
/// before it publishes the next. A task is claimed by a compare-and-swap on a counter tagged with its step, so a worker
/// that arrives late finds the step over and claims nothing: the owner never waits for a worker that took no task.
/// A For alone owns the workers for one step; a whole-model Forward opens a <see cref="ParallelJob"/> (<see cref="BeginJob"/>)
/// and owns them for all the steps of the call.
/// </para>
/// </summary>
public static unsafe partial class Parallelism
{
    private static int _maxDegree = Environment.ProcessorCount;

    /// <summary>Threads a Forward may use, the calling thread included. Defaults to the processor count; 1 runs inline.</summary>
    public static int MaxDegree
    {
        get => _maxDegree;
        set => _maxDegree = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegree must be at least 1.");
    }

    // Held by the thread that owns the workers, for one For or for a whole ParallelJob.
    private static readonly object Gate = new();
    private static Worker[]? _workers;

    // The current step: written by the owner while _generation is odd, published when it turns even.
    private static KernelTask? _task;
    private static ResidualKernelTask? _residualTask;
    private static KernelArguments? _arguments;
    private static float* _x, _y, _skip;
    private static int _state, _count, _degree;
    private static int _generation; // odd while a step is being written; a published step's number is even
    private static int _done; // tasks of the current step finished
    // Tasks are dealt in contiguous ranges, one per participant (the caller is participant 0, worker i is i + 1):
    // participant p takes tasks from range p first, then from the others' ranges. So in calls of the same shape
    // the same thread touches the same channels (the padded copy's planes and the kernel's blocks that read them
    // stay in one core's cache from call to call), while a late thread's range is still taken over by the others.
    // _next[p * Stride] is range p's next task in its low 32 bits and the step's number in its high 32 bits (a
    // claim of a task of a finished step fails); the counters sit a cache line apart.
    private const int Stride = 8;
    private static long[] _next = new long[Stride];
    private static Exception? _failure; // the first exception a task threw, rethrown on the caller's thread

    // Per thread: inside a task (a nested call runs inline), and the kind of job scope this thread has open.
    [ThreadStatic] private static int t_taskDepth;
    [ThreadStatic] private static JobScope t_scope;

    /// <summary>Tasks per thread a banded kernel aims for: enough that a thread that starts late finds work left.</summary>
    public const int TasksPerThread = 4;

    /// <summary>
    /// Row bands per (sample, channel block) for a kernel whose unbanded work is <paramref name="tasks"/> tasks, at most
    /// <paramref name="most"/> (the generator's limit for the shape): 1 when a call runs on one thread, else enough for
    /// about <see cref="TasksPerThread"/> tasks per thread. The kernel reads it once per call and passes it to its tasks,
    /// so a change of <see cref="MaxDegree"/> during a call cannot split one call two ways. Banding never changes a
    /// result: every output is computed by the same operations whichever band computes it.
    /// </summary>
    public static int RowBands(int tasks, int most) => RowBandsAt(tasks, most, CurrentDegree());

    /// <summary><see cref="RowBands"/> for a call that gets <paramref name="degree"/> threads (the rule alone, without the calls in flight).</summary>
    public static int RowBandsAt(int tasks, int most, int degree)
    {
        if (degree <= 1 || most <= 1 || tasks >= TasksPerThread * degree) return 1;
        return Math.Clamp((TasksPerThread * degree + tasks - 1) / tasks, 1, most);
    }

    /// <summary>The threads the next For on this thread would get (before it is limited by its task count).</summary>
    private static int CurrentDegree() =>
        t_taskDepth > 0 ? 1 // nested in a task: inline
        : t_scope != JobScope.None ? DegreeFor(Volatile.Read(ref _inFlight)) // this call is counted already
        : DegreeFor(Volatile.Read(ref _inFlight) + 1); // the calls in progress and this one

    /// <summary>Runs <paramref name="count"/> tasks of a chain on the calling thread and the pool's workers, as many as the call's share of <see cref="Parallelism.MaxDegree"/>.</summary>
    public static void For(ReadOnlySpan<float> x, Span<float> y, int state, int count, KernelTask task, KernelArguments arguments) =>
        For(x, y, default, state, count, task, null, arguments);

    /// <summary>The tasks of a chain with a residual add: as <see cref="For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>, each task also gets the skip tensor.</summary>
    public static void For(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, ResidualKernelTask task, KernelArguments arguments) =>
        For(x, y, skip, state, count, null, task, arguments);

    /// <summary>
    /// Calls in progress on any thread (a <see cref="ParallelJob"/> counts once for its whole duration; a For outside
    /// one counts while it runs, inline ones included). A service calls one model from several request threads; when they
    /// overlap, each call takes an equal share of <see cref="MaxDegree"/> (on 2 cores with 2 calls in flight: 1 thread
    /// each, inline), so the threads never outnumber the cores and no caller spin-waits for a worker that another
    /// caller's thread is keeping off its core.
    /// </summary>
    private static int _inFlight;

    /// <summary>The threads one of <paramref name="calls"/> concurrent calls may use.</summary>
    private static int DegreeFor(int calls) => Math.Max(1, _maxDegree / Math.Max(1, calls));

    /// <summary>The shared state of the workers, for a test's failure message when a call does not finish.</summary>
    internal static string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.Append($"generation {Volatile.Read(ref _generation)}, done {Volatile.Read(ref _done)} of {_count} (degree {_degree}), in flight {Volatile.Read(ref _inFlight)}, MaxDegree {_maxDegree}, task set {_task is not null || _residualTask is not null}");
        long[] next = _next;
        for (int p = 0; p * Stride < next.Length; p++) text.Append($"; range {p}: step {next[p * Stride] >> 32} task {(uint)next[p * Stride]}");
        if (_workers is { } workers)
            foreach (Worker w in workers) text.Append($"; worker {w.Participant}: {w.State}");
        return text.ToString();
    }

    /// <summary>Calls in progress on any thread right now (for tests and diagnostics).</summary>
    public static int CallsInFlight => Volatile.Read(ref _inFlight);

    private static void For(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        if (t_taskDepth > 0) { RunInline(x, y, skip, state, count, task, residualTask, arguments); return; } // nested in a task
        switch (t_scope)
        {
            case JobScope.Owner: // a step of this thread's job: the workers are this call's already
            {
                int degree = Math.Min(DegreeFor(Volatile.Read(ref _inFlight)), count);
                if (degree <= 1)
                    // One task (or one thread's share): the owner runs it while the workers wait for the next step;
                    // publishing it would only add the barrier's round trip.
                    RunInline(x, y, skip, state, count, task, residualTask, arguments);
                else
                    RunStep(x, y, skip, state, count, task, residualTask, arguments, degree);
                return;
            }
            case JobScope.Counted: // inside a call that is counted in flight already but did not get the workers
                RunAlone(x, y, skip, state, count, task, residualTask, arguments, Volatile.Read(ref _inFlight));
                return;
        }
        int calls = Interlocked.Increment(ref _inFlight);
        try { RunAlone(x, y, skip, state, count, task, residualTask, arguments, calls); }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    /// <summary>A For outside a job: one step on the workers, or inline when it gets one thread or they are busy.</summary>
    private static void RunAlone(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments, int calls)
    {
        int degree = Math.Min(DegreeFor(calls), count);
        if (degree <= 1 || !Monitor.TryEnter(Gate))
        {
            RunInline(x, y, skip, state, count, task, residualTask, arguments);
            return;
        }
        try { RunStep(x, y, skip, state, count, task, residualTask, arguments, degree); }
        finally { Monitor.Exit(Gate); }
    }

    /// <summary>
    /// Publishes a step of <paramref name="count"/> tasks for participants 0 … <paramref name="degree"/> − 1 (the owner holds
    /// Gate), takes tasks itself, and waits until every task has finished: the barrier. Rethrows the first exception a task threw.
    /// </summary>
    private static void RunStep(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments, int degree)
    {
        EnsureWorkers(degree - 1); // MaxDegree may have been raised since the job began
        fixed (float* px = &MemoryMarshal.GetReference(x))
        fixed (float* py = &MemoryMarshal.GetReference(y))
        fixed (float* ps = &MemoryMarshal.GetReference(skip))
        {
            Interlocked.Increment(ref _generation); // odd: a worker that reads the step now reads it again
            _task = task; _residualTask = residualTask; _arguments = arguments; _x = px; _y = py; _skip = ps; _state = state; _count = count;
            _degree = degree;
            _failure = null;
            _done = 0;
            int step = _generation + 1;
            long tag = (long)step << 32;
            for (int p = 0; p < degree; p++) _next[p * Stride] = tag | (uint)RangeStart(p, count, degree);
            Interlocked.Increment(ref _generation); // even: published (a full fence: the fields are written before it)
            for (int i = 0; i < degree - 1; i++) _workers![i].Unpark();

            Drain(ReadStep(), 0, step);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _done) < count) spinner.SpinOnce(sleep1Threshold: -1);
            _task = null; _residualTask = null; _arguments = null; _x = null; _y = null; _skip = null;
            if (_failure is { } failure)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private static void RunInline(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref float s0 = ref MemoryMarshal.GetReference(skip);
        t_taskDepth++;
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (residualTask is not null) residualTask(ref x0, ref y0, ref s0, state, i, arguments);
                else task!(ref x0, ref y0, state, i, arguments);
            }
        }
        finally { t_taskDepth--; }
    }

    private static int RangeStart(int participant, int count, int degree) => (int)((long)count * participant / degree);

    /// <summary>A step as a worker read it (the fields may be rewritten for the next step while it still holds this copy).</summary>
    private readonly struct Step
    {
        public readonly KernelTask? Task;
        public readonly ResidualKernelTask? ResidualTask;
        public readonly KernelArguments? Arguments;
        public readonly float* X, Y, Skip;
        public readonly int State, Count, Degree;

        public Step(KernelTask? task, ResidualKernelTask? residualTask, KernelArguments? arguments, float* x, float* y, float* skip, int state, int count, int degree)
        {
            Task = task; ResidualTask = residualTask; Arguments = arguments; X = x; Y = y; Skip = skip; State = state; Count = count; Degree = degree;
        }
    }

    private static Step ReadStep() => new(_task, _residualTask, _arguments, _x, _y, _skip, _state, _count, _degree);

    /// <summary>
    /// Takes tasks of step number <paramref name="number"/> until none are left, its own range first; the owner and every
    /// participating worker run this. A claim succeeds only while the range's counter still carries the step's number.
    /// </summary>
    private static void Drain(in Step step, int participant, int number)
    {
        long tag = (long)number << 32;
        ref float x0 = ref *step.X;
        ref float y0 = ref *step.Y;
        ref float s0 = ref *step.Skip;
        long[] next = _next;
        t_taskDepth++;
        for (int k = 0; k < step.Degree; k++)
        {
            int range = (participant + k) % step.Degree;
            int end = range + 1 == step.Degree ? step.Count : RangeStart(range + 1, step.Count, step.Degree);
            ref long counter = ref next[range * Stride];
            while (true)
            {
                long claim = Volatile.Read(ref counter);
                if ((claim & ~0xFFFF_FFFFL) != tag) { k = step.Degree; break; } // a later step: this one is over
                int i = (int)(uint)claim;
                if (i >= end) break;
                if (Interlocked.CompareExchange(ref counter, claim + 1, claim) != claim) continue;
                try
                {
                    if (step.ResidualTask is not null) step.ResidualTask(ref x0, ref y0, ref s0, step.State, i, step.Arguments!);
                    else step.Task!(ref x0, ref y0, step.State, i, step.Arguments!);
                }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
                finally { Interlocked.Increment(ref _done); }
            }
        }
        t_taskDepth--;
    }

    private static void EnsureWorkers(int needed)
    {
        if (_workers is not null && _workers.Length >= needed) return;
        var workers = new Worker[Math.Max(needed, Environment.ProcessorCount - 1)];
        for (int i = 0; i < workers.Length; i++)
            workers[i] = i < (_workers?.Length ?? 0) ? _workers![i] : new Worker(i);
        _next = new long[(workers.Length + 1) * Stride];
        _workers = workers;
    }

    private sealed class Worker
    {
        private static readonly long SpinTicks = TimeSpan.FromMicroseconds(100).Ticks;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly int _participant; // the caller is participant 0
        private int _parked; // 1 while the worker sleeps on _wake
        private int _step, _draining; // the step the worker last looked at, and 1 while it takes tasks of it (Describe)

        public int Participant => _participant;
        public string State => $"{(Volatile.Read(ref _draining) == 1 ? "draining" : "waiting after")} step {Volatile.Read(ref _step)}, parked {Volatile.Read(ref _parked)}";

        public Worker(int index)
        {
            _participant = index + 1;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FusedNorm worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Wakes the worker if it sleeps (the owner calls it after publishing a step that needs it).</summary>
        public void Unpark()
        {
            if (Interlocked.Exchange(ref _parked, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            int seen = 0; // the last step this worker looked at
            bool needed = true; // whether the last step took this worker; one that did not sleeps at once
            while (true)
            {
                int number = WaitForStep(seen, spin: needed);
                seen = number;
                Step step = ReadStep();
                Interlocked.MemoryBarrier(); // the fields are read before the number is checked again
                if (Volatile.Read(ref _generation) != number) continue; // rewritten meanwhile: look at the newer step
                needed = _participant < step.Degree;
                Volatile.Write(ref _step, number);
                if (needed) { Volatile.Write(ref _draining, 1); Drain(step, _participant, number); Volatile.Write(ref _draining, 0); }
            }
        }

        /// <summary>
        /// Spins until a step other than <paramref name="seen"/> is published and returns its number. After 100 µs without
        /// one it sleeps until an owner publishes a step that needs it and wakes it: between the steps of a Forward (and
        /// between calls that come back to back) the worker stays awake, since waking a sleeping thread costs tens of
        /// microseconds. A worker the last step did not need (MaxDegree below the pool's size) sleeps at once.
        /// </summary>
        private int WaitForStep(int seen, bool spin)
        {
            var spinner = new SpinWait();
            long since = Stopwatch.GetTimestamp();
            while (true)
            {
                int number = Volatile.Read(ref _generation);
                if (number != seen && (number & 1) == 0) return number;
                if (spin && Stopwatch.GetElapsedTime(since).Ticks < SpinTicks) { spinner.SpinOnce(sleep1Threshold: -1); continue; } // spins, then yields the core to other ready threads
                // Park, then look once more: the owner publishes, then clears _parked and releases; whichever of the two
                // clears _parked decides whether a release is coming that this worker must take.
                Interlocked.Exchange(ref _parked, 1);
                number = Volatile.Read(ref _generation);
                if (number != seen && (number & 1) == 0 && Interlocked.Exchange(ref _parked, 0) == 1) return number;
                _wake.Wait();
                spin = true;
                spinner = new SpinWait();
                since = Stopwatch.GetTimestamp();
            }
        }
    }
}
