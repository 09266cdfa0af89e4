using System.Collections.Concurrent;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// The session logic of the native UDP plane (PROTOCOL.md §5), without sockets: each socket loop hands every
/// datagram it receives to <see cref="Process"/> and carries out the returned decision (send an ack, forward the
/// datagram, or nothing). Time comes from <see cref="NativeUdpOptions.Time"/>, so every rule can be tested on a
/// fake clock.
/// </summary>
/// <remarks>
/// Threading: several loops call <see cref="Process"/> at once (the two ends of a tunnel may be served by
/// different loops). Media (§5.7) is handled without a lock: the session table is a concurrent dictionary read
/// lock-free, slot addresses are immutable boxes published with one reference write, and counters are atomic
/// adds (a slot's counters are written by the one loop its peer hashes to; the relay-wide ones by every loop, a
/// few nanoseconds each next to the microseconds the kernel spends per datagram). Registers, removal and reaping
/// change the table and the per-IP quotas under one lock; registers arrive about every 5 s per slot, so the lock
/// is never on the media path. Media never allocates.
/// </remarks>
public sealed class NativeUdpRelay
{
    /// <summary>A control datagram longer than this (prefix included) is dropped unparsed (§5.2 rule 4).</summary>
    public const int MaxControlLength = 2048;

    private readonly NativeUdpOptions _options;
    private readonly BindTokenStore _tokens;
    private readonly EventQueue _events;
    private readonly Logger _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<TunnelId, NativeUdpSession> _sessions = new();
    private readonly Dictionary<UdpPeerAddress, int> _sessionsPerCreator = [];
    private readonly NativeUdpEventLimiter _eventLimiter;
    private readonly object _gate = new();
    private readonly long _holdDownTicks;
    private readonly long _idleTicks;
    private RelayOwnAddresses _ownAddresses = RelayOwnAddresses.None;
    private int _sessionCount;
    private int _activeCount;

    public NativeUdpRelay(NativeUdpOptions options, BindTokenStore tokens, EventQueue events, Logger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _tokens = tokens;
        _events = events;
        _log = log;
        _time = options.Time;
        _holdDownTicks = ToTicks(options.HoldDown);
        _idleTicks = ToTicks(options.IdleTimeout);
        _eventLimiter = new NativeUdpEventLimiter(_time, options.EventInterval);
    }

    public NativeUdpOptions Options => _options;

    public NativeUdpMetrics Metrics { get; } = new();

    /// <summary>Sessions, active and waiting.</summary>
    public int SessionCount => Volatile.Read(ref _sessionCount);

    /// <summary>Sessions with both slots latched.</summary>
    public int ActiveSessionCount => Volatile.Read(ref _activeCount);

    /// <summary>The relay's own addresses (§5.4 rule 2); replaced whole when sockets bind or interfaces change.</summary>
    public RelayOwnAddresses OwnAddresses
    {
        get => Volatile.Read(ref _ownAddresses);
        set => Volatile.Write(ref _ownAddresses, value ?? RelayOwnAddresses.None);
    }

    /// <summary>
    /// Handles one received datagram: a register (nil prefix) or media. <paramref name="reply"/> receives the ack
    /// for an accepted register and must hold <see cref="NativeUdpAck.MaxLength"/> bytes; it is also scratch
    /// space for the bind token, so give it at least <see cref="MaxControlLength"/> bytes.
    /// </summary>
    public NativeUdpDecision Process(ReadOnlySpan<byte> datagram, in UdpPeerAddress source, int socketIndex, Span<byte> reply)
    {
        if (datagram.Length < RelayProtocol.DatagramPrefixLength)
        {
            Metrics.CountDrop(NativeUdpDropReason.Short);
            return NativeUdpDecision.None;
        }

        var tunnelId = TunnelId.FromBytes(datagram);
        if (tunnelId == default)
        {
            return ProcessControl(datagram, source, socketIndex, reply);
        }

        return ProcessMedia(tunnelId, datagram.Length, source);
    }

    /// <summary>Removes every session silent for longer than the idle timeout (§5.6 rule 2); returns how many.</summary>
    public int Reap()
    {
        var now = _time.GetTimestamp();
        var reaped = 0;
        lock (_gate)
        {
            foreach (var (id, session) in _sessions)
            {
                if (now - session.LastActivity > _idleTicks && RemoveLocked(id))
                {
                    reaped++;
                    NativeUdpLog.SessionReaped(_log, id);
                }
            }

            _eventLimiter.Prune(now);
        }

        Metrics.CountReaped(reaped);
        return reaped;
    }

    /// <summary>Removes a session as a reap does (§5.6 rule 4): the bind authorization stays. False when there is none.</summary>
    public bool Remove(TunnelId tunnelId)
    {
        lock (_gate)
        {
            return RemoveLocked(tunnelId);
        }
    }

    public NativeUdpSession? Find(TunnelId tunnelId) => _sessions.GetValueOrDefault(tunnelId);

    /// <summary>Every session now, in no particular order.</summary>
    public IReadOnlyList<NativeUdpSessionInfo> ListSessions()
    {
        var now = _time.GetTimestamp();
        var list = new List<NativeUdpSessionInfo>(SessionCount);
        foreach (var session in _sessions.Values)
        {
            var ingress = session.Ingress.Address;
            var egress = session.Egress.Address;
            list.Add(new NativeUdpSessionInfo
            {
                TunnelId = session.TunnelId,
                Status = (ingress, egress) switch
                {
                    (not null, not null) => "active",
                    (not null, null) => "waiting_egress",
                    (null, not null) => "waiting_ingress",
                    _ => "empty",
                },
                IngressAddr = ingress?.ToString(),
                EgressAddr = egress?.ToString(),
                BytesIngress = session.Ingress.Bytes,
                BytesEgress = session.Egress.Bytes,
                Datagrams = session.Datagrams,
                UptimeSecs = (now - session.CreatedAt) / _time.TimestampFrequency,
            });
        }

        return list;
    }

    /// <summary>The start-up posture event (§5.8): the plane is on and registers need no token unless the manager authorized the tunnel.</summary>
    public void RaiseUnauthenticatedPosture() =>
        _events.Raise(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.NativeUdpUnauthenticated, details: NativeUdpEventDetails.Unauthenticated(), detailsIsJson: true);

    /// <summary>The event for a plane that could bind none of its addresses (§5.1 rule 2).</summary>
    public void RaiseNotStarted(IEnumerable<string> addresses) =>
        _events.Raise(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.NativeUdpNotStarted, details: NativeUdpEventDetails.NotStarted(addresses), detailsIsJson: true);

    private NativeUdpDecision ProcessMedia(TunnelId tunnelId, int length, in UdpPeerAddress source)
    {
        if (!_sessions.TryGetValue(tunnelId, out var session))
        {
            Metrics.CountDrop(NativeUdpDropReason.UnknownTunnel);
            return NativeUdpDecision.None;
        }

        NativeUdpSlot sender, target;
        NativeUdpSlot.Latched? targetAddress;
        var ingress = session.Ingress.Current;
        var egress = session.Egress.Current;
        if (ingress is not null && ingress.Address == source)
        {
            (sender, target, targetAddress) = (session.Ingress, session.Egress, egress);
        }
        else if (egress is not null && egress.Address == source)
        {
            (sender, target, targetAddress) = (session.Egress, session.Ingress, ingress);
        }
        else
        {
            Metrics.CountDrop(NativeUdpDropReason.NotMember);
            return NativeUdpDecision.None;
        }

        if (targetAddress is not null && (targetAddress.Address == source || OwnAddresses.Contains(targetAddress.Address)))
        {
            Metrics.CountDrop(NativeUdpDropReason.SelfLoop);
            return NativeUdpDecision.None;
        }

        var now = _time.GetTimestamp();
        sender.RecordMedia(length, now);
        Metrics.CountReceived(length);
        if (targetAddress is null)
        {
            Metrics.CountDrop(NativeUdpDropReason.NoPeer);
            return NativeUdpDecision.None;
        }

        session.CountForward();
        session.Touch(now);
        return new NativeUdpDecision(NativeUdpAction.Forward, targetAddress.Address, target.DialledSocket, 0);
    }

    private NativeUdpDecision ProcessControl(ReadOnlySpan<byte> datagram, in UdpPeerAddress source, int socketIndex, Span<byte> reply)
    {
        if (datagram.Length > MaxControlLength
            || !NativeUdpRegister.TryParse(datagram[RelayProtocol.DatagramPrefixLength..], reply, out var register))
        {
            Metrics.CountDrop(NativeUdpDropReason.BadControl);
            NativeUdpLog.BadControl(_log, source, datagram.Length);
            return NativeUdpDecision.None;
        }

        // Rule 1: the nil tunnel is never a session.
        if (register.TunnelId == default)
        {
            Metrics.CountDrop(NativeUdpDropReason.BadControl);
            NativeUdpLog.NilTunnel(_log, source);
            return NativeUdpDecision.None;
        }

        if (register.ProtocolVersion != RelayProtocol.ProtocolVersion)
        {
            NativeUdpLog.VersionMismatch(_log, register.TunnelId, source, register.ProtocolVersion);
        }

        bool ready;
        lock (_gate)
        {
            if (!TryApplyRegisterLocked(register, source, socketIndex, out ready))
            {
                return NativeUdpDecision.None;
            }
        }

        Metrics.CountRegister();
        var length = NativeUdpAck.Write(reply, register.TunnelId, ready);
        return new NativeUdpDecision(NativeUdpAction.Reply, source, socketIndex, length);
    }

    // §5.4 steps 2–8. A failing step changes nothing: the session is created only once every check has passed.
    private bool TryApplyRegisterLocked(in NativeUdpRegister register, in UdpPeerAddress source, int socketIndex, out bool ready)
    {
        ready = false;
        var tunnelId = register.TunnelId;

        // Rule 2: an address no host can own, or one of the relay's own.
        if (source.IsUnroutable)
        {
            return Reject(NativeUdpRejectReason.UnroutableSource, tunnelId, source);
        }

        if (OwnAddresses.Contains(source))
        {
            return Reject(NativeUdpRejectReason.RelayOwnAddress, tunnelId, source);
        }

        // Rule 3: the QUIC plane's token store.
        if (!_tokens.Check(tunnelId, register.Direction, register.BindToken, register.HasBindToken))
        {
            return Reject(NativeUdpRejectReason.InvalidToken, tunnelId, source);
        }

        // Rule 4: creating a session is charged to the source IP (IPv6: its /64), and capped relay-wide.
        _sessions.TryGetValue(tunnelId, out var session);
        var creatorKey = source.CapKey;
        if (session is null)
        {
            if (_sessionsPerCreator.GetValueOrDefault(creatorKey) >= _options.MaxSessionsPerIp)
            {
                return Reject(NativeUdpRejectReason.PerIpCap, tunnelId, source);
            }

            if (_sessionCount >= _options.MaxSessions)
            {
                return Reject(NativeUdpRejectReason.GlobalCap, tunnelId, source);
            }
        }

        var now = _time.GetTimestamp();
        if (session is not null)
        {
            // Rule 5: the two ends of a tunnel are always two different sockets.
            var opposite = session.Opposite(register.Direction).Current;
            if (opposite is not null && opposite.Address == source)
            {
                return Reject(NativeUdpRejectReason.BothSlotsSameAddress, tunnelId, source);
            }

            // Rule 6: a protected slot moves only within its IP (a NAT port rebind or an edge restart).
            var slot = session.Slot(register.Direction);
            var own = slot.Current;
            if (own is not null && !own.Address.HasSameIp(source) && IsProtected(slot, now))
            {
                return Reject(NativeUdpRejectReason.SlotHeld, tunnelId, source);
            }
        }
        else
        {
            session = new NativeUdpSession(tunnelId, creatorKey, now);
            _sessions[tunnelId] = session;
            _sessionsPerCreator[creatorKey] = _sessionsPerCreator.GetValueOrDefault(creatorKey) + 1;
            Volatile.Write(ref _sessionCount, _sessionCount + 1);
            NativeUdpLog.SessionCreated(_log, tunnelId, source);
        }

        // Rules 7 and 8: latch, remember the dialled socket, refresh liveness.
        var wasActive = session.IsActive;
        session.Slot(register.Direction).Latch(source, socketIndex);
        session.Touch(now);
        ready = session.IsActive;
        if (ready && !wasActive)
        {
            Volatile.Write(ref _activeCount, _activeCount + 1);
            NativeUdpLog.SessionPaired(_log, tunnelId);
        }

        return true;
    }

    // A stamp in the future (now - stamp < 0) counts as protected.
    private bool IsProtected(NativeUdpSlot slot, long now) =>
        slot.MediaStamp is { } stamp && now - stamp < _holdDownTicks;

    private bool RemoveLocked(TunnelId tunnelId)
    {
        if (!_sessions.TryRemove(tunnelId, out var session))
        {
            return false;
        }

        Volatile.Write(ref _sessionCount, _sessionCount - 1);
        if (session.IsActive)
        {
            Volatile.Write(ref _activeCount, _activeCount - 1);
        }

        var remaining = _sessionsPerCreator.GetValueOrDefault(session.CreatorKey) - 1;
        if (remaining > 0)
        {
            _sessionsPerCreator[session.CreatorKey] = remaining;
        }
        else
        {
            _sessionsPerCreator.Remove(session.CreatorKey);
        }

        return true;
    }

    private bool Reject(NativeUdpRejectReason reason, TunnelId tunnelId, in UdpPeerAddress source)
    {
        Metrics.CountRejection(reason);
        var message = reason switch
        {
            NativeUdpRejectReason.UnroutableSource or NativeUdpRejectReason.RelayOwnAddress or NativeUdpRejectReason.BothSlotsSameAddress
                => EventMessages.NativeUdpImplausibleSource,
            NativeUdpRejectReason.InvalidToken => EventMessages.NativeUdpInvalidToken,
            NativeUdpRejectReason.PerIpCap or NativeUdpRejectReason.GlobalCap => EventMessages.NativeUdpSessionCapExceeded,
            _ => EventMessages.NativeUdpSlotHeld,
        };

        if (_eventLimiter.TryAcquire(message, tunnelId, source, out var suppressed))
        {
            // Raising the event also logs it at warning level.
            _events.Raise(EventSeverity.Warning, EventCategory.Tunnel, message, tunnelId.ToString(), NativeUdpEventDetails.Rejection(reason, source, suppressed), detailsIsJson: true);
        }
        else
        {
            NativeUdpLog.RejectionSuppressed(_log, message, tunnelId, source);
        }

        return false;
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
