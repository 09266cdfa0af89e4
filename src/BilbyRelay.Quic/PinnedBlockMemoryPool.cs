using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace BilbyRelay.Quic;

/// <summary>
/// Memory for stream pipes. Every block is a pinned (POH) array, so ngtcp2 may keep raw pointers into unacknowledged
/// output until the peer acknowledges it. Standard-size blocks are recycled; larger requests get a pinned array of
/// their own. Thread-safe.
/// </summary>
internal sealed class PinnedBlockMemoryPool : MemoryPool<byte>
{
    internal const int BlockSize = 16 * 1024;
    private const int MaxRetainedBlocks = 8192;

    private readonly ConcurrentQueue<byte[]> _blocks = new();
    private int _retained;

    internal static PinnedBlockMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize <= BlockSize)
        {
            if (_blocks.TryDequeue(out var block))
            {
                Interlocked.Decrement(ref _retained);
                return new Lease(this, block);
            }

            return new Lease(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
        }

        return new Lease(null, GC.AllocateUninitializedArray<byte>(minBufferSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(byte[] block)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetainedBlocks)
        {
            _blocks.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private sealed class Lease(PinnedBlockMemoryPool? owner, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array is { } a ? MemoryMarshal.CreateFromPinnedArray(a, 0, a.Length) : throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            var a = Interlocked.Exchange(ref _array, null);
            if (a is not null)
            {
                owner?.Return(a);
            }
        }
    }
}
