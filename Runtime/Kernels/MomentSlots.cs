using System;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>
/// The partial moments of one statistics chain split into row bands: one <see cref="Moments"/> per (sample, band, run)
/// and the call's batch, leased for one call. Each banded chain owns one pool (a static field of its kernel class), so
/// models and chains never take each other's slots. A banded chain's tasks run as static lambdas that receive only an
/// int besides the tensors, so the call passes the lease's handle as that int and each task looks its slots up with
/// <see cref="Get"/>. Leases are reused: once a chain has seen its largest batch and its most concurrent calls, a call
/// allocates nothing. Concurrent calls take different leases.
/// </summary>
public sealed class MomentSlots
{
    /// <summary>One call's slots. <see cref="Slots"/> may be longer than the call needs.</summary>
    public sealed class Lease
    {
        /// <summary>The partial moments, laid out as the generated kernel chooses.</summary>
        public Moments[] Slots { get; internal set; } = Array.Empty<Moments>();
        /// <summary>The call's batch.</summary>
        public int Batch { get; internal set; }
        internal int Taken; // 1 while a call holds it
    }

    private readonly object _grow = new();
    private Lease[] _leases = NewLeases(Array.Empty<Lease>(), 2);

    private static Lease[] NewLeases(Lease[] kept, int count)
    {
        var leases = new Lease[count];
        for (int i = 0; i < count; i++) leases[i] = i < kept.Length ? kept[i] : new Lease();
        return leases;
    }

    /// <summary>Takes a free lease with at least <paramref name="length"/> cleared-or-not slots (each task clears its own) and returns its handle.</summary>
    public int Rent(int length, int batch)
    {
        while (true)
        {
            Lease[] leases = Volatile.Read(ref _leases);
            for (int i = 0; i < leases.Length; i++)
            {
                Lease lease = leases[i];
                if (Interlocked.CompareExchange(ref lease.Taken, 1, 0) != 0) continue;
                if (lease.Slots.Length < length) lease.Slots = new Moments[length];
                lease.Batch = batch;
                return i;
            }
            lock (_grow) // every lease is held by a call in flight: add more (kept for the chain's life)
                if (_leases.Length == leases.Length)
                    Volatile.Write(ref _leases, NewLeases(leases, leases.Length * 2));
        }
    }

    /// <summary>The lease behind <paramref name="handle"/>.</summary>
    public Lease Get(int handle) => Volatile.Read(ref _leases)[handle];

    /// <summary>Gives the lease back for the next call.</summary>
    public void Return(int handle) => Volatile.Write(ref Get(handle).Taken, 0);
}
