using System.Buffers;
using System.Collections.Concurrent;

namespace BilbyRelay.Quic;

/// <summary>
/// Memory for stream pipes and queued datagrams. Every block is native memory (<see cref="NativeBlock"/>) that never
/// moves, so ngtcp2 may keep raw pointers into unacknowledged output until the peer acknowledges it, and that the GC
/// never sees. Standard-size blocks are recycled; larger requests get a block of their own, freed when returned.
/// Thread-safe.
/// </summary>
/// <remarks>
/// The pool starts empty and gives idle blocks back: once every <see cref="EvictionPeriod"/> (on the clock it was
/// given) it frees three quarters of the blocks that stayed in the pool for the whole period, so a pool filled by a
/// burst is down to a few blocks within 30 s of its end, while blocks that keep being reused stay and a load that
/// returns after a short pause still finds some. A leased block is never in the pool, so nothing a pipe (or ngtcp2)
/// still references can be evicted. Evicted blocks are freed at once; malloc hands their pages back to the OS when
/// <see cref="IdleMemoryReleaser"/> trims its arenas.
/// </remarks>
internal sealed class NativeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Block size of the stream pool (<see cref="Instance"/>): a pipe segment.</summary>
    internal const int BlockSize = 16 * 1024;

    /// <summary>Block size of the datagram pool (<see cref="Datagrams"/>): any datagram of an Ethernet-sized path.</summary>
    internal const int DatagramBlockSize = 2048;

    private const int MaxRetainedBlocks = 8192;

    /// <summary>How often idle blocks are evicted: short enough that a pool filled by a burst is small again within 30 s.</summary>
    internal static readonly TimeSpan EvictionPeriod = TimeSpan.FromSeconds(5);

    // Idle standard-size blocks, each with the lease object that is reused with it, so renting allocates nothing.
    private readonly ConcurrentQueue<Lease> _blocks = new();
    private readonly ITimer _evictionTimer;

    // Blocks in _blocks (approximately: updated next to each enqueue/dequeue, not atomically with it).
    private int _retained;

    // The fewest blocks retained since the period began: that many blocks were not needed during the whole period.
    private int _lowWater;
    private long _bytesEvicted;

    private readonly int _blockSize;

    internal NativeBlockMemoryPool(TimeProvider time, int blockSize = BlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _blockSize = blockSize;
        _evictionTimer = time.CreateTimer(static pool => ((NativeBlockMemoryPool)pool!).EvictIdleBlocks(), this, EvictionPeriod, EvictionPeriod);
    }

    /// <summary>Memory of stream pipes.</summary>
    internal static NativeBlockMemoryPool Instance { get; } = new(TimeProvider.System);

    /// <summary>Copies of datagrams queued for sending.</summary>
    internal static NativeBlockMemoryPool Datagrams { get; } = new(TimeProvider.System, DatagramBlockSize);

    public override int MaxBufferSize => int.MaxValue;

    /// <summary>Standard-size blocks kept for reuse.</summary>
    internal int RetainedBlocks => Volatile.Read(ref _retained);

    /// <summary>Bytes of idle blocks evicted since the pool was created (only rises).</summary>
    internal long BytesEvicted => Interlocked.Read(ref _bytesEvicted);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize <= _blockSize)
        {
            if (_blocks.TryDequeue(out var lease))
            {
                LowerLowWater(Interlocked.Decrement(ref _retained));
                lease.Open();
                return lease;
            }

            return new Lease(this, new NativeBlock(_blockSize));
        }

        return new Lease(null, new NativeBlock(minBufferSize));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _evictionTimer.Dispose();
            while (_blocks.TryDequeue(out var lease))
            {
                Interlocked.Decrement(ref _retained);
                lease.Block.Free();
            }
        }
    }

    /// <summary>Frees three quarters (rounded up) of the blocks idle for the whole period just ended, and starts the next period.</summary>
    private void EvictIdleBlocks()
    {
        var idle = Math.Min(Volatile.Read(ref _lowWater), Volatile.Read(ref _retained));
        var evicted = 0;
        for (var i = 0; i < ((idle * 3) + 3) / 4 && _blocks.TryDequeue(out var lease); i++)
        {
            Interlocked.Decrement(ref _retained);
            lease.Block.Free();
            evicted++;
        }

        Volatile.Write(ref _lowWater, Volatile.Read(ref _retained));
        Interlocked.Add(ref _bytesEvicted, (long)evicted * _blockSize);
    }

    private void LowerLowWater(int retained)
    {
        int low;
        while (retained < (low = Volatile.Read(ref _lowWater)) && Interlocked.CompareExchange(ref _lowWater, retained, low) != low)
        {
        }
    }

    private void Return(Lease lease)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetainedBlocks)
        {
            _blocks.Enqueue(lease);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
            lease.Block.Free();
        }
    }

    /// <summary>
    /// One rental of a block: returns it once however often that rental disposes it. A standard-size block keeps its
    /// lease for life and the pool opens it again for the next rental, so renting allocates nothing; the price is that
    /// a renter must not touch a lease after disposing it (a pipe disposes each segment's memory exactly once).
    /// </summary>
    private sealed class Lease(NativeBlockMemoryPool? owner, NativeBlock block) : IMemoryOwner<byte>
    {
        private int _open = 1;

        public NativeBlock Block => block;

        public Memory<byte> Memory => Volatile.Read(ref _open) == 1 ? block.Memory : throw new ObjectDisposedException(nameof(Lease));

        /// <summary>The pool hands the lease out again.</summary>
        public void Open() => Volatile.Write(ref _open, 1);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _open, 0) == 0)
            {
                return;
            }

            if (owner is null)
            {
                block.Free();
            }
            else
            {
                owner.Return(this);
            }
        }
    }
}
