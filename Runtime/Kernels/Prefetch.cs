using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FusedNorm.Kernels;

/// <summary>
/// Software prefetch for the kernels' weight streams: at batch 1 on small planes a conv's weights are read once per call
/// from memory, faster than the hardware prefetcher follows several interleaved streams, and the kernel waits on each
/// miss. A prefetch is only a hint: on a CPU without SSE it does nothing, and an address past the array's end is never
/// loaded (a prefetch does not fault).
/// </summary>
public static unsafe class Prefetch
{
    /// <summary>
    /// Asks for the cache line holding the float <paramref name="offset"/> elements after <paramref name="origin"/> to be
    /// brought into L2 (and the levels below it). The address is formed as an unmanaged pointer, never as a managed
    /// reference: the kernels ask for lines ahead of where they read, which may lie past the end of the array, and a
    /// reference outside its object is not something the GC may ever see.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToL2(ref float origin, nint offset)
    {
        if (Sse.IsSupported) Sse.Prefetch1((float*)Unsafe.AsPointer(ref origin) + offset);
    }
}
