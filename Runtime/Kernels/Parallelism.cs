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
/// The workers run jobs. A job is a list of steps published one at a time by the thread that owns the workers: each
/// step is one <see cref="For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>'s tasks, and the
/// threads meet at a barrier after it (the owner waits until every worker has finished the step). A For called alone is
/// a job of one step. A whole-model Forward opens a <see cref="ParallelJob"/> (<see cref="BeginJob"/>), so its workers are
/// woken once per call and wait for the next step spinning instead of blocking between the chains.
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

    // The step being run: set under Gate by the owner before it publishes the step (bumps _generation).
    private static KernelTask? _task;
    private static ResidualKernelTask? _residualTask;
    private static KernelArguments? _arguments;
    private static float* _x, _y, _skip;
    private static int _state, _count, _degree;
    // Tasks are dealt in contiguous ranges, one per participant (the caller is participant 0, worker i is i + 1):
    // participant p takes tasks from range p first, then from the others' ranges. So in calls of the same shape
    // the same thread touches the same channels (the padded copy's planes and the kernel's blocks that read them
    // stay in one core's cache from call to call), while a late thread's range is still taken over by the others.
    // _next[p * Stride] is range p's next task; the counters sit a cache line apart.
    private const int Stride = 16;
    private static int[] _next = new int[Stride];
    private static Exception? _failure; // the first exception a task threw, rethrown on the caller's thread

    // The job: _generation counts published steps (a worker waits for it to move past the last step it ran);
    // _jobStart is its value when the job began; _jobDegree the participants still in the job (the owner and workers
    // 1 … _jobDegree − 1); _acks the workers that have not finished the current step (the barrier; after a job's
    // last step nobody waits for it: the next owner does, before it sets anything). _jobWoken: the job's workers are awake.
    private static int _generation, _jobStart, _jobDegree, _acks;
    private static bool _jobWoken;

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
    private static int CurrentDegree() => t_taskDepth > 0 ? 1 : t_scope switch
    {
        JobScope.Owner => Math.Min(_jobDegree, DegreeFor(Volatile.Read(ref _inFlight))),
        JobScope.Counted => DegreeFor(Volatile.Read(ref _inFlight)),
        _ => DegreeFor(Volatile.Read(ref _inFlight) + 1), // the calls in progress and this one
    };

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

    /// <summary>Calls in progress on any thread right now (for tests and diagnostics).</summary>
    public static int CallsInFlight => Volatile.Read(ref _inFlight);

    private static void For(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        if (t_taskDepth > 0) { RunInline(x, y, skip, state, count, task, residualTask, arguments); return; } // nested in a task
        switch (t_scope)
        {
            case JobScope.Owner: // a step of this thread's job
                RunStep(x, y, skip, state, count, task, residualTask, arguments);
                return;
            case JobScope.Counted: // inside a call that is already counted in flight but did not get the workers
                RunAlone(x, y, skip, state, count, task, residualTask, arguments, Volatile.Read(ref _inFlight));
                return;
        }
        int calls = Interlocked.Increment(ref _inFlight);
        try { RunAlone(x, y, skip, state, count, task, residualTask, arguments, calls); }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    /// <summary>A For outside a job: a job of one step on the workers, or inline when it gets one thread or they are busy.</summary>
    private static void RunAlone(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments, int calls)
    {
        int degree = Math.Min(DegreeFor(calls), count);
        if (degree <= 1 || !Monitor.TryEnter(Gate))
        {
            RunInline(x, y, skip, state, count, task, residualTask, arguments);
            return;
        }
        try
        {
            AwaitWorkers(); // the workers of the last job have left it
            EnsureWorkers(degree - 1);
            _jobStart = _generation;
            _jobDegree = degree;
            // The step's fields are set and published before the workers are woken, so they start on it at once;
            // it is the job's last step (job degree 1 afterwards), so they leave the job when they have finished it.
            RunPublished(x, y, skip, state, count, task, residualTask, arguments, degree, 1, wake: true);
        }
        finally { Monitor.Exit(Gate); }
    }

    /// <summary>One step of the owner's job: inline when only the owner would take tasks, else published to the job's workers.</summary>
    private static void RunStep(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        // Concurrent calls that began since the job did shrink it (never grow it): the workers past its share leave after this step.
        int stays = Math.Min(_jobDegree, DegreeFor(Volatile.Read(ref _inFlight)));
        if (!_jobWoken) _jobDegree = stays; // no worker is in the job yet: shrinking needs no step
        int degree = Math.Min(stays, count);
        if (degree <= 1 && stays == _jobDegree)
        {
            // A step of one task (or none): the owner runs it while the workers wait for the next step. Publishing it
            // would only add the barrier's round trip and keep the owner waiting for a worker to report.
            RunInline(x, y, skip, state, count, task, residualTask, arguments);
            return;
        }
        // The job's first published step wakes its workers (so a job whose steps all ran inline never wakes them).
        bool wake = !_jobWoken;
        _jobWoken = true;
        RunPublished(x, y, skip, state, count, task, residualTask, arguments, Math.Max(1, degree), stays, wake);
    }

    /// <summary>
    /// Publishes a step of <paramref name="count"/> tasks shared by participants 0 … <paramref name="degree"/> − 1, runs the
    /// owner's share, and waits at the barrier until every worker of the job has finished it (so the next step may reuse the
    /// fields). Afterwards the job has <paramref name="jobDegreeAfter"/> participants: workers past that leave it.
    /// Rethrows the first exception a task threw.
    /// </summary>
    private static void RunPublished(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments, int degree, int jobDegreeAfter, bool wake)
    {
        fixed (float* px = &MemoryMarshal.GetReference(x))
        fixed (float* py = &MemoryMarshal.GetReference(y))
        fixed (float* ps = &MemoryMarshal.GetReference(skip))
        {
            _task = task; _residualTask = residualTask; _arguments = arguments; _x = px; _y = py; _skip = ps; _state = state; _count = count;
            _degree = degree;
            for (int p = 0; p < degree; p++) _next[p * Stride] = RangeStart(p) - 1;
            _failure = null;
            int workers = _jobDegree - 1;
            _acks = workers;
            _jobDegree = jobDegreeAfter;
            Publish(workers, wake);
            Drain(0);
            AwaitWorkers();
            _task = null; _residualTask = null; _arguments = null; _x = null; _y = null; _skip = null;
            if (_failure is { } failure)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>Makes the step set in the fields visible to the job's <paramref name="workers"/> workers, waking those that sleep.</summary>
    private static void Publish(int workers, bool wake)
    {
        Interlocked.Increment(ref _generation); // a full fence: the step's fields are written before it
        for (int i = 0; i < workers; i++)
        {
            if (wake) _workers![i].Wake(); // the first step of a job: the workers are idle
            else _workers![i].Unpark(); // later steps: only a worker that stopped spinning needs a wake-up
        }
    }

    /// <summary>The barrier: spins until every worker of the job has finished the current step (or left the last job).</summary>
    private static void AwaitWorkers()
    {
        var spinner = new SpinWait();
        while (Volatile.Read(ref _acks) > 0) spinner.SpinOnce(sleep1Threshold: -1);
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

    private static int RangeStart(int participant) => (int)((long)_count * participant / _degree);

    /// <summary>Takes tasks until none are left, its own range first; the owner and every participating worker run this.</summary>
    private static void Drain(int participant)
    {
        KernelTask? task = _task;
        ResidualKernelTask? residualTask = _residualTask;
        KernelArguments arguments = _arguments!;
        int count = _count, state = _state, degree = _degree;
        ref float x0 = ref *_x;
        ref float y0 = ref *_y;
        ref float s0 = ref *_skip;
        t_taskDepth++;
        for (int k = 0; k < degree; k++)
        {
            int range = (participant + k) % degree;
            int end = range + 1 == degree ? count : RangeStart(range + 1);
            while (true)
            {
                int i = Interlocked.Increment(ref _next[range * Stride]);
                if (i >= end) break;
                try
                {
                    if (residualTask is not null) residualTask(ref x0, ref y0, ref s0, state, i, arguments);
                    else task!(ref x0, ref y0, state, i, arguments);
                }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
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
        _next = new int[(workers.Length + 1) * Stride];
        _workers = workers;
    }

    private sealed class Worker
    {
        private static readonly long SpinTicks = TimeSpan.FromMicroseconds(100).Ticks;
        private readonly SemaphoreSlim _wake = new(0);
        private readonly int _participant; // the caller is participant 0
        private int _parked; // 1 while the worker, inside a job, sleeps on _wake waiting for the next step

        public Worker(int index)
        {
            _participant = index + 1;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FusedNorm worker {index + 1}" };
            thread.Start();
        }

        public void Wake() => _wake.Release();

        /// <summary>Wakes the worker if it stopped spinning for the next step (called after the step is published).</summary>
        public void Unpark()
        {
            if (Interlocked.Exchange(ref _parked, 0) == 1) _wake.Release();
        }

        private void Loop()
        {
            while (true)
            {
                // Stay awake for 100 µs before blocking: calls to chain methods (or Forwards) often come back to
                // back, and waking a blocked thread costs tens of microseconds, which the caller would wait for.
                var spinner = new SpinWait();
                long since = Stopwatch.GetTimestamp();
                while (_wake.CurrentCount == 0 && Stopwatch.GetElapsedTime(since).Ticks < SpinTicks)
                    spinner.SpinOnce(sleep1Threshold: -1); // spins, then yields the core to other ready threads
                _wake.Wait();
                RunJob();
            }
        }

        /// <summary>The steps of one job: wait for a step, take tasks if it needs this worker, report at the barrier; until the job lets it go.</summary>
        private void RunJob()
        {
            int seen = Volatile.Read(ref _jobStart);
            while (true)
            {
                seen = WaitForStep(seen);
                // Read before reporting: once every worker has reported, the owner may publish the next step.
                bool stays = _participant < Volatile.Read(ref _jobDegree);
                if (_participant < _degree) Drain(_participant);
                Interlocked.Decrement(ref _acks);
                if (!stays) return;
            }
        }

        /// <summary>Spins until a step after <paramref name="seen"/> is published (then sleeps until the owner wakes it); returns its generation.</summary>
        private int WaitForStep(int seen)
        {
            var spinner = new SpinWait();
            long since = Stopwatch.GetTimestamp();
            while (true)
            {
                int generation = Volatile.Read(ref _generation);
                if (generation != seen) return generation;
                if (Stopwatch.GetElapsedTime(since).Ticks < SpinTicks) { spinner.SpinOnce(sleep1Threshold: -1); continue; }
                // The owner is busy with work of its own (an inline step): sleep. Parked, then look once more: the owner
                // publishes, then clears _parked and releases; whichever of the two clears _parked decides who waits.
                Interlocked.Exchange(ref _parked, 1);
                if (Volatile.Read(ref _generation) != seen && Interlocked.Exchange(ref _parked, 0) == 1) continue;
                _wake.Wait();
                spinner = new SpinWait();
                since = Stopwatch.GetTimestamp();
            }
        }
    }
}
