using System.Threading.Channels;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Splicing;
using BilbyRelay.Core.Transport;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

/// <summary>
/// One edge connection: its control loop, its data streams, its datagram handler, the slots it holds
/// and its queue of notifications. Created and run by <see cref="RelayServer.RunConnectionAsync"/>.
/// </summary>
/// <remarks>
/// Threads: the control loop, the accept loop, the notification pump and the splices run as tasks on
/// the thread pool; the datagram handler runs on the transport's thread. <see cref="_slots"/> is
/// guarded by the relay's bind lock. The session ends (once) when the control stream ends, the
/// connection closes, the relay shuts down, or an operator disconnects it.
/// </remarks>
public sealed class EdgeSession
{
    private readonly RelayServer _relay;
    private readonly Logger _logger;
    private readonly Channel<RelayMessage> _notifications;
    private readonly CancellationTokenSource _stopping = new(); // cancelled once, by Stop
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Task> _splices = [];

    // Guarded by RelayServer._bindLock.
    private readonly HashSet<(TunnelId Id, TunnelDirection Direction)> _slots = [];

    private volatile string? _identifiedEdgeId;
    private int _stopRequested;

    internal EdgeSession(RelayServer relay, IEdgeConnection connection, long sequence)
    {
        _relay = relay;
        _logger = relay.Logger;
        Connection = connection;
        RemoteAddress = EdgeAddress.Format(connection.RemoteEndPoint);
        ConnectionId = "conn-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + RemoteAddress;
        _notifications = Channel.CreateBounded<RelayMessage>(
            new BoundedChannelOptions(relay.Options.NotificationQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
            });
        Datagrams = new DatagramForwarder(relay.Tunnels, relay.Metrics, this);
    }

    public IEdgeConnection Connection { get; }

    /// <summary><c>conn-&lt;n&gt;-&lt;addr&gt;</c>: the relay's own name for this connection, unique per process.</summary>
    public string ConnectionId { get; }

    /// <summary>The post-NAT address, formatted as upstream prints it.</summary>
    public string RemoteAddress { get; }

    /// <summary>The id from <c>identify</c>, or null.</summary>
    public string? IdentifiedEdgeId => _identifiedEdgeId;

    /// <summary>What reports call this edge: its identified id, else <see cref="ConnectionId"/>.</summary>
    public string ReportedEdgeId => _identifiedEdgeId ?? ConnectionId;

    internal DatagramForwarder Datagrams { get; }

    /// <summary>Caller holds the relay's bind lock.</summary>
    internal int BoundSlotCount => _slots.Count;

    internal bool IsStopping => Volatile.Read(ref _stopRequested) != 0;

    /// <summary>Caller holds the relay's bind lock.</summary>
    internal bool AddSlot(TunnelId id, TunnelDirection direction) => _slots.Add((id, direction));

    /// <summary>Caller holds the relay's bind lock.</summary>
    internal bool RemoveSlot(TunnelId id, TunnelDirection direction) => _slots.Remove((id, direction));

    /// <summary>Caller holds the relay's bind lock.</summary>
    internal bool HoldsSlot(TunnelId id, TunnelDirection direction) => _slots.Contains((id, direction));

    /// <summary>Caller holds the relay's bind lock; returns a copy it may iterate while changing the set.</summary>
    internal (TunnelId Id, TunnelDirection Direction)[] SnapshotSlots() => [.. _slots];

    /// <summary>
    /// Queues a message caused by something outside this edge's own control stream, to be sent on a
    /// new unidirectional stream. Never blocks; per-session order is preserved. Callable under the
    /// bind lock. An edge that lets the queue fill is not reading its streams and is disconnected.
    /// </summary>
    internal void Notify(RelayMessage message)
    {
        if (IsStopping)
        {
            return;
        }

        if (!_notifications.Writer.TryWrite(message))
        {
            RelayLog.NotificationQueueOverflow(_logger, ConnectionId);
            Stop(RelayErrorCodes.NotificationOverflow, "notification queue overflow");
        }
    }

    /// <summary>Ends the session: closes the connection (idempotent, any thread).</summary>
    internal void Stop(long errorCode, string reason)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            return;
        }

        _notifications.Writer.TryComplete();
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException ex)
        {
            RelayLog.SessionFault(_logger, ConnectionId, ex);
        }

        Connection.Close(errorCode, reason);
        _stopped.TrySetResult();
    }

    /// <summary>Runs until the session ends; then waits for its loops and splices to finish.</summary>
    internal async Task RunAsync(CancellationToken relayStopping)
    {
        var token = _stopping.Token;
        Connection.SetDatagramHandler(Datagrams.Handle);
        using var relayRegistration = relayStopping.Register(
            static state => ((EdgeSession)state!).Stop(RelayErrorCodes.NoError, "relay shutting down"), this);
        _ = Connection.Closed.ContinueWith(
            static (_, state) => ((EdgeSession)state!).Stop(RelayErrorCodes.NoError, "connection closed"),
            this,
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);

        var controlStarted = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        var notificationPump = PumpNotificationsAsync(token);
        var acceptLoop = AcceptStreamsAsync(controlStarted, token);

        await _stopped.Task.ConfigureAwait(false);

        await acceptLoop.ConfigureAwait(false);
        controlStarted.TrySetResult(Task.CompletedTask);
        var controlLoop = await controlStarted.Task.ConfigureAwait(false);
        await controlLoop.ConfigureAwait(false);
        await notificationPump.ConfigureAwait(false);

        Task[] splices;
        lock (_splices)
        {
            splices = [.. _splices];
        }

        // _stopping is not disposed: it has no timer or wait handle, and Stop may still be finishing
        // on another thread.
        await Task.WhenAll(splices).ConfigureAwait(false);
    }

    /// <summary>
    /// The edge's first bidirectional stream (QUIC stream id 0) is the control stream; every other one
    /// is a data stream. The id decides, not arrival order: a data stream whose bytes overtake the
    /// control stream's first frame must not be mistaken for it.
    /// </summary>
    /// <summary>The id of the first bidirectional stream a QUIC client opens (RFC 9000 §2.1).</summary>
    private const long ControlStreamId = 0;

    private async Task AcceptStreamsAsync(TaskCompletionSource<Task> controlStarted, CancellationToken token)
    {
        bool haveControl = false;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var stream = await Connection.AcceptStreamAsync(token).ConfigureAwait(false);
                if (!stream.IsBidirectional)
                {
                    // Edges have nothing to say on unidirectional streams: refuse further bytes.
                    RelayLog.UnidirectionalStreamIgnored(_logger, ConnectionId, stream.StreamId);
                    stream.Abort(RelayErrorCodes.StreamRefused);
                    stream.Input.Complete();
                    continue;
                }

                if (!haveControl && stream.StreamId == ControlStreamId)
                {
                    haveControl = true;
                    controlStarted.TrySetResult(RunControlStreamAsync(stream, token));
                    continue;
                }

                TrackSplice(_relay.Splicer.SpliceAsync(this, stream, token));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The transport throws when the connection is gone; cancellation lands here too.
            RelayLog.AcceptLoopEnded(_logger, ConnectionId, ex);
        }
        finally
        {
            Stop(RelayErrorCodes.NoError, "connection closed");
        }
    }

    private void TrackSplice(Task splice)
    {
        lock (_splices)
        {
            _splices.Add(splice);
        }

        _ = splice.ContinueWith(
            static (task, state) =>
            {
                var set = (HashSet<Task>)state!;
                lock (set)
                {
                    set.Remove(task);
                }
            },
            _splices,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RunControlStreamAsync(IEdgeStream control, CancellationToken token)
    {
        var reader = new FrameReader(control.Input, needReceiveWindow: control.EnsureReceiveWindow);
        try
        {
            while (true)
            {
                var status = await reader.ReadAsync(token).ConfigureAwait(false);
                switch (status)
                {
                    case FrameReadStatus.Frame:
                        if (HandleControlFrame(reader, control.Output))
                        {
                            await control.Output.FlushAsync(token).ConfigureAwait(false);
                        }

                        break;
                    case FrameReadStatus.EndOfStream:
                        RelayLog.ControlStreamFinished(_logger, ConnectionId);
                        Stop(RelayErrorCodes.NoError, "control stream finished");
                        return;
                    default:
                        RelayLog.ControlStreamViolation(_logger, ConnectionId, status, reader.DeclaredLength);
                        _relay.ControlStreamFailed(this);
                        Stop(RelayErrorCodes.ControlStreamError, "control stream protocol violation");
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A reset control stream, a lost connection or the session stopping: the edge is gone.
            RelayLog.ControlStreamEnded(_logger, ConnectionId, ex);
            Stop(RelayErrorCodes.NoError, "control stream closed");
        }
        finally
        {
            control.Input.Complete();
            control.Output.Complete();
        }
    }

    /// <summary>Handles one control frame; true when a reply was written and must be flushed.</summary>
    private bool HandleControlFrame(FrameReader reader, System.IO.Pipelines.PipeWriter replies)
    {
        var parsed = EdgeMessageParser.Parse(reader.Payload);
        switch (parsed.Status)
        {
            case EdgeMessageParseStatus.UnknownType:
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    RelayLog.UnknownControlMessage(_logger, ConnectionId, EdgeMessageParser.ReadTypeName(reader.Payload));
                }

                return false;
            case EdgeMessageParseStatus.Malformed:
                RelayLog.MalformedControlMessage(_logger, ConnectionId, parsed.Error);
                return false;
        }

        RelayMessage? reply = parsed.Message switch
        {
            HelloMessage hello => _relay.Hello(this, hello),
            IdentifyMessage identify => Identify(identify),
            TunnelBindMessage bind => _relay.Bind(this, bind),
            TunnelUnbindMessage unbind => _relay.Unbind(this, unbind.TunnelId),
            PingMessage => RelayMessage.Pong(),
            _ => null,
        };

        if (reply is { } message)
        {
            FrameWriter.Write(replies, message);
            return true;
        }

        return false;
    }

    private RelayMessage? Identify(IdentifyMessage identify)
    {
        if (identify.EdgeId.Length > RelayProtocol.MaxEdgeIdLength)
        {
            RelayLog.EdgeIdTooLong(_logger, ConnectionId, identify.EdgeId.Length);
            return null;
        }

        _identifiedEdgeId = identify.EdgeId;
        RelayLog.EdgeIdentified(_logger, ConnectionId, identify.EdgeId);
        return null;
    }

    private async Task PumpNotificationsAsync(CancellationToken token)
    {
        try
        {
            await foreach (var message in _notifications.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                var stream = await Connection.OpenUnidirectionalStreamAsync(token).ConfigureAwait(false);
                try
                {
                    FrameWriter.Write(stream.Output, message);
                    await stream.Output.FlushAsync(token).ConfigureAwait(false);
                    await stream.Output.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    RelayLog.NotificationFailed(_logger, ConnectionId, message.Type, ex);
                    stream.Abort(RelayErrorCodes.NoError);
                    stream.Output.Complete();
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Opening a stream failed or the session is stopping: nothing more can reach this edge.
            if (!token.IsCancellationRequested)
            {
                RelayLog.NotificationFailed(_logger, ConnectionId, null, ex);
            }

            Stop(RelayErrorCodes.NoError, "connection closed");
        }
    }
}
