using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Management;

/// <summary>
/// One manager connection from the <c>auth</c> frame until it closes.
/// <para>Flow: <see cref="AuthenticateAsync"/> sends <c>auth</c> and waits for the answer; then
/// <see cref="RunAsync"/> sends the first <c>health</c>, then runs four tasks until the socket ends:</para>
/// <list type="bullet">
/// <item>receive: reads frames, answers <c>ping</c> and <c>command</c> by queueing replies;</item>
/// <item>outbound pump: sends queued replies, and <c>stats</c>/<c>health</c> built fresh at send time;</item>
/// <item>event pump: peeks the relay's event queue, sends, then removes (unsent events survive a drop);</item>
/// <item>timers: <c>health</c> every 15 s, <c>stats</c> every 1 s.</item>
/// </list>
/// <para>Bounded by construction: at most one stats and one health report are pending (a tick while
/// one is pending is skipped and counted), replies wait in a bounded channel (when it is full the
/// receive task pauses, which pushes back on the manager), events wait in the relay's bounded queue.
/// The socket is written by one task at a time (<c>_sendLock</c>); a send that stalls longer than
/// <see cref="ManagerOptions.SendStallTimeout"/> drops the connection.</para>
/// </summary>
internal sealed class ManagerSession : IDisposable
{
    private const int ReceiveChunkBytes = 4096;
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(1);

    private readonly WebSocket _socket;
    private readonly ManagerOptions _options;
    private readonly IManagedRelay _relay;
    private readonly IRelayEventSource _events;
    private readonly ManagerCommandHandler _commands;
    private readonly ManagerLinkCounters _counters;
    private readonly Logger _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Channel<OutboundItem> _outbound;
    private readonly ArrayBufferWriter<byte> _receiveBuffer = new(ReceiveChunkBytes);

    // _stop ends every task and aborts the socket; _drain (linked to _stop) asks the pumps to finish
    // what is queued and return, for a graceful close.
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _drain;
    private string? _failure;
    private int _statsPending;
    private int _healthPending;
    private Task? _eventPump;
    private Task? _outboundPump;

    public ManagerSession(
        WebSocket socket,
        ManagerOptions options,
        IManagedRelay relay,
        IRelayEventSource events,
        ManagerCommandHandler commands,
        ManagerLinkCounters counters,
        Logger log,
        TimeProvider time)
    {
        _socket = socket;
        _options = options;
        _relay = relay;
        _events = events;
        _commands = commands;
        _counters = counters;
        _log = log;
        _time = time;
        _drain = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _outbound = Channel.CreateBounded<OutboundItem>(new BoundedChannelOptions(options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    private enum OutboundKind
    {
        Frame,
        Stats,
        Health,
    }

    /// <summary>
    /// Sends <c>auth</c> and waits up to <see cref="ManagerOptions.AuthTimeout"/> for <c>auth_ok</c>,
    /// <c>register_ack</c> (credentials adopted via <paramref name="credentials"/>) or <c>auth_error</c>.
    /// Any other first answer is a failed attempt.
    /// </summary>
    public async Task<AuthOutcome> AuthenticateAsync(ManagerCredentials credentials, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AuthTimeout);
        try
        {
            var auth = ManagerEnvelope.Create(
                ManagerMessageTypes.Auth,
                _time.GetUtcNow(),
                credentials.CreateAuthPayload(_options.SoftwareVersion),
                ManagerJsonContext.Default.AuthPayload);
            await _socket.SendAsync(auth.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);

            while (true)
            {
                var frame = await ReceiveFrameAsync(timeout.Token).ConfigureAwait(false);
                if (frame.IsClose)
                {
                    return new AuthOutcome(AuthOutcomeKind.Failed, $"the manager closed the connection during authentication ({DescribeClose()})");
                }

                if (!frame.IsText)
                {
                    continue;
                }

                if (!ManagerInboundMessage.TryParse(frame.Data, out var message, out var error))
                {
                    return new AuthOutcome(AuthOutcomeKind.Failed, $"unexpected answer to auth: {error}");
                }

                using (message)
                {
                    return InterpretAuthAnswer(message!, credentials);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AuthOutcome(AuthOutcomeKind.Failed, $"no answer to auth within {_options.AuthTimeout.TotalSeconds:0.###} s");
        }
        catch (WebSocketException ex)
        {
            return new AuthOutcome(AuthOutcomeKind.Failed, ex.Message);
        }
    }

    private static AuthOutcome InterpretAuthAnswer(ManagerInboundMessage message, ManagerCredentials credentials)
    {
        switch (message.Type)
        {
            case ManagerMessageTypes.AuthOk:
                return new AuthOutcome(AuthOutcomeKind.Accepted, null);
            case ManagerMessageTypes.RegisterAck:
                var nodeId = message.GetPayloadString("node_id");
                var nodeSecret = message.GetPayloadString("node_secret");
                if (string.IsNullOrEmpty(nodeId) || string.IsNullOrEmpty(nodeSecret))
                {
                    return new AuthOutcome(AuthOutcomeKind.Failed, "register_ack without payload.node_id and payload.node_secret");
                }

                credentials.ApplyRegistration(nodeId, nodeSecret);
                return new AuthOutcome(AuthOutcomeKind.Registered, null);
            case ManagerMessageTypes.AuthError:
                // The reason is a top-level "message" (not inside payload); tolerate both.
                var reason = message.GetTopLevelString("message") ?? message.GetPayloadString("message") ?? "no reason given";
                return new AuthOutcome(AuthOutcomeKind.Rejected, reason);
            default:
                return new AuthOutcome(AuthOutcomeKind.Failed, $"unexpected answer to auth: \"{message.Type}\"");
        }
    }

    /// <summary>
    /// Runs the authenticated session until the socket closes, fails, or <paramref name="cancellationToken"/>
    /// fires. Returns null after a normal closure, else the reason the connection was lost.
    /// </summary>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((ManagerSession)state!).Abort("the manager link is stopping"), this);
        var stop = _stop.Token;
        var timers = Task.CompletedTask;
        string? reason;
        try
        {
            // The manager expects health as the very first frame after auth (§3), before any queued
            // event such as "Connected to manager"; the pumps, which would race it, start only once it is out.
            await SendHealthAsync(stop).ConfigureAwait(false);
            _eventPump = Guard(EventPumpAsync(stop));
            _outboundPump = Guard(OutboundPumpAsync(stop));
            timers = Guard(TimersAsync(_drain.Token));
            reason = await ReceiveLoopAsync(stop).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever broke the session (socket error, abort, an unexpected bug), the link must
            // survive it and reconnect: the reason is reported, never thrown.
            reason = Volatile.Read(ref _failure) ?? ex.Message;
        }

        // A pump may have failed first; its reason wins over the receive side's "aborted".
        reason = reason is null ? null : Volatile.Read(ref _failure) ?? reason;
        Terminate();
        await Task.WhenAll(_eventPump ?? Task.CompletedTask, _outboundPump ?? Task.CompletedTask, timers).ConfigureAwait(false);
        return reason;
    }

    /// <summary>
    /// Graceful close for shutdown: stop reports, let queued events and replies reach the manager
    /// within <paramref name="budget"/>, then send a normal closure. Falls back to aborting.
    /// </summary>
    public async Task CloseGracefullyAsync(TimeSpan budget)
    {
        try
        {
            _outbound.Writer.TryComplete();
            await _drain.CancelAsync().ConfigureAwait(false);
            var pumps = Task.WhenAll(_eventPump ?? Task.CompletedTask, _outboundPump ?? Task.CompletedTask);
            await pumps.WaitAsync(budget, _time).ConfigureAwait(false);
            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "relay shutting down").ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort("events could not be flushed before shutdown");
        }
        catch (ObjectDisposedException)
        {
            // The session ended on its own while shutdown began: nothing left to close.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _drain.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private async Task<string?> ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await ReceiveFrameAsync(cancellationToken).ConfigureAwait(false);
            if (frame.IsClose)
            {
                await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty).ConfigureAwait(false);
                return _socket.CloseStatus is WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable
                    ? null
                    : $"the manager closed the connection ({DescribeClose()})";
            }

            if (!frame.IsText)
            {
                ManagementLog.MessageIgnored(_log, "binary frame");
                continue;
            }

            if (!ManagerInboundMessage.TryParse(frame.Data, out var message, out var error))
            {
                ManagementLog.MessageIgnored(_log, error!);
                continue;
            }

            byte[]? reply;
            using (message)
            {
                reply = Dispatch(message!);
            }

            if (reply is not null)
            {
                await _outbound.Writer.WriteAsync(new OutboundItem(OutboundKind.Frame, reply), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private byte[]? Dispatch(ManagerInboundMessage message)
    {
        switch (message.Type)
        {
            case ManagerMessageTypes.Ping:
                return ManagerEnvelope.Create(ManagerMessageTypes.Pong, _time.GetUtcNow(), EmptyPayload.Instance, ManagerJsonContext.Default.EmptyPayload);
            case ManagerMessageTypes.Command:
                _counters.OnCommandHandled();
                return _commands.Handle(message.Payload);
            default:
                // Newer managers send messages this relay does not know; they are not errors.
                ManagementLog.MessageIgnored(_log, $"type \"{message.Type}\"");
                return null;
        }
    }

    private async Task EventPumpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!_events.TryPeek(out var next))
            {
                if (_drain.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await _events.WaitAsync(_drain.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Drain requested: loop once more to send what is left, then return.
                }

                continue;
            }

            var frame = ManagerEnvelope.Create(ManagerMessageTypes.Event, next.Timestamp, EventPayload.From(next), ManagerJsonContext.Default.EventPayload);
            await SendAsync(frame, cancellationToken).ConfigureAwait(false);
            _events.RemoveDelivered(next);
            _counters.OnEventSent();
        }
    }

    private async Task OutboundPumpAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            byte[] frame;
            switch (item.Kind)
            {
                case OutboundKind.Stats:
                    Volatile.Write(ref _statsPending, 0);
                    if (_drain.IsCancellationRequested)
                    {
                        continue;
                    }

                    frame = ManagerEnvelope.Create(ManagerMessageTypes.Stats, _time.GetUtcNow(), _relay.GetStats(), ManagerJsonContext.Default.ManagerStatsPayload);
                    await SendAsync(frame, cancellationToken).ConfigureAwait(false);
                    _counters.OnStatsSent();
                    break;
                case OutboundKind.Health:
                    Volatile.Write(ref _healthPending, 0);
                    if (_drain.IsCancellationRequested)
                    {
                        continue;
                    }

                    await SendHealthAsync(cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await SendAsync(item.Frame!, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Builds <c>health</c> from the relay's current figures and sends it.</summary>
    private async Task SendHealthAsync(CancellationToken cancellationToken)
    {
        var frame = ManagerEnvelope.Create(ManagerMessageTypes.Health, _time.GetUtcNow(), _relay.GetHealth(), ManagerJsonContext.Default.ManagerHealthPayload);
        await SendAsync(frame, cancellationToken).ConfigureAwait(false);
        _counters.OnHealthSent();
    }

    private async Task TimersAsync(CancellationToken cancellationToken)
    {
        using var stats = new PeriodicTimer(_options.StatsInterval, _time);
        using var health = new PeriodicTimer(_options.HealthInterval, _time);
        var nextStats = stats.WaitForNextTickAsync(cancellationToken).AsTask();
        var nextHealth = health.WaitForNextTickAsync(cancellationToken).AsTask();
        while (true)
        {
            var fired = await Task.WhenAny(nextStats, nextHealth).ConfigureAwait(false);
            if (!fired.IsCompletedSuccessfully || !fired.Result)
            {
                // Cancelled: the session is closing (drain or stop). Both waits share the token, so the
                // other one is cancelled too; cancelled tasks need no observation.
                return;
            }

            if (fired == nextStats)
            {
                QueueReport(OutboundKind.Stats, ref _statsPending);
                nextStats = stats.WaitForNextTickAsync(cancellationToken).AsTask();
            }
            else
            {
                QueueReport(OutboundKind.Health, ref _healthPending);
                nextHealth = health.WaitForNextTickAsync(cancellationToken).AsTask();
            }
        }
    }

    /// <summary>Queues a stats/health marker unless one is still pending (then the report is skipped).</summary>
    private void QueueReport(OutboundKind kind, ref int pending)
    {
        if (Interlocked.Exchange(ref pending, 1) == 0)
        {
            if (_outbound.Writer.TryWrite(new OutboundItem(kind, null)))
            {
                return;
            }

            Volatile.Write(ref pending, 0);
        }

        if (kind == OutboundKind.Stats)
        {
            _counters.OnStatsSkipped();
            ManagementLog.StatsSkipped(_log);
        }
    }

    /// <summary>Writes one whole text frame; one writer at a time; a stalled send drops the connection.</summary>
    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var send = _socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            if (send.IsCompletedSuccessfully)
            {
                send.GetAwaiter().GetResult();
            }
            else
            {
                try
                {
                    await send.AsTask().WaitAsync(_options.SendStallTimeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    Abort($"the manager stopped reading (a send made no progress for {_options.SendStallTimeout.TotalSeconds:0.###} s)");
                    throw new ManagerConnectException(_failure!);
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string description)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout, _time);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Abort("the close handshake did not complete");
        }
    }

    private async Task<ReceivedFrame> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        _receiveBuffer.ResetWrittenCount();
        while (true)
        {
            var result = await _socket.ReceiveAsync(_receiveBuffer.GetMemory(ReceiveChunkBytes), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new ReceivedFrame(result.MessageType, ReadOnlyMemory<byte>.Empty);
            }

            _receiveBuffer.Advance(result.Count);
            if (_receiveBuffer.WrittenCount > _options.MaxInboundMessageBytes)
            {
                // Nothing more of it is read: the manager learns why (1009) and the link reconnects with backoff.
                var reason = $"a message from the manager exceeds {_options.MaxInboundMessageBytes} bytes";
                Interlocked.CompareExchange(ref _failure, reason, null);
                await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big").ConfigureAwait(false);
                await DiscardUntilCloseAsync().ConfigureAwait(false);
                throw new ManagerConnectException(reason);
            }

            if (result.EndOfMessage)
            {
                return new ReceivedFrame(result.MessageType, _receiveBuffer.WrittenMemory);
            }
        }
    }

    /// <summary>
    /// After our close frame: reads and discards what the manager still sends, until its close frame or the close
    /// handshake timeout. Closing the socket with unread input would reset the connection, and a reset can destroy
    /// our close frame before the manager reads it. Holds one receive chunk, whatever arrives.
    /// </summary>
    private async Task DiscardUntilCloseAsync()
    {
        _receiveBuffer.ResetWrittenCount();
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout, _time);
            while (_socket.State == WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(_receiveBuffer.GetMemory(ReceiveChunkBytes), timeout.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The manager kept sending, or went away: the connection is torn down next either way.
        }
    }

    /// <summary>Records the first failure reason and tears the connection down; every task then ends.</summary>
    private void Abort(string reason)
    {
        Interlocked.CompareExchange(ref _failure, reason, null);
        Terminate();
    }

    private void Terminate()
    {
        if (!_stop.IsCancellationRequested)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }

        _socket.Abort();
    }

    /// <summary>A pump that fails takes the session down with it; its exception becomes the reason.</summary>
    private async Task Guard(Task pump)
    {
        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
        catch (Exception ex)
        {
            ManagementLog.InboundLoopFailed(_log, ex);
            Abort(ex.Message);
        }
    }

    private string DescribeClose() =>
        _socket.CloseStatusDescription is { Length: > 0 } description
            ? $"{_socket.CloseStatus}: {description}"
            : $"{_socket.CloseStatus}";

    private readonly record struct OutboundItem(OutboundKind Kind, byte[]? Frame);

    private readonly record struct ReceivedFrame(WebSocketMessageType Type, ReadOnlyMemory<byte> Data)
    {
        public bool IsClose => Type == WebSocketMessageType.Close;

        public bool IsText => Type == WebSocketMessageType.Text;
    }
}
