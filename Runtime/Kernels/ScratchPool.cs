using System;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>
/// Scratch arrays of one length for one chain's tasks (a static field of its kernel class), shared by every thread: a
/// task takes one, uses it, and gives it back. Unlike ArrayPool.Shared, whose arrays sit in the thread that last returned
/// them, an array returned by a worker is there for the calling thread's next task, so once a chain has run with its
/// most tasks in flight, no call allocates, whichever thread runs which task. Its first miss fills it for
/// <see cref="Parallelism.MaxDegree"/> threads at once.
/// </summary>
public sealed class ScratchPool
{
    private readonly int _length;
    private readonly object _grow = new();
    private float[]?[] _free = new float[]?[4];

    /// <summary>A pool of arrays of <paramref name="length"/> floats.</summary>
    public ScratchPool(int length) => _length = length;

    /// <summary>An array of the pool's length (its contents are whatever the last task left).</summary>
    public float[] Rent()
    {
        float[]?[] slots = Volatile.Read(ref _free);
        for (int i = 0; i < slots.Length; i++)
        {
            float[]? array = Volatile.Read(ref slots[i]);
            if (array is not null && Interlocked.CompareExchange(ref slots[i], null, array) == array) return array;
        }
        // Every array is in use: one more, kept once returned; and the first time, one for each other thread a call may
        // run tasks on (Parallelism.MaxDegree), so that once a chain has run at this degree, no later call allocates
        // whichever of its tasks happen to overlap (a chain with few tasks may run them one at a time for several calls).
        int spare = Parallelism.MaxDegree - 1 - Volatile.Read(ref _created);
        for (int i = 0; i < spare; i++)
        {
            Interlocked.Increment(ref _created);
            Return(new float[_length]);
        }
        Interlocked.Increment(ref _created);
        return new float[_length];
    }

    private int _created;

    /// <summary>Gives <paramref name="array"/> back for the next task.</summary>
    public void Return(float[] array)
    {
        while (true)
        {
            float[]?[] slots = Volatile.Read(ref _free);
            for (int i = 0; i < slots.Length; i++)
                if (Interlocked.CompareExchange(ref slots[i], array, null) is null) return;
            lock (_grow) // no free slot: a larger table, with the arrays it holds
                if (ReferenceEquals(_free, slots))
                {
                    var grown = new float[]?[slots.Length * 2];
                    for (int i = 0; i < slots.Length; i++) grown[i] = Interlocked.Exchange(ref slots[i], null);
                    Volatile.Write(ref _free, grown);
                }
        }
    }
}
