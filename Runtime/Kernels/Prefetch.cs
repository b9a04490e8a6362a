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
    /// <summary>Asks for the cache line holding <paramref name="value"/> to be brought into L2 (and the levels below it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToL2(ref float value)
    {
        if (Sse.IsSupported) Sse.Prefetch1(Unsafe.AsPointer(ref value));
    }
}
