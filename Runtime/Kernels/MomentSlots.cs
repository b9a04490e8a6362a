using System;
using System.Threading;

namespace FusedNorm.Kernels;

/// <summary>
/// The partial moments of a statistics chain split into row bands: one <see cref="Moments"/> per (sample, band, run)
/// and the call's batch, leased for one call. A banded chain's tasks run as static lambdas that receive only an int
/// besides the tensors, so the call passes the lease's handle as that int and each task looks its slots up with
/// <see cref="Get"/>. Leases are reused: after the first calls of a shape, a call allocates nothing. Concurrent calls
/// take different leases.
/// </summary>
public static class MomentSlots
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

    private static readonly object Grow = new();
    private static Lease[] _leases = NewLeases(0, 8);

    private static Lease[] NewLeases(int from, int count)
    {
        var leases = new Lease[count];
        for (int i = 0; i < count; i++) leases[i] = i < from ? _leases[i] : new Lease();
        return leases;
    }

    /// <summary>Takes a free lease with at least <paramref name="length"/> cleared-or-not slots (each task clears its own) and returns its handle.</summary>
    public static int Rent(int length, int batch)
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
            lock (Grow) // every lease is held by a call in flight: add more (rare; kept for the process' life)
                if (_leases.Length == leases.Length)
                    Volatile.Write(ref _leases, NewLeases(leases.Length, leases.Length * 2));
        }
    }

    /// <summary>The lease behind <paramref name="handle"/>.</summary>
    public static Lease Get(int handle) => Volatile.Read(ref _leases)[handle];

    /// <summary>Gives the lease back for the next call.</summary>
    public static void Return(int handle) => Volatile.Write(ref Get(handle).Taken, 0);
}
