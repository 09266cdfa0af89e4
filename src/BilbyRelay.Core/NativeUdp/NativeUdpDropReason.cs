namespace BilbyRelay.Core.NativeUdp;

/// <summary>Why a native UDP datagram was not forwarded (§5.11 <c>dropped_total{reason}</c>).</summary>
public enum NativeUdpDropReason
{
    /// <summary>Shorter than the 16-byte prefix.</summary>
    Short,

    /// <summary>A nil-prefixed datagram that is not a valid register (or is longer than 2,048 bytes, or names the nil tunnel).</summary>
    BadControl,

    /// <summary>Media for a tunnel with no session.</summary>
    UnknownTunnel,

    /// <summary>Media from an address that holds neither slot.</summary>
    NotMember,

    /// <summary>The target is the sender itself or one of the relay's own addresses.</summary>
    SelfLoop,

    /// <summary>The opposite slot is empty.</summary>
    NoPeer,

    /// <summary>The kernel refused the send.</summary>
    SendError,
}

/// <summary>Why a register was refused (§5.11 <c>register_rejected_total{reason}</c>).</summary>
public enum NativeUdpRejectReason
{
    UnroutableSource,
    RelayOwnAddress,
    InvalidToken,
    PerIpCap,
    GlobalCap,
    BothSlotsSameAddress,
    SlotHeld,
}

/// <summary>Metric label values of the reason enums.</summary>
public static class NativeUdpReasonLabels
{
    public static string ToLabel(this NativeUdpDropReason reason) => reason switch
    {
        NativeUdpDropReason.Short => "short",
        NativeUdpDropReason.BadControl => "bad_control",
        NativeUdpDropReason.UnknownTunnel => "unknown_tunnel",
        NativeUdpDropReason.NotMember => "not_member",
        NativeUdpDropReason.SelfLoop => "self_loop",
        NativeUdpDropReason.NoPeer => "no_peer",
        _ => "send_error",
    };

    public static string ToLabel(this NativeUdpRejectReason reason) => reason switch
    {
        NativeUdpRejectReason.UnroutableSource => "unroutable_source",
        NativeUdpRejectReason.RelayOwnAddress => "relay_own_address",
        NativeUdpRejectReason.InvalidToken => "invalid_token",
        NativeUdpRejectReason.PerIpCap => "per_ip_cap",
        NativeUdpRejectReason.GlobalCap => "global_cap",
        NativeUdpRejectReason.BothSlotsSameAddress => "both_slots_same_address",
        _ => "slot_held",
    };
}
