namespace FusedNorm.Kernels;

/// <summary>
/// The kernels that compute several chains at once (an inverted residual's expand → depthwise → project as one kernel,
/// where Vector512 or Vector256 is hardware-accelerated).
/// </summary>
public static class BlockKernels
{
    /// <summary>
    /// Whether a whole-model Forward runs its block kernels (default true). False runs each block's chains one by one, as a
    /// machine without Vector512 does: for measuring what a block kernel saves, or for comparing its output with its chains',
    /// not for production. Results agree within the accuracy contract either way; they are not bit-identical.
    /// </summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether block kernels run at Vector512 where it is accelerated (default true). False runs them at Vector256, as on a
    /// CPU without AVX-512: for testing and measuring that path on an AVX-512 machine, not for production.
    /// </summary>
    public static bool UseVector512 { get; set; } = true;
}
