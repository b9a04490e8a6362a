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
/// </summary>
public static unsafe class Parallelism
{
    private static int _maxDegree = Environment.ProcessorCount;

    /// <summary>Threads a Forward may use, the calling thread included. Defaults to the processor count; 1 runs inline.</summary>
    public static int MaxDegree
    {
        get => _maxDegree;
        set => _maxDegree = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegree must be at least 1.");
    }

    private static readonly object Gate = new();
    private static Worker[]? _workers;

    // The job being run: set under Gate by the caller that owns the workers.
    private static KernelTask? _task;
    private static ResidualKernelTask? _residualTask;
    private static KernelArguments? _arguments;
    private static float* _x, _y, _skip;
    private static int _state, _count, _degree, _remaining, _active;
    // Tasks are dealt in contiguous ranges, one per participant (the caller is participant 0, worker i is i + 1):
    // participant p takes tasks from range p first, then from the others' ranges. So in calls of the same shape
    // the same thread touches the same channels (the padded copy's planes and the kernel's blocks that read them
    // stay in one core's cache from call to call), while a late thread's range is still taken over by the others.
    // _next[p * Stride] is range p's next task; the counters sit a cache line apart.
    private const int Stride = 16;
    private static int[] _next = new int[Stride];
    private static Exception? _failure; // the first exception a task threw, rethrown on the caller's thread

    /// <summary>Tasks per thread a banded kernel aims for: enough that a thread that starts late finds work left.</summary>
    public const int TasksPerThread = 4;

    /// <summary>
    /// Row bands per (sample, channel block) for a kernel whose unbanded work is <paramref name="tasks"/> tasks, at most
    /// <paramref name="most"/> (the generator's limit for the shape): 1 when a call runs on one thread, else enough for
    /// about <see cref="TasksPerThread"/> tasks per thread. The kernel reads it once per call and passes it to its tasks,
    /// so a change of <see cref="MaxDegree"/> during a call cannot split one call two ways. Banding never changes a
    /// result: every output is computed by the same operations whichever band computes it.
    /// </summary>
    public static int RowBands(int tasks, int most) =>
        RowBandsAt(tasks, most, DegreeFor(Volatile.Read(ref _inFlight) + 1)); // the calls in progress and this one

    /// <summary><see cref="RowBands"/> for a call that gets <paramref name="degree"/> threads (the rule alone, without the calls in flight).</summary>
    public static int RowBandsAt(int tasks, int most, int degree)
    {
        if (degree <= 1 || most <= 1 || tasks >= TasksPerThread * degree) return 1;
        return Math.Clamp((TasksPerThread * degree + tasks - 1) / tasks, 1, most);
    }

    /// <summary>Runs <paramref name="count"/> tasks of a chain on the calling thread and the pool's workers, as many as the call's share of <see cref="Parallelism.MaxDegree"/>.</summary>
    public static void For(ReadOnlySpan<float> x, Span<float> y, int state, int count, KernelTask task, KernelArguments arguments) =>
        For(x, y, default, state, count, task, null, arguments);

    /// <summary>The tasks of a chain with a residual add: as <see cref="For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/>, each task also gets the skip tensor.</summary>
    public static void For(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, ResidualKernelTask task, KernelArguments arguments) =>
        For(x, y, skip, state, count, null, task, arguments);

    /// <summary>
    /// Jobs in progress on any thread (<see cref="For(ReadOnlySpan{float}, Span{float}, int, int, KernelTask, KernelArguments)"/> calls,
    /// inline ones included). A service calls one model from several request threads; when they overlap, each call takes
    /// an equal share of <see cref="MaxDegree"/> (on 2 cores with 2 calls in flight: 1 thread each, inline), so the
    /// threads never outnumber the cores and no caller spin-waits for a worker that another caller's thread is keeping
    /// off its core.
    /// </summary>
    private static int _inFlight;

    /// <summary>The threads one of <paramref name="calls"/> concurrent calls may use.</summary>
    private static int DegreeFor(int calls) => Math.Max(1, _maxDegree / Math.Max(1, calls));

    /// <summary>Calls in progress on any thread right now (for tests and diagnostics).</summary>
    public static int CallsInFlight => Volatile.Read(ref _inFlight);

    private static void For(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        int calls = Interlocked.Increment(ref _inFlight);
        try
        {
            int degree = Math.Min(DegreeFor(calls), count);
            if (degree <= 1 || !Monitor.TryEnter(Gate))
                RunInline(x, y, skip, state, count, task, residualTask, arguments);
            else
                RunOnWorkers(x, y, skip, state, count, task, residualTask, arguments, degree);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The job on the caller and <paramref name="degree"/> − 1 workers; the caller holds <see cref="Gate"/>.</summary>
    private static void RunOnWorkers(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments, int degree)
    {
        try
        {
            EnsureWorkers(degree - 1);
            fixed (float* px = &MemoryMarshal.GetReference(x))
            fixed (float* py = &MemoryMarshal.GetReference(y))
            fixed (float* ps = &MemoryMarshal.GetReference(skip))
            {
                _task = task; _residualTask = residualTask; _arguments = arguments; _x = px; _y = py; _skip = ps; _state = state; _count = count;
                _degree = degree;
                for (int p = 0; p < degree; p++) _next[p * Stride] = RangeStart(p) - 1;
                _remaining = count;
                _failure = null;
                _active = degree - 1;
                for (int i = 0; i < degree - 1; i++) _workers![i].Wake();
                Drain(0);
                // Wait until every task is done and every woken worker has left Drain, so none can see the next job half set.
                var spinner = new SpinWait();
                while (Volatile.Read(ref _remaining) > 0 || Volatile.Read(ref _active) > 0) spinner.SpinOnce(sleep1Threshold: -1);
                _task = null; _residualTask = null; _arguments = null; _x = null; _y = null; _skip = null;
                if (_failure is { } failure)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void RunInline(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> skip, int state, int count, KernelTask? task, ResidualKernelTask? residualTask, KernelArguments arguments)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref float s0 = ref MemoryMarshal.GetReference(skip);
        for (int i = 0; i < count; i++)
        {
            if (residualTask is not null) residualTask(ref x0, ref y0, ref s0, state, i, arguments);
            else task!(ref x0, ref y0, state, i, arguments);
        }
    }

    private static int RangeStart(int participant) => (int)((long)_count * participant / _degree);

    /// <summary>Takes tasks until none are left, its own range first; the caller and every woken worker run this.</summary>
    private static void Drain(int participant)
    {
        KernelTask? task = _task;
        ResidualKernelTask? residualTask = _residualTask;
        KernelArguments arguments = _arguments!;
        int count = _count, state = _state, degree = _degree;
        ref float x0 = ref *_x;
        ref float y0 = ref *_y;
        ref float s0 = ref *_skip;
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
                finally { Interlocked.Decrement(ref _remaining); }
            }
        }
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

        public Worker(int index)
        {
            _participant = index + 1;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FusedNorm worker {index + 1}" };
            thread.Start();
        }

        public void Wake() => _wake.Release();

        private void Loop()
        {
            while (true)
            {
                // Stay awake for 100 µs before blocking: a Forward runs several jobs back to back (the padded copy,
                // then the kernel; then the next chain), and waking a blocked thread costs tens of microseconds,
                // which the caller would otherwise wait for on each job.
                var spinner = new SpinWait();
                long since = Stopwatch.GetTimestamp();
                while (_wake.CurrentCount == 0 && Stopwatch.GetElapsedTime(since).Ticks < SpinTicks)
                    spinner.SpinOnce(sleep1Threshold: -1); // spins, then yields the core to other ready threads
                _wake.Wait();
                Drain(_participant);
                Interlocked.Decrement(ref _active);
            }
        }
    }
}
