using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Datagrams waiting to leave one socket in a single <c>sendmmsg</c>, each to its own destination. The bytes are
/// not copied: an entry points at a datagram still held by a <see cref="UdpReceiveBatch"/> (the relay forwards
/// what it received unchanged), so the batch must be sent before that receive batch is reused. Destinations are
/// copied into the batch's own native memory. Owned by one loop thread; never allocates after construction.
/// </summary>
/// <remarks>
/// Coalescing: a datagram added with <c>coalesce</c> to the same destination as the message before it, with the
/// same length, joins that message as one more <c>iovec</c> and the message carries a UDP_SEGMENT control message:
/// the kernel routes and builds it once and splits it into the original datagrams (UDP GSO), still without a copy
/// in user space. A shorter datagram may end such a message; a longer one starts a new message. Only datagrams that
/// fit a 1500-byte MTU with their IP and UDP headers are coalesced, because the kernel refuses a segment larger than
/// the route's MTU where it would have fragmented a single datagram.
/// </remarks>
internal sealed unsafe class UdpSendBatch : IDisposable
{
    /// <summary>Largest IPv4 datagram payload that is coalesced: 1500 - 20 (IP) - 8 (UDP).</summary>
    internal const int MaxSegmentIPv4 = 1472;

    /// <summary>Largest IPv6 datagram payload that is coalesced: 1500 - 40 (IPv6) - 8 (UDP).</summary>
    internal const int MaxSegmentIPv6 = 1452;

    // CMSG_SPACE(sizeof(ushort)) and CMSG_LEN(sizeof(ushort)) on x86_64 and arm64.
    private const int ControlSpace = 24;
    private const int ControlLength = 18;

    private readonly int[] _segments;
    private readonly int[] _bytes;
    private byte* _block;
    private mmsghdr* _headers;
    private iovec* _vectors;
    private byte* _addresses;
    private byte* _controls;

    // The last message takes more segments of this size while true (a shorter segment ends it).
    private bool _lastOpen;

    /// <param name="capacity">Datagrams per batch (1..1024).</param>
    public UdpSendBatch(int capacity = UdpReceiveBatch.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        Capacity = capacity;
        _segments = new int[capacity];
        _bytes = new int[capacity];
        var total = (nuint)capacity * (nuint)(sizeof(mmsghdr) + sizeof(iovec) + SocketAddressCodec.MaxLength + ControlSpace);
        _block = (byte*)NativeMemory.AlignedAlloc(total, 64);
        NativeMemory.Clear(_block, total);
        _headers = (mmsghdr*)_block;
        _vectors = (iovec*)(_block + (capacity * sizeof(mmsghdr)));
        _controls = (byte*)(_vectors + capacity);
        _addresses = _controls + (capacity * ControlSpace);
    }

    ~UdpSendBatch() => Free();

    /// <summary>Datagrams a batch holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Datagrams queued.</summary>
    public int Count { get; private set; }

    /// <summary>Messages queued (one <c>sendmmsg</c> entry each); fewer than <see cref="Count"/> when datagrams were coalesced.</summary>
    public int MessageCount { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>Queues datagram <paramref name="index"/> of the last receive into <paramref name="received"/> for <paramref name="destinationSockaddr"/>.</summary>
    /// <param name="coalesce">Join the previous message when it goes to the same destination with datagrams of this
    /// length (pass the socket's <see cref="UdpBatchSocket.GsoSupported"/>).</param>
    /// <exception cref="InvalidOperationException">The batch is full.</exception>
    /// <exception cref="ArgumentException">The destination is not an IPv4/IPv6 sockaddr.</exception>
    public void Add(UdpReceiveBatch received, int index, ReadOnlySpan<byte> destinationSockaddr, bool coalesce = false)
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

        var length = received.PayloadLength(index);
        var vector = Count++;
        _vectors[vector] = new iovec { iov_base = received.PayloadPointer(index), iov_len = (nuint)length };
        if (coalesce && TryJoinLast(length, destinationSockaddr[..destinationLength]))
        {
            return;
        }

        var slot = MessageCount++;
        var address = _addresses + (slot * SocketAddressCodec.MaxLength);
        destinationSockaddr[..destinationLength].CopyTo(new Span<byte>(address, SocketAddressCodec.MaxLength));
        _headers[slot] = new mmsghdr
        {
            msg_hdr = new msghdr { msg_name = address, msg_namelen = (uint)destinationLength, msg_iov = &_vectors[vector], msg_iovlen = 1 },
        };
        _segments[slot] = 1;
        _bytes[slot] = length;
        var limit = destinationLength == SocketAddressCodec.IPv4Length ? MaxSegmentIPv4 : MaxSegmentIPv6;
        _lastOpen = length <= limit;
    }

    /// <summary>Forgets every queued datagram.</summary>
    public void Clear()
    {
        Count = 0;
        MessageCount = 0;
        _lastOpen = false;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    internal mmsghdr* Headers => _headers;

    /// <summary>Datagrams message <paramref name="message"/> carries (more than one: a UDP GSO send).</summary>
    internal int SegmentsOf(int message) => _segments[message];

    /// <summary>Bytes message <paramref name="message"/> carries, all its datagrams together.</summary>
    internal int BytesOf(int message) => _bytes[message];

    /// <summary>The datagrams of message <paramref name="message"/>, one iovec each.</summary>
    internal iovec* VectorsOf(int message) => _headers[message].msg_hdr.msg_iov;

    private bool TryJoinLast(int length, ReadOnlySpan<byte> destination)
    {
        if (!_lastOpen || MessageCount == 0)
        {
            return false;
        }

        var last = MessageCount - 1;
        ref var header = ref _headers[last].msg_hdr;
        var segmentSize = (int)header.msg_iov[0].iov_len;
        if (length > segmentSize
            || _segments[last] >= UdpBatchSocket.MaxGsoSegments
            || _bytes[last] + length > UdpBatchSocket.MaxGsoBytes
            || !destination.SequenceEqual(new ReadOnlySpan<byte>(header.msg_name, (int)header.msg_namelen)))
        {
            return false;
        }

        if (_segments[last] == 1)
        {
            var control = _controls + (last * ControlSpace);
            var cmsg = (cmsghdr*)control;
            cmsg->cmsg_len = ControlLength;
            cmsg->cmsg_level = LibcConstants.SOL_UDP;
            cmsg->cmsg_type = LibcConstants.UDP_SEGMENT;
            *(ushort*)(control + sizeof(cmsghdr)) = (ushort)segmentSize;
            header.msg_control = control;
            header.msg_controllen = ControlSpace;
        }

        header.msg_iovlen++;
        _segments[last]++;
        _bytes[last] += length;

        // A shorter datagram can only be the last segment of a GSO send.
        _lastOpen = length == segmentSize;
        return true;
    }

    private void Free()
    {
        var block = _block;
        if (block != null)
        {
            _block = null;
            _headers = null;
            _vectors = null;
            _addresses = null;
            _controls = null;
            NativeMemory.AlignedFree(block);
        }
    }
}
