using System;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// .ci/run repeats the numeric tests with the runtime's switches that turn AVX-512 or every hardware intrinsic off,
/// so that the generated Vector256 and scalar paths run on a machine with AVX-512. A switch the runtime does not
/// know is silently ignored (.NET 10 ignores DOTNET_EnableAVX512F), so this test checks that each switch set in
/// the environment really took its path away, and says which path the numeric tests of this process ran.
/// </summary>
[Trait("Category", "Numeric")]
public class SimdPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Runtime_switches_select_the_path_they_name()
    {
        string path = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "scalar";
        output.WriteLine($"The generated kernels run their {path} path in this process.");
        Console.WriteLine($"[simd path] {path}");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX512=0 is set but Vector512 is still accelerated");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 is set but Vector256 is still accelerated");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512F") == "0")
            Assert.Fail("DOTNET_EnableAVX512F is ignored by .NET 10: set DOTNET_EnableAVX512=0 to turn AVX-512 off");
    }
}
