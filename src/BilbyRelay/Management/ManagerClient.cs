using System.Net.WebSockets;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Management;

/// <summary>
/// The outbound link to the bilbycast manager (PROTOCOL.md §3): connect to <c>urls[i]</c>,
/// authenticate, run a <see cref="ManagerSession"/> until it ends, report it, wait
/// <see cref="ManagerOptions.ReconnectDelay"/>, move to the next URL (round robin), forever.
/// <para>Everything runs on the client's own tasks; nothing here is on the forwarding path, and the
/// relay only ever sees non-blocking calls (<see cref="IRelayEventSink.Emit"/>, snapshots).</para>
/// <para>Events raised here: <c>Connected to manager</c> (info) after authentication;
/// <c>Manager connection lost, reconnecting[: error]</c> (warning) when an authenticated session
/// ends; <c>Manager authentication failed: …</c> (critical) on <c>auth_error</c> — once per distinct
/// reason in a row, so a manager that keeps refusing does not flood the bounded event queue.
/// Attempts that fail before authentication (refused, timeout, TLS) are logged, not queued as events.</para>
/// </summary>
internal sealed class ManagerClient : IAsyncDisposable
{
    private readonly ManagerOptions _options;
    private readonly IManagedRelay _relay;
    private readonly IRelayEventSource _events;
    private readonly IRelayEventSink _sink;
    private readonly ManagerCredentials _credentials;
    private readonly ManagerCommandHandler _commands;
    private readonly Logger _log;
    private readonly TimeProvider _time;
    private readonly Func<string, string?> _environment;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private Task? _run;
    private ManagerSession? _session;
    private bool _stopping;

    private volatile bool _connected;
    private long _disconnectedSince;
    private string? _lastAuthFailure;
    private string? _lastFailure;

    /// <param name="environment">Environment lookup (for BILBYCAST_ALLOW_INSECURE); the process environment by default.</param>
    public ManagerClient(
        ManagerOptions options,
        IManagedRelay relay,
        IRelayEventSource events,
        IRelayEventSink sink,
        ICredentialStore credentialStore,
        Logger log,
        TimeProvider? time = null,
        Func<string, string?>? environment = null)
    {
        var errors = ManagerOptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _relay = relay;
        _events = events;
        _sink = sink;
        _log = log;
        _time = time ?? TimeProvider.System;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _credentials = new ManagerCredentials(options, credentialStore, sink, log);
        _commands = new ManagerCommandHandler(relay, _credentials, _time, log);
        _disconnectedSince = _time.GetTimestamp();
    }

    public ManagerLinkCounters Counters { get; } = new();

    /// <summary>The node id in use (from config or from <c>register_ack</c>), or null before registration.</summary>
    public string? NodeId => _credentials.NodeId;

    /// <summary>Why the last attempt or session ended, for diagnostics; null when none failed yet.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>For <c>GET /health</c>: connected, seconds since the link went down, whether it keeps retrying, and why it is down.</summary>
    public ManagerStatus Status
    {
        get
        {
            if (_connected)
            {
                return new ManagerStatus(Connected: true, DisconnectedSecs: null, Reconnecting: false, LastError: null);
            }

            var since = Interlocked.Read(ref _disconnectedSince);
            var seconds = (long)_time.GetElapsedTime(since).TotalSeconds;
            bool running;
            lock (_gate)
            {
                running = _run is not null && !_stopping;
            }

            return new ManagerStatus(Connected: false, DisconnectedSecs: seconds, Reconnecting: running, LastError: LastFailure);
        }
    }

    /// <summary>Starts the connect loop on its own task. Idempotent.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_run is not null || _stopping)
            {
                return;
            }

            _run = Task.Run(() => RunAsync(_shutdown.Token));
        }
    }

    /// <summary>
    /// Stops the link: queued events get up to <see cref="ManagerOptions.ShutdownFlushTimeout"/> to
    /// reach the manager, the socket is closed with a normal closure, and no reconnect follows.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? run;
        ManagerSession? session;
        lock (_gate)
        {
            if (_stopping)
            {
                run = _run;
                session = null;
            }
            else
            {
                _stopping = true;
                run = _run;
                session = _session;
            }
        }

        if (run is null)
        {
            return;
        }

        ManagementLog.Stopping(_log);
        if (session is not null)
        {
            await session.CloseGracefullyAsync(_options.ShutdownFlushTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        await run.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var index = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var url = _options.Urls[index];
            index = (index + 1) % _options.Urls.Count;
            await RunOnceAsync(url, cancellationToken).ConfigureAwait(false);

            try
            {
                await Task.Delay(_options.ReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One attempt against <paramref name="url"/>: connect, authenticate, run the session. Never throws.</summary>
    private async Task RunOnceAsync(Uri url, CancellationToken cancellationToken)
    {
        Counters.OnConnectAttempt();
        ManagementLog.Connecting(_log, url);
        WebSocket? socket = null;
        ManagerSession? session = null;
        try
        {
            socket = await ManagerConnector.ConnectAsync(url, _options, _environment, cancellationToken).ConfigureAwait(false);
            session = new ManagerSession(socket, _options, _relay, _events, _commands, Counters, _log, _time);
            var auth = await session.AuthenticateAsync(_credentials, cancellationToken).ConfigureAwait(false);
            if (!auth.IsAuthenticated)
            {
                OnAuthenticationFailed(url, auth);
                return;
            }

            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }

                _session = session;
            }

            OnConnected(url);
            var reason = await session.RunAsync(cancellationToken).ConfigureAwait(false);
            MarkDisconnected();
            OnSessionEnded(url, reason);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // Refused, timed out, TLS refusal, or anything unexpected: the loop must go on forever.
            Volatile.Write(ref _lastFailure, ex.Message);
            ManagementLog.AttemptFailed(_log, url, ex.Message, _options.ReconnectDelay);
        }
        finally
        {
            lock (_gate)
            {
                _session = null;
            }

            MarkDisconnected();
            if (session is not null)
            {
                session.Dispose();
            }
            else
            {
                socket?.Dispose();
            }
        }
    }

    private void MarkDisconnected()
    {
        if (_connected)
        {
            Interlocked.Exchange(ref _disconnectedSince, _time.GetTimestamp());
            _connected = false;
        }
    }

    private void OnAuthenticationFailed(Uri url, AuthOutcome auth)
    {
        var reason = auth.Message ?? "unknown reason";
        Volatile.Write(ref _lastFailure, reason);
        if (auth.Kind != AuthOutcomeKind.Rejected)
        {
            ManagementLog.AttemptFailed(_log, url, reason, _options.ReconnectDelay);
            return;
        }

        ManagementLog.AuthenticationFailed(_log, url, reason);
        if (_lastAuthFailure != reason)
        {
            _lastAuthFailure = reason;
            _sink.Emit(EventSeverity.Critical, EventCategory.Manager, EventMessages.ManagerAuthenticationFailed(reason));
        }
    }

    private void OnConnected(Uri url)
    {
        _lastAuthFailure = null;
        _connected = true;
        Counters.OnSession();
        ManagementLog.Connected(_log, url);
        _sink.Emit(EventSeverity.Info, EventCategory.Manager, EventMessages.ManagerConnected);
    }

    private void OnSessionEnded(Uri url, string? reason)
    {
        bool stopping;
        lock (_gate)
        {
            stopping = _stopping;
        }

        if (stopping)
        {
            return;
        }

        Volatile.Write(ref _lastFailure, reason);
        _sink.Emit(
            EventSeverity.Warning,
            EventCategory.Manager,
            reason is null ? EventMessages.ManagerConnectionLost : EventMessages.ManagerConnectionLostWithError(reason));
        ManagementLog.ConnectionLost(_log, url, reason, _options.ReconnectDelay);
    }
}
