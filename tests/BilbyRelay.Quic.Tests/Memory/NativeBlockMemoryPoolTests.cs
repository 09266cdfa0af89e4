using System.Buffers;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Memory;

public sealed class NativeBlockMemoryPoolTests
{
    private const int Burst = 64;
    private static readonly TimeSpan Period = NativeBlockMemoryPool.EvictionPeriod;

    [Fact]
    public void NewPool_RetainsNothing()
    {
        using var pool = new NativeBlockMemoryPool(new ManualTimeProvider());

        Assert.Equal(0, pool.RetainedBlocks);
    }

    [Fact]
    public void BlocksRetainedAfterBurst_AreReleasedAfterIdlePeriods()
    {
        var time = new ManualTimeProvider();
        using var pool = new NativeBlockMemoryPool(time);
        ReturnAll(RentBlocks(pool, Burst));
        Assert.Equal(Burst, pool.RetainedBlocks);

        // The first period saw the blocks returned, not idle from its start; each later one frees 3/4 of the idle blocks.
        time.Advance(Period);
        var afterFirstPeriod = pool.RetainedBlocks;
        time.Advance(Period);
        var afterSecondPeriod = pool.RetainedBlocks;
        time.Advance(Period * 10);

        Assert.Equal(Burst, afterFirstPeriod);
        Assert.Equal(Burst / 4, afterSecondPeriod);
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Equal((long)Burst * NativeBlockMemoryPool.BlockSize, pool.BytesEvicted);
    }

    [Fact]
    public void LeasedBlocks_AreNeverEvictedAndStayUsable()
    {
        var time = new ManualTimeProvider();
        using var pool = new NativeBlockMemoryPool(time);
        var leased = RentBlocks(pool, Burst);
        for (var i = 0; i < leased.Length; i++)
        {
            leased[i].Memory.Span.Fill((byte)i);
        }

        time.Advance(Period * 20);

        Assert.Equal(0, pool.BytesEvicted);
        for (var i = 0; i < leased.Length; i++)
        {
            Assert.True(leased[i].Memory.Span.IndexOfAnyExcept((byte)i) < 0, $"block {i} changed while leased");
        }

        ReturnAll(leased);
        Assert.Equal(Burst, pool.RetainedBlocks);
    }

    [Fact]
    public void BlocksReusedEveryPeriod_AreKept()
    {
        var time = new ManualTimeProvider();
        using var pool = new NativeBlockMemoryPool(time);
        ReturnAll(RentBlocks(pool, Burst));
        time.Advance(Period);

        for (var period = 0; period < 10; period++)
        {
            ReturnAll(RentBlocks(pool, Burst));
            time.Advance(Period);
        }

        Assert.Equal(Burst, pool.RetainedBlocks);
        Assert.Equal(0, pool.BytesEvicted);
    }

    [Fact]
    public void PartlyUsedPool_EvictsOnlyFromTheUnusedPart()
    {
        var time = new ManualTimeProvider();
        using var pool = new NativeBlockMemoryPool(time);
        ReturnAll(RentBlocks(pool, Burst));
        time.Advance(Period);

        // A quarter of the blocks is in use at some point of the period: the other three quarters were idle.
        ReturnAll(RentBlocks(pool, Burst / 4));
        time.Advance(Period);

        Assert.Equal(Burst - (Burst * 3 / 4 * 3 / 4), pool.RetainedBlocks);
    }

    [Fact]
    public void BurstAfterEviction_GetsFullBlocksAgain()
    {
        var time = new ManualTimeProvider();
        using var pool = new NativeBlockMemoryPool(time);
        ReturnAll(RentBlocks(pool, Burst));
        time.Advance(Period * 20);
        Assert.Equal(0, pool.RetainedBlocks);

        var burst = RentBlocks(pool, Burst * 2);
        foreach (var lease in burst)
        {
            Assert.Equal(NativeBlockMemoryPool.BlockSize, lease.Memory.Length);
            lease.Memory.Span.Fill(0xA5);
        }

        ReturnAll(burst);
        Assert.Equal(Burst * 2, pool.RetainedBlocks);
    }

    [Fact]
    public void LargeRequest_GetsABlockOfItsOwnThatIsNotRetained()
    {
        using var pool = new NativeBlockMemoryPool(new ManualTimeProvider());
        var size = (NativeBlockMemoryPool.BlockSize * 4) + 1;

        var lease = pool.Rent(size);
        lease.Memory.Span.Fill(0x5A);
        var length = lease.Memory.Length;
        lease.Dispose();

        Assert.Equal(size, length);
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => lease.Memory);
    }

    [Fact]
    public void RentingAReturnedBlock_AllocatesNothing_AndADisposedLeaseStaysClosed()
    {
        using var pool = new NativeBlockMemoryPool(new ManualTimeProvider());
        var first = pool.Rent(NativeBlockMemoryPool.BlockSize);
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            pool.Rent(NativeBlockMemoryPool.BlockSize).Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, pool.RetainedBlocks);
    }

    [Fact]
    public void DisposedPool_StopsEvicting()
    {
        var time = new ManualTimeProvider();
        var pool = new NativeBlockMemoryPool(time);
        ReturnAll(RentBlocks(pool, Burst));
        pool.Dispose();

        time.Advance(Period * 20);

        Assert.Equal(0, pool.BytesEvicted);
        Assert.Equal(0, pool.RetainedBlocks);
    }

    private static IMemoryOwner<byte>[] RentBlocks(NativeBlockMemoryPool pool, int count) =>
        Enumerable.Range(0, count).Select(_ => pool.Rent(NativeBlockMemoryPool.BlockSize)).ToArray();

    private static void ReturnAll(IMemoryOwner<byte>[] leases)
    {
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }
}
