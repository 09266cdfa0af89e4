using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>
/// One UDP socket and the one thread that owns it and every connection routed to it. Every ngtcp2 call for those
/// connections happens on this thread (ngtcp2 is single-threaded per connection). Other threads reach the loop
/// only through <see cref="Post"/> (a lock-free queue plus an eventfd wake-up).
/// </summary>
/// <remarks>
/// Threading: fields below marked "loop" are touched only by the loop thread. Counters are written by the loop and
/// read by anyone.
/// </remarks>
internal sealed unsafe partial class QuicEndpoint
{
    /// <summary>Length of every connection ID this engine issues, so short headers can be routed.</summary>
    internal const int LocalConnectionIdLength = 18;

    private const int ReceiveBatchSize = 64;
    private const int OffloadReceiveBatchSize = 32;
    private const int MaxReceiveBatchesPerTurn = 32;

    // What forwarding received datagrams costs is paid again in the flush that sends them on: a turn stops reading
    // after this long so queued packets, ACKs and timers go out instead of waiting behind a full socket buffer.
    private const ulong ReceiveTurnNanoseconds = 500_000;

    private static readonly Lock s_clientEndpointsLock = new();
    private static QuicEndpoint? s_clientIPv4;
    private static QuicEndpoint? s_clientIPv6;

    private readonly UdpBatchSocket _socket;
    private readonly EventLoopPoller _poller;
    private readonly UdpReceiveBatch _receiveBatch;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<ILoopWorkItem> _work = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // loop
    private readonly Dictionary<ConnectionIdKey, QuicConnection> _routes = [];
    private readonly Dictionary<ConnectionIdKey, QuicConnection> _peerResetTokens = [];
    private readonly HashSet<QuicConnection> _connections = [];
    private readonly PriorityQueue<QuicConnection, ulong> _timers = new();
    private readonly List<QuicConnection> _dirty = [];

    // Splice sources that copied bytes into a target's output this turn (QueueSpliceCommit).
    private readonly List<QuicStream> _spliceCommits = [];
    private readonly PendingSend _pendingSend = new();

    // Connections whose flow-control credit is below their full window because the memory budget is short;
    // retried every CreditRecheckNanoseconds, since nothing signals the loop when usage falls.
    private readonly List<QuicConnection> _creditShort = [];
    private ulong _creditCheckedAt;
    private readonly byte* _sendBuffer;
    private readonly ngtcp2_path_storage* _writePath;
    private readonly byte* _localAddress;
    private readonly byte* _resetSecret;
    private ulong _statelessResetWindowStart;
    private int _statelessResetsInWindow;

    private volatile bool _stopRequested;
    private volatile bool _stopSilently;
    private int _loopThreadId;
    private long _packetsReceived;
    private long _packetsSent;
    private long _bytesReceived;
    private long _bytesSent;
    private long _packetsDropped;
    private long _sendsDropped;
    private long _sendWaits;
    private int _connectionCount;

    private QuicEndpoint(UdpBatchSocket socket, QuicListener? listener, Action<QuicLogEvent>? log, int loopsSharingAddress)
    {
        _socket = socket;
        Listener = listener;
        Log = log;
        _poller = new EventLoopPoller();
        _poller.Register(socket.Handle);
        // With receive offload a slot holds a whole coalesced run (up to 64 KiB), so fewer slots cover as many datagrams;
        // a slot's pages become resident only as far as the kernel writes into them.
        _receiveBatch = socket.TryEnableReceiveOffload()
            ? new UdpReceiveBatch(OffloadReceiveBatchSize, UdpReceiveBatch.MaxBufferSize, receiveOffload: true)
            : new UdpReceiveBatch(ReceiveBatchSize, 2048);
        _sendBuffer = (byte*)NativeMemory.AlignedAlloc(UdpBatchSocket.MaxGsoBytes, 64);
        _writePath = (ngtcp2_path_storage*)NativeMemory.AllocZeroed((nuint)sizeof(ngtcp2_path_storage));
        _writePath->path.local.addr = _writePath->local_addrbuf;
        _writePath->path.remote.addr = _writePath->remote_addrbuf;
        _localAddress = (byte*)NativeMemory.AllocZeroed(SocketAddressCodec.MaxLength);
        LocalAddressLength = SocketAddressCodec.Write(socket.LocalEndPoint, new Span<byte>(_localAddress, SocketAddressCodec.MaxLength));
        _resetSecret = (byte*)NativeMemory.Alloc(32);
        if (listener is not null)
        {
            // Every loop of a listener shares the key: a loop that gets a packet for another loop's connection (the
            // peer's port changed) answers with a stateless reset the peer recognises, so it reconnects at once.
            listener.StatelessResetKey.CopyTo(new Span<byte>(_resetSecret, 32));
            var options = listener.Options;
            if (options.RetryAboveHandshakesPerSecond is { } threshold)
            {
                _retryThreshold = threshold == 0 ? 0 : LoopShare(threshold, loopsSharingAddress);
            }

            _maxHalfOpen = LoopShare(options.MaxHalfOpenConnections, loopsSharingAddress);
            _retryTokenLifetime = MonotonicClock.ToNanoseconds(options.RetryTokenLifetime);
        }
        else
        {
            CryptoRandom.FillKey(new Span<byte>(_resetSecret, 32));
        }
        _thread = new Thread(RunLoop)
        {
            IsBackground = true,
            Name = listener is null ? "quic-client-loop" : $"quic-loop {socket.LocalEndPoint}",
        };
    }

    internal IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Null for the shared client endpoints.</summary>
    internal QuicListener? Listener { get; }

    internal Action<QuicLogEvent>? Log { get; }

    internal Task Stopped => _stopped.Task;

    internal bool IsLoopThread => Environment.CurrentManagedThreadId == _loopThreadId;

    internal long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    internal long PacketsSent => Interlocked.Read(ref _packetsSent);

    internal long BytesReceived => Interlocked.Read(ref _bytesReceived);

    internal long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Datagrams that were not QUIC or belonged to nothing (garbage, stray, refused).</summary>
    internal long PacketsDropped => Interlocked.Read(ref _packetsDropped);

    /// <summary>Outgoing packets not sent: offered while earlier ones waited for the socket, or refused by a socket error (QUIC treats them as lost).</summary>
    internal long SendsDropped => Interlocked.Read(ref _sendsDropped);

    /// <summary>Connections this loop owns now (any thread may read it).</summary>
    internal int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Times the socket's send buffer was full and packets waited for it to become writable.</summary>
    internal long SendWaits => Interlocked.Read(ref _sendWaits);

    /// <summary>Loop: packets wait for the socket; nothing more may be written until they are sent.</summary>
    internal bool IsSendBlocked => _pendingSend.IsPending;

    /// <summary>The UDP socket, for tests that shrink its send buffer.</summary>
    internal UdpBatchSocket Socket => _socket;

    // loop: the bound address as a sockaddr, the local half of every path.
    internal byte* LocalAddress => _localAddress;

    internal int LocalAddressLength { get; }

    internal byte* SendBuffer => _sendBuffer;

    internal ngtcp2_path_storage* WritePath => _writePath;

    internal static QuicEndpoint Start(IPEndPoint localEndPoint, QuicListener? listener, Action<QuicLogEvent>? log) =>
        Start(UdpBatchSocket.Bind(localEndPoint), listener, log);

    /// <summary>Starts a loop on a socket this endpoint takes over (closed with it, or at once if the start fails).</summary>
    internal static QuicEndpoint Start(UdpBatchSocket socket, QuicListener? listener, Action<QuicLogEvent>? log, int loopsSharingAddress = 1)
    {
        QuicEndpoint endpoint;
        try
        {
            endpoint = new QuicEndpoint(socket, listener, log, loopsSharingAddress);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        endpoint._thread.Start();
        return endpoint;
    }

    /// <summary>The process-wide client endpoint for a family: one socket and loop shared by all outgoing connections.</summary>
    internal static QuicEndpoint GetClientEndpoint(AddressFamily family)
    {
        lock (s_clientEndpointsLock)
        {
            if (family == AddressFamily.InterNetworkV6)
            {
                return s_clientIPv6 ??= Start(new IPEndPoint(IPAddress.IPv6Any, 0), null, null);
            }

            return s_clientIPv4 ??= Start(new IPEndPoint(IPAddress.Any, 0), null, null);
        }
    }

    /// <summary>Queues work for the loop thread. Thread-safe. After the loop stopped, the item never runs.</summary>
    internal void Post(ILoopWorkItem item)
    {
        _work.Enqueue(item);
        _poller.Wake();
    }

    /// <summary>Closes every connection (reason EndpointShutdown), stops the loop and releases the socket.</summary>
    /// <param name="silently">Test hook: free every connection without sending CONNECTION_CLOSE, as if the process died.</param>
    internal Task StopAsync(bool silently = false)
    {
        _stopSilently |= silently;
        _stopRequested = true;
        _poller.Wake();
        return _stopped.Task;
    }

    /// <summary>Receives the events of every endpoint in the process (shared client endpoints have no sink of their own). For tests.</summary>
    internal static Action<QuicLogEvent>? GlobalLog { get; set; }

    internal void Emit(QuicLogLevel level, long connectionId, string message)
    {
        GlobalLog?.Invoke(new QuicLogEvent(level, connectionId, message));
        var log = Log;
        if (log is null)
        {
            return;
        }

        try
        {
            log(new QuicLogEvent(level, connectionId, message));
        }
        catch (Exception)
        {
            // A failing log sink must not take the loop down.
        }
    }

    // ---- loop-thread API used by connections ----

    internal void AddConnection(QuicConnection connection)
    {
        _connections.Add(connection);
        Interlocked.Increment(ref _connectionCount);
    }

    /// <summary>Loop thread: forgets a freed connection, including its timer entries (so it can be collected).</summary>
    internal void RemoveConnection(QuicConnection connection)
    {
        if (_connections.Remove(connection))
        {
            Interlocked.Decrement(ref _connectionCount);
        }

        while (_timers.Remove(connection, out _, out _))
        {
        }
    }

    internal bool Route(ReadOnlySpan<byte> connectionId, QuicConnection connection) =>
        _routes.TryAdd(new ConnectionIdKey(connectionId), connection);

    internal void Unroute(ReadOnlySpan<byte> connectionId, QuicConnection connection)
    {
        var key = new ConnectionIdKey(connectionId);
        if (_routes.TryGetValue(key, out var owner) && ReferenceEquals(owner, connection))
        {
            _routes.Remove(key);
        }
    }

    /// <summary>
    /// Loop thread: remembers the stateless reset token the peer gave for the connection ID we send to, so a reset
    /// (whose DCID bytes are random and route nowhere) still reaches its connection.
    /// </summary>
    internal void RegisterPeerResetToken(ReadOnlySpan<byte> token, QuicConnection connection) =>
        _peerResetTokens.TryAdd(new ConnectionIdKey(token), connection);

    internal void UnregisterPeerResetToken(ReadOnlySpan<byte> token, QuicConnection connection)
    {
        var key = new ConnectionIdKey(token);
        if (_peerResetTokens.TryGetValue(key, out var owner) && ReferenceEquals(owner, connection))
        {
            _peerResetTokens.Remove(key);
        }
    }

    internal int GenerateStatelessResetToken(byte* token, ngtcp2_cid* cid) =>
        Ngtcp2Crypto.ngtcp2_crypto_generate_stateless_reset_token(token, _resetSecret, 32, cid);

    /// <summary>Loop thread: <paramref name="holder"/> holds back credit until its budget allows; registered once per episode.</summary>
    internal void QueueCreditTopUp(QuicConnection connection) => _creditShort.Add(connection);

    /// <summary>Loop thread: <paramref name="source"/> moved spliced bytes this turn; they are committed before packets are written.</summary>
    internal void QueueSpliceCommit(QuicStream source) => _spliceCommits.Add(source);

    /// <summary>Marks a connection as having something to write; flushed at the end of the loop turn.</summary>
    internal void MarkDirty(QuicConnection connection)
    {
        if (!connection.IsDirty)
        {
            connection.IsDirty = true;
            _dirty.Add(connection);
        }
    }

    /// <summary>
    /// Sends packets (a GSO batch when <paramref name="segmentSize"/> &gt; 0). What a full socket buffer refuses is
    /// kept and sent once the socket is writable (<see cref="IsSendBlocked"/> until then); packets offered while
    /// blocked, or that fail outright, are dropped and counted.
    /// </summary>
    internal void Send(byte* data, int length, byte* remote, int remoteLength, int segmentSize, int packetCount)
    {
        if (_pendingSend.IsPending)
        {
            // Only stateless replies and close packets get here: connections stop writing while blocked.
            Interlocked.Increment(ref _sendsDropped);
            return;
        }

        int sent;
        try
        {
            sent = _socket.Send(new ReadOnlySpan<byte>(data, length), new ReadOnlySpan<byte>(remote, remoteLength), segmentSize);
        }
        catch (UdpSocketException e)
        {
            CountFailedSend(e);
            return;
        }

        if (sent < length)
        {
            _pendingSend.Keep(new ReadOnlySpan<byte>(data + sent, length - sent), new ReadOnlySpan<byte>(remote, remoteLength), segmentSize);
            _poller.SetWritableInterest(_socket.Handle, on: true);
            Interlocked.Increment(ref _sendWaits);
        }

        Interlocked.Add(ref _bytesSent, length);
        Interlocked.Add(ref _packetsSent, packetCount);
    }

    /// <summary>A send the socket refused with an error (not a full buffer): the packets are lost, QUIC recovers them.</summary>
    private void CountFailedSend(UdpSocketException e)
    {
        Emit(QuicLogLevel.Warning, 0, $"UDP send failed: {e.Message}");
        Interlocked.Increment(ref _sendsDropped);
    }

    /// <summary>Sends one datagram to a sockaddr; used for stateless packets (version negotiation, resets, refusals).</summary>
    internal void SendStateless(byte* data, int length, byte* remote, int remoteLength) => Send(data, length, remote, remoteLength, 0, 1);

    /// <summary>Re-evaluates a connection's next timer. Keeps at most one live heap entry per connection.</summary>
    internal void Reschedule(QuicConnection connection)
    {
        var expiry = connection.NextExpiry();
        if (expiry < connection.ScheduledExpiry)
        {
            connection.ScheduledExpiry = expiry;
            _timers.Enqueue(connection, expiry);
        }
    }
}
