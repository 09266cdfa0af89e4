using BilbyRelay.Core.Events;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

// Slot changes (PROTOCOL.md §1.2). Every method here takes _bindLock for its whole decision, so the
// reply to the binder and the notifications to other edges describe one consistent state change,
// and notifications to one edge are queued in the order the changes happened.
public sealed partial class RelayServer
{
    /// <summary>Handles <c>tunnel_bind</c>; returns the reply for the binder's control stream.</summary>
    internal RelayMessage Bind(EdgeSession session, TunnelBindMessage bind)
    {
        var id = bind.TunnelId;
        var direction = bind.Direction;
        string flowId = id.ToString();
        lock (_bindLock)
        {
            bool alreadyHeld = session.HoldsSlot(id, direction);

            // Rule 1: caps first (a re-bind of a slot already held does not need a new one).
            if (!alreadyHeld && session.BoundSlotCount >= Options.MaxTunnelsPerConnection)
            {
                Metrics.BindRejected();
                RelayLog.BindRejected(Logger, session.ConnectionId, flowId, TunnelDownReasons.PerConnectionLimitExceeded);
                Events.Raise(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.TunnelBindCapExceeded, flowId, session.ReportedEdgeId);
                return RelayMessage.TunnelDown(id, TunnelDownReasons.PerConnectionLimitExceeded);
            }

            // Rule 2: authentication.
            if (!BindTokens.Check(id, direction, bind.BindToken))
            {
                Metrics.BindRejected();
                RelayLog.BindRejected(Logger, session.ConnectionId, flowId, TunnelDownReasons.BindAuthenticationFailed);
                Events.Raise(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.TunnelBindInvalidToken, flowId, session.ReportedEdgeId);
                return RelayMessage.TunnelDown(id, TunnelDownReasons.BindAuthenticationFailed);
            }

            var tunnel = Tunnels.TryGet(id, out var existing)
                ? existing
                : Tunnels.GetOrAdd(new Tunnel(id, bind.Protocol, Options.Time.GetTimestamp()));
            var peerDirection = direction.Opposite();

            // Rule 4: the same connection binding the same slot again changes nothing.
            var holder = tunnel.GetSlot(direction);
            if (ReferenceEquals(holder, session))
            {
                return tunnel.GetSlot(peerDirection) is null
                    ? RelayMessage.TunnelWaiting(id)
                    : RelayMessage.TunnelReady(id);
            }

            // Rule 4: a newer bind displaces the holder.
            if (holder is not null)
            {
                holder.RemoveSlot(id, direction);
                holder.Notify(RelayMessage.TunnelDown(id, TunnelDownReasons.SlotTaken));
                RelayLog.SlotTaken(Logger, id, direction, holder.ConnectionId, session.ConnectionId);
            }

            // Rule 3: pairing.
            SetSlot(tunnel, direction, session);
            session.AddSlot(id, direction);
            RelayLog.TunnelBound(Logger, session.ConnectionId, id, direction, bind.Protocol);
            var peer = tunnel.GetSlot(peerDirection);
            if (peer is null)
            {
                return RelayMessage.TunnelWaiting(id);
            }

            peer.Notify(RelayMessage.TunnelReady(id));
            Events.Raise(EventSeverity.Info, EventCategory.Tunnel, EventMessages.TunnelActive, flowId);
            return RelayMessage.TunnelReady(id);
        }
    }

    /// <summary>Handles <c>tunnel_unbind</c>: frees this connection's slots of the tunnel. No reply.</summary>
    internal RelayMessage? Unbind(EdgeSession session, TunnelId id)
    {
        lock (_bindLock)
        {
            if (!Tunnels.TryGet(id, out var tunnel))
            {
                return null;
            }

            foreach (var direction in (ReadOnlySpan<TunnelDirection>)[TunnelDirection.Ingress, TunnelDirection.Egress])
            {
                if (!ReferenceEquals(tunnel.GetSlot(direction), session))
                {
                    continue;
                }

                SetSlot(tunnel, direction, null);
                session.RemoveSlot(id, direction);
                RelayLog.TunnelUnbound(Logger, session.ConnectionId, id, direction);
                var peer = tunnel.GetSlot(direction.Opposite());
                if (peer is not null && !ReferenceEquals(peer, session))
                {
                    peer.Notify(RelayMessage.TunnelDown(id, TunnelDownReasons.PeerUnbound));
                }
            }

            RemoveIfEmpty(tunnel);
            return null;
        }
    }

    /// <summary>Rule 5: frees every slot a departing connection held and tells the bound peers.</summary>
    private void ReleaseAllSlots(EdgeSession session)
    {
        lock (_bindLock)
        {
            foreach (var (id, direction) in session.SnapshotSlots())
            {
                session.RemoveSlot(id, direction);
                if (!Tunnels.TryGet(id, out var tunnel) || !ReferenceEquals(tunnel.GetSlot(direction), session))
                {
                    continue;
                }

                SetSlot(tunnel, direction, null);
                var peer = tunnel.GetSlot(direction.Opposite());
                bool notified = peer is not null && !ReferenceEquals(peer, session);
                if (notified)
                {
                    peer!.Notify(RelayMessage.TunnelDown(id, TunnelDownReasons.PeerDisconnected));
                }

                Events.Raise(
                    EventSeverity.Warning,
                    EventCategory.Tunnel,
                    EventMessages.TunnelDownEdgeDisconnected,
                    id.ToString(),
                    session.ReportedEdgeId + " (" + session.RemoteAddress + ")");
                RemoveIfEmpty(tunnel);
            }
        }
    }

    /// <summary>
    /// Removes a tunnel entirely and sends <c>tunnel_down</c> with <paramref name="reason"/> to each
    /// bound side (manager <c>close_tunnel</c>, REST <c>DELETE</c>). Stored bind tokens are kept;
    /// callers that also revoke call <see cref="RevokeTunnel"/>.
    /// </summary>
    public CloseTunnelResult CloseTunnel(TunnelId id, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_bindLock)
        {
            if (!Tunnels.TryGet(id, out var tunnel))
            {
                return new CloseTunnelResult(false, 0);
            }

            int notified = 0;
            foreach (var direction in (ReadOnlySpan<TunnelDirection>)[TunnelDirection.Ingress, TunnelDirection.Egress])
            {
                var holder = tunnel.GetSlot(direction);
                if (holder is null)
                {
                    continue;
                }

                SetSlot(tunnel, direction, null);
                holder.RemoveSlot(id, direction);
                holder.Notify(RelayMessage.TunnelDown(id, reason));
                notified++;
            }

            Tunnels.Remove(tunnel);
            RelayLog.TunnelClosed(Logger, id, reason, notified);
            return new CloseTunnelResult(true, notified);
        }
    }

    /// <summary>Caller holds _bindLock. Changes one slot and keeps the active-tunnel count and peak.</summary>
    private void SetSlot(Tunnel tunnel, TunnelDirection direction, EdgeSession? session)
    {
        bool wasActive = tunnel.Status == TunnelStatus.Active;
        tunnel.SetSlot(direction, session);
        bool isActive = tunnel.Status == TunnelStatus.Active;
        if (wasActive != isActive)
        {
            int active = _activeTunnels + (isActive ? 1 : -1);
            Volatile.Write(ref _activeTunnels, active);
            Metrics.ActiveTunnelsChanged(active);
        }
    }

    /// <summary>Caller holds _bindLock.</summary>
    private void RemoveIfEmpty(Tunnel tunnel)
    {
        if (tunnel.Ingress is null && tunnel.Egress is null)
        {
            Tunnels.Remove(tunnel);
        }
    }
}
