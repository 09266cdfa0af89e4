using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// One tunnel on the native plane: two slots, the source the session was charged to (its creator), and
/// liveness. Created by the first accepted register for the tunnel; removed by the reaper or an administrator.
/// </summary>
public sealed class NativeUdpSession
{
    private long _lastActivity;
    private long _datagrams;

    internal NativeUdpSession(TunnelId tunnelId, UdpPeerAddress creatorKey, long createdAt)
    {
        TunnelId = tunnelId;
        CreatorKey = creatorKey;
        CreatedAt = createdAt;
        _lastActivity = createdAt;
    }

    public TunnelId TunnelId { get; }

    /// <summary>The receiving edge's slot.</summary>
    public NativeUdpSlot Ingress { get; } = new();

    /// <summary>The sending edge's slot.</summary>
    public NativeUdpSlot Egress { get; } = new();

    /// <summary>The per-IP cap key of the source whose register created the session.</summary>
    internal UdpPeerAddress CreatorKey { get; }

    /// <summary>Monotonic timestamp of creation.</summary>
    internal long CreatedAt { get; }

    /// <summary>Monotonic timestamp of the last accepted register or forwarded datagram.</summary>
    internal long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Datagrams forwarded, both directions.</summary>
    public long Datagrams => Volatile.Read(ref _datagrams);

    /// <summary>Both slots hold an address.</summary>
    public bool IsActive => Ingress.IsLatched && Egress.IsLatched;

    public NativeUdpSlot Slot(TunnelDirection direction) => direction == TunnelDirection.Ingress ? Ingress : Egress;

    public NativeUdpSlot Opposite(TunnelDirection direction) => direction == TunnelDirection.Ingress ? Egress : Ingress;

    internal void Touch(long timestamp) => Volatile.Write(ref _lastActivity, timestamp);

    internal void CountForward() => Interlocked.Increment(ref _datagrams);
}
