using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Datagrams waiting to leave one socket in a single <c>sendmmsg</c>, each to its own destination. The bytes are
/// not copied: an entry points at a datagram still held by a <see cref="UdpReceiveBatch"/> (the relay forwards
/// what it received unchanged), so the batch must be sent before that receive batch is reused. Destinations are
/// copied into the batch's own native memory. Owned by one loop thread; never allocates after construction.
/// </summary>
internal sealed unsafe class UdpSendBatch : IDisposable
{
    private byte* _block;
    private mmsghdr* _headers;
    private iovec* _vectors;
    private byte* _addresses;

    /// <param name="capacity">Datagrams per sendmmsg (1..1024).</param>
    public UdpSendBatch(int capacity = UdpReceiveBatch.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        Capacity = capacity;
        var total = (nuint)capacity * (nuint)(sizeof(mmsghdr) + sizeof(iovec) + SocketAddressCodec.MaxLength);
        _block = (byte*)NativeMemory.AllocZeroed(total);
        _headers = (mmsghdr*)_block;
        _vectors = (iovec*)(_block + (capacity * sizeof(mmsghdr)));
        _addresses = (byte*)(_vectors + capacity);
    }

    ~UdpSendBatch() => Free();

    public int Capacity { get; }

    /// <summary>Datagrams queued.</summary>
    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>Queues datagram <paramref name="index"/> of the last receive into <paramref name="received"/> for <paramref name="destinationSockaddr"/>.</summary>
    /// <exception cref="InvalidOperationException">The batch is full.</exception>
    /// <exception cref="ArgumentException">The destination is not an IPv4/IPv6 sockaddr.</exception>
    public void Add(UdpReceiveBatch received, int index, ReadOnlySpan<byte> destinationSockaddr)
    {
        ArgumentNullException.ThrowIfNull(received);
        ObjectDisposedException.ThrowIf(_block == null, this);
        if (IsFull)
        {
            throw new InvalidOperationException("The send batch is full; send it first.");
        }

        var destinationLength = SocketAddressCodec.GetLength(destinationSockaddr);
        if (destinationLength == 0)
        {
            throw new ArgumentException("Not an IPv4 or IPv6 sockaddr.", nameof(destinationSockaddr));
        }

        var slot = Count++;
        var address = _addresses + (slot * SocketAddressCodec.MaxLength);
        destinationSockaddr[..destinationLength].CopyTo(new Span<byte>(address, SocketAddressCodec.MaxLength));
        _vectors[slot] = new iovec { iov_base = received.PayloadPointer(index), iov_len = (nuint)received.PayloadLength(index) };
        _headers[slot] = new mmsghdr
        {
            msg_hdr = new msghdr { msg_name = address, msg_namelen = (uint)destinationLength, msg_iov = &_vectors[slot], msg_iovlen = 1 },
        };
    }

    /// <summary>Forgets every queued datagram.</summary>
    public void Clear() => Count = 0;

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    internal mmsghdr* Headers => _headers;

    internal int LengthOf(int slot) => (int)_vectors[slot].iov_len;

    private void Free()
    {
        var block = _block;
        if (block != null)
        {
            _block = null;
            _headers = null;
            _vectors = null;
            _addresses = null;
            NativeMemory.Free(block);
        }
    }
}
