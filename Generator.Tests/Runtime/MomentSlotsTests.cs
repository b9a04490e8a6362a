using System.Linq;
using FusedNorm.Kernels;
using Xunit;

namespace FusedNorm.Tests.Runtime;

/// <summary>
/// A banded statistics chain's pool of partial-moment slots (MomentSlots, one per chain): a call's lease is reused by the
/// next call with no allocation, concurrent calls get different leases (the pool grows when all are held), and one
/// chain's calls never take or resize another chain's leases.
/// </summary>
public class MomentSlotsTests
{
    [Fact]
    public void A_returned_lease_is_reused_without_a_new_array()
    {
        var pool = new MomentSlots();
        int first = pool.Rent(40, batch: 2);
        Moments[] slots = pool.Get(first).Slots;
        Assert.True(slots.Length >= 40);
        Assert.Equal(2, pool.Get(first).Batch);
        pool.Return(first);
        int again = pool.Rent(24, batch: 1);
        Assert.Equal(first, again);
        Assert.Same(slots, pool.Get(again).Slots); // a smaller call keeps the larger array
        Assert.Equal(1, pool.Get(again).Batch);
        pool.Return(again);
    }

    [Fact]
    public void Calls_in_flight_get_distinct_leases_and_the_pool_grows_past_its_first_size()
    {
        var pool = new MomentSlots();
        int[] held = Enumerable.Range(0, 9).Select(i => pool.Rent(8 + i, batch: 1)).ToArray();
        Assert.Equal(held.Length, held.Distinct().Count());
        for (int i = 0; i < held.Length; i++) Assert.True(pool.Get(held[i]).Slots.Length >= 8 + i, $"lease {held[i]} is shorter than its call asked");
        Moments[] kept = pool.Get(held[0]).Slots;
        foreach (int h in held) pool.Return(h);
        Assert.Same(kept, pool.Get(held[0]).Slots); // growing the pool kept the leases it had
    }

    [Fact]
    public void Two_chains_do_not_share_leases()
    {
        var small = new MomentSlots();
        var large = new MomentSlots();
        int s = small.Rent(4, batch: 1);
        Moments[] smallSlots = small.Get(s).Slots;
        int l = large.Rent(4096, batch: 8);
        Assert.Same(smallSlots, small.Get(s).Slots);
        Assert.True(smallSlots.Length < 4096);
        small.Return(s);
        large.Return(l);
        int again = small.Rent(4, batch: 1);
        Assert.Same(smallSlots, small.Get(again).Slots); // the large chain's call did not resize it
        small.Return(again);
    }
}
