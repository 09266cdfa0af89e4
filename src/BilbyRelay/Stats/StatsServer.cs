using System.Net;
using System.Net.Sockets;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Stats;

/// <summary>
/// The REST / stats endpoint (PROTOCOL.md §6): a small HTTP/1.1 server on raw sockets and
/// pipelines, listening on every configured address. Read-only towards the relay except for
/// DELETE of a tunnel. Lifecycle: <see cref="StartAsync"/> once, then <see cref="StopAsync"/> or
/// <see cref="DisposeAsync"/>; members are thread-safe.
/// </summary>
internal sealed class StatsServer : IAsyncDisposable
{
    private const long CapWarningIntervalMs = 10_000;

    private readonly StatsServerOptions _options;
    private readonly Logger _log;
    private readonly HttpRequestParser _parser;
    private readonly StatsRequestHandler _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];

    // Guarded by itself: the open connections, counted against MaxConnections.
    private readonly HashSet<StatsConnection> _connections = [];

    private IReadOnlyList<IPEndPoint> _localEndPoints = [];

    // Environment.TickCount64 of the last cap warning; starts one interval in the past so the first one is logged.
    private long _lastCapWarning = -CapWarningIntervalMs;
    private int _state; // 0 new, 1 started, 2 stopped

    public StatsServer(StatsServerOptions options, IStatsSource source, Logger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        _options = options;
        _log = log;
        var token = new BearerTokenVerifier(options.ApiToken);
        _parser = new HttpRequestParser(options, token);
        _handler = new StatsRequestHandler(source, token, options.Version, log);
    }

    /// <summary>The bound addresses, with port 0 resolved to the port the system chose. Empty before start.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _localEndPoints;

    /// <summary>Number of open connections (for diagnostics and tests).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>
    /// Binds every address before returning, so a taken port or bad address fails start-up with a
    /// <see cref="StatsListenException"/> naming it (and nothing stays bound); then starts accepting.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The stats endpoint was already started.");
        }

        var bound = new List<IPEndPoint>(_options.EndPoints.Count);
        try
        {
            foreach (IPEndPoint endPoint in _options.EndPoints)
            {
                Socket listener = _options.InheritedSockets.TryGetValue(endPoint, out var inherited) ? Adopt(endPoint, inherited) : Listen(endPoint);
                _listeners.Add(listener);
                bound.Add((IPEndPoint)listener.LocalEndPoint!);
            }
        }
        catch
        {
            foreach (Socket listener in _listeners)
            {
                listener.Dispose();
            }

            _listeners.Clear();
            throw;
        }

        _localEndPoints = bound;
        for (int i = 0; i < _listeners.Count; i++)
        {
            StatsLog.Listening(_log, bound[i]);
            _acceptLoops.Add(AcceptLoopAsync(_listeners[i], bound[i]));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting, closes idle connections and lets responses in progress finish (with
    /// Connection: close). When <paramref name="cancellationToken"/> fires first, the remaining
    /// connections are closed abruptly. Idempotent.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);

        StatsConnection[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        foreach (StatsConnection connection in open)
        {
            connection.BeginShutdown();
        }

        Task allClosed = Task.WhenAll(open.Select(c => c.Completion));
        try
        {
            await allClosed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (StatsConnection connection in open)
            {
                connection.Abort();
            }

            await allClosed.ConfigureAwait(false);
        }

        StatsLog.Stopped(_log);
    }

    /// <summary>Stops at once: idle connections close cleanly, any still mid-request are cut.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private Socket Listen(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // IPV6_V6ONLY: "[::]" and "0.0.0.0" are configured as separate listeners.
                socket.DualMode = false;
            }

            socket.Bind(endPoint);
            socket.Listen(_options.ListenBacklog);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new StatsListenException(endPoint, ex);
        }
    }

    // A socket unit's ListenStream= socket is already listening; one that is not is put into the listening state here.
    private Socket Adopt(IPEndPoint endPoint, int descriptor)
    {
        var socket = new Socket(new SafeSocketHandle(descriptor, ownsHandle: true));
        try
        {
            if ((int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! == 0)
            {
                socket.Listen(_options.ListenBacklog);
            }

            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new StatsListenException(endPoint, ex);
        }
    }

    private async Task AcceptLoopAsync(Socket listener, IPEndPoint endPoint)
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Typically EMFILE/ENFILE: back off instead of spinning on the same error.
                StatsLog.AcceptFailed(_log, endPoint, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        StatsConnection connection;
        try
        {
            socket.NoDelay = true;
            connection = new StatsConnection(socket, _options, _parser, _handler, _log);
        }
        catch (SocketException)
        {
            // Reset between accept and here: nothing to serve.
            socket.Dispose();
            return;
        }

        bool admitted;
        StatsConnection? evicted = null;
        lock (_connections)
        {
            if (!_stopping.IsCancellationRequested && _connections.Count >= _options.MaxConnections)
            {
                evicted = OldestIncompleteRequest();
                if (evicted is not null)
                {
                    _connections.Remove(evicted);
                }
            }

            admitted = !_stopping.IsCancellationRequested && _connections.Count < _options.MaxConnections && _connections.Add(connection);
        }

        if (evicted is not null)
        {
            // Slowloris and silent connections hold slots only until someone else needs one.
            WarnCapReached();
            evicted.Abort();
        }

        if (!admitted)
        {
            Reject(socket);
            return;
        }

        _ = RunConnectionAsync(connection);
    }

    private async Task RunConnectionAsync(StatsConnection connection)
    {
        try
        {
            // Leave the accept loop at once; the connection's first read would otherwise run inline.
            await Task.Yield();
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
            }
        }
    }

    /// <summary>
    /// Under the lock, at the cap: the connection whose request has been arriving the longest (a slowloris, or a client
    /// that connected and said nothing), or null when every connection is between requests or answering one.
    /// </summary>
    private StatsConnection? OldestIncompleteRequest()
    {
        StatsConnection? oldest = null;
        long oldestStart = long.MaxValue;
        foreach (StatsConnection candidate in _connections)
        {
            long started = candidate.RequestStartedAt;
            if (started < oldestStart)
            {
                oldest = candidate;
                oldestStart = started;
            }
        }

        return oldest;
    }

    private void WarnCapReached()
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastCapWarning);
        if (now - last >= CapWarningIntervalMs && Interlocked.CompareExchange(ref _lastCapWarning, now, last) == last)
        {
            StatsLog.ConnectionCapReached(_log, _options.MaxConnections);
        }
    }

    /// <summary>Over the cap (or stopping): answer 503 without reading anything and close. Never blocks the accept loop.</summary>
    private void Reject(Socket socket)
    {
        if (!_stopping.IsCancellationRequested)
        {
            WarnCapReached();
        }

        try
        {
            socket.Blocking = false;
            socket.Send(ServiceUnavailableResponse.Bytes, SocketFlags.None, out _);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Best effort: the peer may already be gone.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
