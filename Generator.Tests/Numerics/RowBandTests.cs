using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using FusedNorm.Kernels;
using FusedNorm.Tests.Infrastructure;
using Xunit;

namespace FusedNorm.Tests.Numerics;

/// <summary>
/// Fused conv chains whose (sample, channel block) tasks split into row bands. The number of bands is chosen per
/// call from the thread count, so running a chain at 1 to 4 threads runs it with 1 band and with several: each run
/// must match the reference, and all must give the same bits (banding changes which task computes an output, never
/// how). This covers band boundaries, pooled bands (the conv rows a band's windows read: overlapping windows share
/// rows, padding clips them) and the flat Vector512 kernel's last tile in a band.
/// </summary>
[Trait("Category", "Numeric")]
[Collection(FusedNorm.Tests.Runtime.MaxDegreeCollection.Name)]
public class RowBandTests
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 16).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_banded_conv_chain_matches_reference_at_every_thread_count(int seed)
    {
        for (int attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 50, "no chain with row bands drawn in 50 attempts");
            ChainCase chain = ReferenceTests.RandomConv(500 + 100 * seed + attempt, fused: true) with { Name = $"random_banded_conv_{seed}" };
            string generated = string.Concat(GeneratorHarness.RunGenerator(chain.Source()).Sources.Select(s => s.SourceText.ToString()));
            Match most = Regex.Match(generated, @"MaxRowBands = (\d+)");
            Assert.True(most.Success, "a fused conv chain declares MaxRowBands");
            if (int.Parse(most.Groups[1].Value) < 2) continue;
            ReferenceTests.Check(chain, seed, degrees: new[] { 1, 2, 3, 4 });
            return;
        }
    }

    [Theory]
    // tasks without bands, the generator's limit, MaxDegree → bands per (sample, block)
    [InlineData(1, 10, 1, 1)]   // one thread: never split
    [InlineData(1, 10, 2, 8)]   // 2 threads × 4 tasks each
    [InlineData(2, 10, 2, 4)]
    [InlineData(3, 10, 2, 3)]   // ⌈8 / 3⌉
    [InlineData(8, 10, 2, 1)]   // already 4 tasks per thread
    [InlineData(1, 5, 4, 5)]    // capped by the generator's limit
    [InlineData(1, 1, 4, 1)]
    public void Row_bands_give_each_thread_about_4_tasks(int tasks, int most, int degree, int bands)
    {
        // The rule at a given share of threads: RowBands itself also divides MaxDegree among the calls in flight, which
        // other test classes running in parallel would change (ConcurrentCallTests covers that share).
        Assert.Equal(bands, Parallelism.RowBandsAt(tasks, most, degree));
    }
}
