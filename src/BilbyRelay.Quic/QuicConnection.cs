using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>
/// One QUIC connection (either role). Public members are thread-safe; everything that touches ngtcp2 runs on the
/// owning endpoint's loop thread, reached through <see cref="QuicEndpoint.Post"/>.
/// </summary>
/// <remarks>
/// Ownership: the connection's native objects belong to its <see cref="NativeConnectionHandle"/>, which
/// <see cref="Free"/> releases exactly once, on the loop thread, never from inside an ngtcp2 callback. A connection
/// is not freed when it closes: it first spends 3×PTO in the closing or draining period (RFC 9000 §10.2).
/// </remarks>
public sealed partial class QuicConnection : IAsyncDisposable, ILoopWorkItem
{
    private static long s_nextId;

    private readonly QuicEndpoint _endpoint;
    private readonly bool _isServer;
    private readonly QuicTransportSettings _settings;
    private readonly string _alpn;
    private readonly QuicClientOptions? _clientOptions;
    private readonly TaskCompletionSource<QuicConnectionCloseInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<QuicConnection>? _connected;
    private readonly Channel<QuicStream> _incomingStreams = Channel.CreateUnbounded<QuicStream>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentQueue<OpenStreamRequest> _openRequests = new();

    // Loop-thread state.
    private readonly Dictionary<long, QuicStream> _streams = [];
    private readonly Queue<QuicStream> _sendQueue = new();
    private readonly Queue<OpenStreamRequest> _blockedOpens = new();
    private readonly List<byte[]> _localConnectionIds = [];
    private NativeConnectionHandle? _native;
    private bool _halfOpen; // a server connection counted in its endpoint's half-open connections
    private bool _handshakeCompleted;
    private byte[]? _peerResetToken;
    private ulong _closeDeadline;
    private byte[]? _closePacket;
    private int _packetsSinceCloseSent;
    private bool _retryBlockedOpens;
    private ulong _lastFlowControlBlockedRetry;
    private bool _statelessResetReceived;
    private string? _handshakeFailure;
    private QuicError? _handshakeFailureError;

    // Cross-thread state.
    private volatile QuicConnectionCloseInfo? _closeInfo;
    private CloseRequest? _closeRequest;
    private int _serviceQueued;
    private int _vanishRequested;
    private readonly IPEndPoint _remoteEndPoint;
    private string _negotiatedAlpn = "";

    // Traffic counters: +loop, read from any thread.
    private long _packetsSent;
    private long _bytesSent;
    private long _packetsReceived;
    private long _bytesReceived;

    private QuicConnection(QuicEndpoint endpoint, bool isServer, QuicTransportSettings settings, string alpn, QuicClientOptions? clientOptions, IPEndPoint remote)
    {
        settings.Validate();
        Id = Interlocked.Increment(ref s_nextId);
        _endpoint = endpoint;
        _isServer = isServer;
        _settings = settings;
        _alpn = alpn;
        _clientOptions = clientOptions;
        _remoteEndPoint = remote;
        _datagramCapacity = settings.DatagramSendQueueCapacity;
        Held = new HeldBytes(this);
        if (!isServer)
        {
            _connected = new TaskCompletionSource<QuicConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Process-unique, increasing.</summary>
    public long Id { get; }

    /// <summary>What the engine holds because this connection's peer sent it; its connection credit depends on it.</summary>
    public HeldBytes Held { get; }

    public IPEndPoint RemoteEndPoint => _remoteEndPoint;

    public IPEndPoint LocalEndPoint => _endpoint.LocalEndPoint;

    /// <summary>The ALPN protocol both sides agreed on; set once the handshake completed.</summary>
    public string NegotiatedAlpn => Volatile.Read(ref _negotiatedAlpn);

    /// <summary>Completes when the connection ends (not when its native state is freed), with the reason.</summary>
    public Task<QuicConnectionCloseInfo> Closed => _closed.Task;

    /// <summary>True when this side accepted the connection.</summary>
    public bool IsServer => _isServer;

    // Loop-thread bookkeeping used by the endpoint.
    internal bool IsDirty { get; set; }

    internal ulong ScheduledExpiry { get; set; } = ulong.MaxValue;

    internal QuicEndpoint Endpoint => _endpoint;

    internal QuicMemoryBudget Budget => _settings.MemoryBudget;

    /// <summary>Receive window every stream starts with (the transport parameters advertise it).</summary>
    internal long InitialStreamReceiveWindow => Math.Min(_settings.InitialStreamReceiveWindow, _settings.StreamReceiveWindow);

    /// <summary>Largest receive window a stream may have.</summary>
    internal long MaxStreamReceiveWindow => _settings.StreamReceiveWindow;

    /// <summary>Connects to a server; completes when the handshake (including certificate checks) succeeded.</summary>
    /// <exception cref="QuicException">Refused, timed out, ALPN mismatch, certificate rejected, ...</exception>
    public static async ValueTask<QuicConnection> ConnectAsync(QuicClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.RemoteEndPoint);
        if (string.IsNullOrEmpty(options.Alpn))
        {
            throw new ArgumentException("An ALPN protocol is required.", nameof(options));
        }

        var endpoint = options.UseDedicatedEndpoint
            ? QuicEndpoint.Start(new IPEndPoint(options.RemoteEndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), null, options.Log)
            : QuicEndpoint.GetClientEndpoint(options.RemoteEndPoint.AddressFamily);
        var connection = new QuicConnection(endpoint, isServer: false, options.Transport, options.Alpn, options, options.RemoteEndPoint);
        endpoint.Post(new StartClientWorkItem(connection));
        try
        {
            return await connection._connected!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            connection.Close(0, "connect cancelled");
            throw;
        }
    }

    /// <summary>Waits for the next stream the peer opened, in the order it opened them.</summary>
    /// <exception cref="QuicException">The connection ended.</exception>
    public async ValueTask<QuicStream> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _incomingStreams.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is QuicException inner)
        {
            throw new QuicException(inner.Error, inner.Message, inner)
            {
                ApplicationErrorCode = inner.ApplicationErrorCode,
                TransportErrorCode = inner.TransportErrorCode,
                CloseInfo = inner.CloseInfo,
            };
        }
    }

    /// <summary>Opens a stream, waiting for stream credit from the peer if its limit is reached.</summary>
    public ValueTask<QuicStream> OpenStreamAsync(bool bidirectional, CancellationToken cancellationToken = default)
    {
        if (_closeInfo is { } info)
        {
            return ValueTask.FromException<QuicStream>(NativeErrors.ConnectionEnded(info));
        }

        var request = new OpenStreamRequest(bidirectional, cancellationToken);
        _openRequests.Enqueue(request);
        RequestService();
        return new ValueTask<QuicStream>(request.Task);
    }

    /// <summary>
    /// Sends CONNECTION_CLOSE with an application error code. Idempotent; the first call wins. The connection then
    /// stays in its closing period for 3×PTO before native state is freed.
    /// </summary>
    public void Close(long applicationErrorCode, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(applicationErrorCode);
        if (Interlocked.CompareExchange(ref _closeRequest, new CloseRequest(applicationErrorCode, reason ?? ""), null) is null)
        {
            RequestService();
        }
    }

    /// <summary>Closes with application error 0 and waits until the connection has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        Close(0, "");
        await _closed.Task.ConfigureAwait(false);
    }

    public override string ToString() => $"QUIC connection {Id} {(_isServer ? "from" : "to")} {RemoteEndPoint}";

    /// <summary>
    /// Test hook: forgets the connection without sending anything, as if this process vanished. The peer only learns
    /// through its idle timeout (or a stateless reset if it sends to our endpoint).
    /// </summary>
    internal void Vanish()
    {
        if (_clientOptions is { UseDedicatedEndpoint: true })
        {
            // The socket goes away too: the peer hears nothing at all, not even a stateless reset.
            _endpoint.StopAsync(silently: true);
            return;
        }

        Interlocked.Exchange(ref _vanishRequested, 1);
        RequestService();
    }

    /// <summary>Schedules <see cref="Execute"/> on the loop thread; coalesced while already queued.</summary>
    private void RequestService()
    {
        if (Interlocked.Exchange(ref _serviceQueued, 1) == 0)
        {
            _endpoint.Post(this);
        }
    }

    /// <summary>Loop thread: handles what other threads asked for.</summary>
    void ILoopWorkItem.Execute()
    {
        Volatile.Write(ref _serviceQueued, 0);
        if (_state == ConnectionState.Freed)
        {
            FailPendingOpens();
            DrainDatagramQueue();
            return;
        }

        var now = MonotonicClock.NowNanoseconds;
        if (Volatile.Read(ref _vanishRequested) != 0)
        {
            ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.LocalClose, null, null, "vanished"));
            Free();
            return;
        }

        if (Volatile.Read(ref _closeRequest) is { } close && (_state == ConnectionState.Handshaking || _state == ConnectionState.Established))
        {
            CloseLocally(close, now);
            return;
        }

        ProcessOpenRequests();
        RetryCreditNow();
        _endpoint.MarkDirty(this);
    }

    private sealed record CloseRequest(long Code, string Reason);

    private sealed class StartClientWorkItem(QuicConnection connection) : ILoopWorkItem
    {
        public void Execute() => connection.StartClient();
    }
}
