using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Receive buffers and the <c>mmsghdr</c>/<c>iovec</c>/<c>sockaddr_storage</c> vectors for one
/// <c>recvmmsg</c> call, laid out once in a single aligned native block so receiving never allocates
/// and the kernel writes straight into memory the GC never moves.
/// </summary>
/// <remarks>
/// <para>
/// Slot size: a datagram larger than <c>bufferSize</c> is cut to <c>bufferSize</c> bytes and flagged
/// (<see cref="IsTruncated"/>); callers skip it. QUIC peers only send datagrams up to the
/// <c>max_udp_payload_size</c> transport parameter, so an endpoint that advertises a value no larger than
/// the slot size never sees truncation from a conforming peer. <see cref="DefaultBufferSize"/> (2048) covers
/// every Ethernet-sized path with room for PMTU probes.
/// </para>
/// <para>
/// Receive offload: a batch made with <c>receiveOffload</c> has room in each slot for the control message with which
/// a socket that has UDP_GRO enabled reports that a slot holds several datagrams of one sender, each
/// <see cref="SegmentSize"/> bytes (the last may be shorter). Its slots must then be <see cref="MaxBufferSize"/>
/// bytes, the most the kernel coalesces, so nothing is truncated.
/// </para>
/// <para>
/// Not thread-safe: owned by one loop thread. The accessors describe the last
/// <see cref="UdpBatchSocket.ReceiveBatch"/> and stay valid until the next one or until disposal; indexes
/// are not range-checked beyond <see cref="Capacity"/> and must be below the count that call returned.
/// </para>
/// </remarks>
internal sealed unsafe class UdpReceiveBatch : IDisposable
{
    /// <summary>Slot size that fits any datagram from a peer told max_udp_payload_size ≤ 2048.</summary>
    public const int DefaultBufferSize = 2048;

    /// <summary>A slot this large holds any UDP datagram (the largest IPv6 payload is 65,527 bytes): nothing is ever truncated.</summary>
    public const int MaxBufferSize = 65536;

    /// <summary>Datagrams per recvmmsg call that amortise the syscall well without a large working set.</summary>
    public const int DefaultCapacity = 64;

    private const int Alignment = 64;

    // One cmsghdr (16 bytes) and its int, padded to 8: CMSG_SPACE(sizeof(int)).
    private const int ControlBytesPerSlot = 24;

    private readonly int _bufferStride;
    private byte* _block;
    private mmsghdr* _headers;
    private byte* _addresses;
    private byte* _buffers;
    private byte* _controls;
    private int _lastCount;

    /// <param name="capacity">Datagrams per receive call (1..1024).</param>
    /// <param name="bufferSize">Bytes per datagram slot (1..<see cref="MaxBufferSize"/>; exactly that with <paramref name="receiveOffload"/>).</param>
    /// <param name="receiveOffload">Room for the UDP_GRO control message in each slot (for a socket with receive offload enabled).</param>
    public UdpReceiveBatch(int capacity = DefaultCapacity, int bufferSize = DefaultBufferSize, bool receiveOffload = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bufferSize, MaxBufferSize);
        if (receiveOffload && bufferSize != MaxBufferSize)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferSize), "Receive offload coalesces up to 64 KiB: slots must be MaxBufferSize bytes.");
        }

        Capacity = capacity;
        BufferSize = bufferSize;
        _bufferStride = AlignUp(bufferSize);

        var headersBytes = AlignUp(capacity * sizeof(mmsghdr));
        var iovecBytes = AlignUp(capacity * sizeof(iovec));
        var controlBytes = receiveOffload ? AlignUp(capacity * ControlBytesPerSlot) : 0;
        var addressBytes = capacity * sizeof(sockaddr_storage);
        var zeroedBytes = (nuint)headersBytes + (nuint)iovecBytes + (nuint)controlBytes + (nuint)addressBytes;
        var total = zeroedBytes + ((nuint)capacity * (nuint)_bufferStride);

        _block = (byte*)NativeMemory.AlignedAlloc(total, Alignment);
        // Only the headers, controls and addresses need zeroing; buffer pages stay untouched (and out of RSS) until a
        // datagram lands in them.
        NativeMemory.Clear(_block, zeroedBytes);
        _headers = (mmsghdr*)_block;
        var iovecs = (iovec*)(_block + headersBytes);
        _controls = receiveOffload ? _block + headersBytes + iovecBytes : null;
        _addresses = _block + headersBytes + iovecBytes + controlBytes;
        _buffers = _addresses + addressBytes;

        for (var i = 0; i < capacity; i++)
        {
            iovecs[i].iov_base = _buffers + ((nint)i * _bufferStride);
            iovecs[i].iov_len = (nuint)bufferSize;
            ref var header = ref _headers[i].msg_hdr;
            header.msg_name = _addresses + (i * sizeof(sockaddr_storage));
            header.msg_namelen = (uint)sizeof(sockaddr_storage);
            header.msg_iov = &iovecs[i];
            header.msg_iovlen = 1;
            if (_controls != null)
            {
                header.msg_control = _controls + (i * ControlBytesPerSlot);
                header.msg_controllen = ControlBytesPerSlot;
            }
        }

        _lastCount = capacity;
    }

    ~UdpReceiveBatch() => Free();

    /// <summary>Maximum datagrams one receive call returns.</summary>
    public int Capacity { get; }

    /// <summary>Bytes per slot; longer datagrams are truncated and flagged.</summary>
    public int BufferSize { get; }

    /// <summary>The received bytes of datagram <paramref name="index"/> (at most <see cref="BufferSize"/>).</summary>
    public Span<byte> Payload(int index) => new(PayloadPointer(index), PayloadLength(index));

    /// <summary>Start of datagram <paramref name="index"/>'s bytes in pinned native memory.</summary>
    public byte* PayloadPointer(int index) => _buffers + ((nint)CheckIndex(index) * _bufferStride);

    /// <summary>Number of bytes received into slot <paramref name="index"/>.</summary>
    public int PayloadLength(int index) => (int)_headers[CheckIndex(index)].msg_len;

    /// <summary>True when the datagram was longer than <see cref="BufferSize"/> and its tail was discarded.</summary>
    public bool IsTruncated(int index) => (_headers[CheckIndex(index)].msg_hdr.msg_flags & LibcConstants.MSG_TRUNC) != 0;

    /// <summary>
    /// With receive offload: the size of each datagram the kernel coalesced into slot <paramref name="index"/> (the
    /// last may be shorter); 0 when the slot holds one datagram.
    /// </summary>
    public int SegmentSize(int index)
    {
        ref var header = ref _headers[CheckIndex(index)].msg_hdr;
        if (_controls == null || header.msg_controllen < (nuint)(sizeof(cmsghdr) + sizeof(int)))
        {
            return 0;
        }

        // At most one control message fits the slot's control space.
        var control = (cmsghdr*)header.msg_control;
        return control->cmsg_level == LibcConstants.SOL_UDP && control->cmsg_type == LibcConstants.UDP_GRO
            ? *(int*)((byte*)control + sizeof(cmsghdr))
            : 0;
    }

    /// <summary>The sender's raw sockaddr (16 bytes for IPv4, 28 for IPv6); see <see cref="SocketAddressCodec"/>.</summary>
    public ReadOnlySpan<byte> SourceAddress(int index) => new(SourceAddressPointer(index), SourceAddressLength(index));

    /// <summary>The sender's sockaddr in pinned native memory, valid until the next receive.</summary>
    public byte* SourceAddressPointer(int index) => _addresses + ((nint)CheckIndex(index) * sizeof(sockaddr_storage));

    /// <summary>Length of the sender's sockaddr, capped at the storage size.</summary>
    public int SourceAddressLength(int index) =>
        (int)Math.Min(_headers[CheckIndex(index)].msg_hdr.msg_namelen, (uint)sizeof(sockaddr_storage));

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Resets the in/out fields the kernel overwrote in the slots the previous call used and returns the vector.
    /// Called by <see cref="UdpBatchSocket.ReceiveBatch"/> on the owning thread.
    /// </summary>
    internal mmsghdr* PrepareForReceive()
    {
        ObjectDisposedException.ThrowIf(_block == null, this);
        for (var i = 0; i < _lastCount; i++)
        {
            _headers[i].msg_hdr.msg_namelen = (uint)sizeof(sockaddr_storage);
            _headers[i].msg_hdr.msg_controllen = _controls != null ? (nuint)ControlBytesPerSlot : 0;
            _headers[i].msg_hdr.msg_flags = 0;
            _headers[i].msg_len = 0;
        }

        // Assume every slot is dirty until the call reports how many it used.
        _lastCount = Capacity;
        return _headers;
    }

    /// <summary>Records how many slots the last receive filled so the next prepare resets only those.</summary>
    internal void Complete(int count) => _lastCount = count;

    private static int AlignUp(int value) => (value + Alignment - 1) & ~(Alignment - 1);

    // A disposed batch must fail loudly: its pointers would otherwise read freed memory.
    private int CheckIndex(int index)
    {
        ObjectDisposedException.ThrowIf(_block == null, this);
        if ((uint)index >= (uint)Capacity)
        {
            ThrowIndexOutOfRange();
        }

        return index;
    }

    private static void ThrowIndexOutOfRange() => throw new ArgumentOutOfRangeException("index");

    private void Free()
    {
        var block = _block;
        if (block != null)
        {
            _block = null;
            _headers = null;
            _addresses = null;
            _buffers = null;
            _controls = null;
            NativeMemory.AlignedFree(block);
        }
    }
}
