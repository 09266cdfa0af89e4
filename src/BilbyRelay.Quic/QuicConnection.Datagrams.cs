using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic;

/// <summary>
/// RFC 9221 datagrams. Sending copies into a bounded queue drained by the loop; receiving calls the handler on the
/// loop thread with a span valid only during the call. Nothing here blocks and every drop is counted by reason.
/// </summary>
public sealed unsafe partial class QuicConnection
{
    // Short header: 1 flags byte + DCID + up to 4 packet-number bytes + 16-byte AEAD tag; DATAGRAM frame: type + 2-byte length.
    private const int ShortHeaderOverheadWithoutDcid = 1 + 4 + 16;
    private const int DatagramFrameOverhead = 1 + 2;

    private readonly ConcurrentQueue<OutgoingDatagram> _datagramQueue = new();
    private readonly int _datagramCapacity;
    private int _datagramsQueued;
    private volatile int _maxDatagramSize;

    // Loop thread only: the path packet size _maxDatagramSize was last computed from.
    private int _datagramSizePathLimit;
    private QuicDatagramHandler? _datagramHandler;
    private long _datagramsSent;
    private long _datagramsReceived;
    private long _datagramsDroppedQueueFull;
    private long _datagramsDroppedTooLarge;
    private long _datagramsDroppedNoHandler;
    private long _datagramsDroppedClosed;
    private long _datagramsDroppedMemoryBudget;

    /// <summary>
    /// Largest payload <see cref="TrySendDatagram"/> accepts now: the smaller of the peer's max_datagram_frame_size
    /// and what fits in one packet on the current path (grows when path MTU discovery succeeds). 0 before the
    /// handshake completed or when the peer does not accept datagrams.
    /// </summary>
    public int MaxDatagramSize => _maxDatagramSize;

    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    public long DatagramsReceived => Interlocked.Read(ref _datagramsReceived);

    /// <summary>Outgoing datagrams refused because the send queue was full.</summary>
    public long DatagramsDroppedQueueFull => Interlocked.Read(ref _datagramsDroppedQueueFull);

    /// <summary>Outgoing datagrams refused because they exceeded <see cref="MaxDatagramSize"/> (or never fit a packet).</summary>
    public long DatagramsDroppedTooLarge => Interlocked.Read(ref _datagramsDroppedTooLarge);

    /// <summary>Incoming datagrams dropped because no handler was set.</summary>
    public long DatagramsDroppedNoHandler => Interlocked.Read(ref _datagramsDroppedNoHandler);

    /// <summary>Outgoing datagrams refused or discarded because the connection was not open.</summary>
    public long DatagramsDroppedClosed => Interlocked.Read(ref _datagramsDroppedClosed);

    /// <summary>Outgoing datagrams refused because the memory budget had no room.</summary>
    public long DatagramsDroppedMemoryBudget => Interlocked.Read(ref _datagramsDroppedMemoryBudget);

    /// <summary>Sum of all datagram drop counters.</summary>
    public long DatagramsDropped =>
        DatagramsDroppedQueueFull + DatagramsDroppedTooLarge + DatagramsDroppedNoHandler + DatagramsDroppedClosed + DatagramsDroppedMemoryBudget;

    /// <summary>Queues one datagram for sending; true when queued. See <see cref="SendDatagram"/>.</summary>
    public bool TrySendDatagram(ReadOnlySpan<byte> datagram) => SendDatagram(datagram) == QuicDatagramSendResult.Queued;

    /// <summary>
    /// Queues one datagram for sending. Thread-safe and never blocks: anything but
    /// <see cref="QuicDatagramSendResult.Queued"/> says why it was dropped, and that reason's counter increments.
    /// </summary>
    public QuicDatagramSendResult SendDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_state != ConnectionState.Established || _closeInfo is not null)
        {
            Interlocked.Increment(ref _datagramsDroppedClosed);
            return QuicDatagramSendResult.Closed;
        }

        if (datagram.Length > _maxDatagramSize)
        {
            Interlocked.Increment(ref _datagramsDroppedTooLarge);
            return QuicDatagramSendResult.TooLarge;
        }

        if (Interlocked.Increment(ref _datagramsQueued) > _datagramCapacity)
        {
            Interlocked.Decrement(ref _datagramsQueued);
            Interlocked.Increment(ref _datagramsDroppedQueueFull);
            return QuicDatagramSendResult.QueueFull;
        }

        // The copy lives in native memory, so a deep queue neither grows the GC heap nor outlives a collection there;
        // the budget is charged the block it really holds, not just the datagram in it.
        var copy = NativeBlockMemoryPool.Datagrams.Rent(Math.Max(datagram.Length, 1));
        if (!Budget.TryCharge(copy.Memory.Length))
        {
            copy.Dispose();
            Interlocked.Decrement(ref _datagramsQueued);
            Interlocked.Increment(ref _datagramsDroppedMemoryBudget);
            return QuicDatagramSendResult.MemoryBudget;
        }

        datagram.CopyTo(copy.Memory.Span);
        _datagramQueue.Enqueue(new OutgoingDatagram(copy, datagram.Length));
        RequestService();
        return QuicDatagramSendResult.Queued;
    }

    /// <summary>Sets the receiver of incoming datagrams (called on the loop thread). Datagrams arriving before are dropped and counted.</summary>
    public void SetDatagramHandler(QuicDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Volatile.Write(ref _datagramHandler, handler);
    }

    /// <summary>Loop thread, inside recv_datagram.</summary>
    internal void HandleRecvDatagram(ReadOnlySpan<byte> datagram)
    {
        Interlocked.Increment(ref _datagramsReceived);
        var handler = Volatile.Read(ref _datagramHandler);
        if (handler is null)
        {
            Interlocked.Increment(ref _datagramsDroppedNoHandler);
            return;
        }

        try
        {
            handler(this, datagram);
        }
        catch (Exception e)
        {
            // A faulty handler loses its datagram, not the connection.
            _endpoint.Emit(QuicLogLevel.Error, Id, $"Datagram handler threw: {e}");
        }
    }

    private void CompleteHeadDatagram(bool sent)
    {
        if (_datagramQueue.TryDequeue(out var datagram))
        {
            Interlocked.Decrement(ref _datagramsQueued);
            datagram.Release(Budget);
            Interlocked.Increment(ref sent ? ref _datagramsSent : ref _datagramsDroppedTooLarge);
        }

    }

    private void DrainDatagramQueue()
    {
        while (_datagramQueue.TryDequeue(out var datagram))
        {
            Interlocked.Decrement(ref _datagramsQueued);
            datagram.Release(Budget);
            Interlocked.Increment(ref _datagramsDroppedClosed);
        }
    }

    /// <summary>Loop thread: recomputes <see cref="MaxDatagramSize"/> from the peer's limit and the path MTU.</summary>
    private void UpdateMaxDatagramSize(int maxUdpPayload)
    {
        if (!_handshakeCompleted || NativeConnection == null)
        {
            return;
        }

        var remote = Ngtcp2.ngtcp2_conn_get_remote_transport_params(NativeConnection);
        if (remote == null || remote->max_datagram_frame_size == 0)
        {
            _maxDatagramSize = 0;
            return;
        }

        var frameLimit = (int)Math.Min(remote->max_datagram_frame_size, 65535) - DatagramFrameOverhead;
        var dcidLength = (int)Ngtcp2.ngtcp2_conn_get_dcid(NativeConnection)->datalen;
        var pathLimit = maxUdpPayload - ShortHeaderOverheadWithoutDcid - dcidLength - DatagramFrameOverhead;
        _maxDatagramSize = Math.Max(0, Math.Min(frameLimit, pathLimit));
    }

    /// <summary>A queued copy of a datagram: <see cref="Length"/> bytes at the start of a pinned native block.</summary>
    private readonly struct OutgoingDatagram(IMemoryOwner<byte> copy, int length)
    {
        public int Length => length;

        public byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(copy.Memory.Span));

        /// <summary>Gives the block back and the budget what it was charged.</summary>
        public void Release(QuicMemoryBudget budget)
        {
            budget.Release(copy.Memory.Length);
            copy.Dispose();
        }
    }
}
