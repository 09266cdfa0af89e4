namespace BilbyRelay.Core.Metrics;

/// <summary>Why a datagram was not forwarded. Each value is a Prometheus <c>reason</c> label.</summary>
public enum DatagramDropReason
{
    /// <summary>Shorter than the 16-byte tunnel id prefix.</summary>
    TooShort,

    /// <summary>No tunnel with that id.</summary>
    UnknownTunnel,

    /// <summary>The sending connection holds neither slot of the tunnel.</summary>
    NotAMember,

    /// <summary>The other slot is not bound.</summary>
    NoPeer,

    /// <summary>The peer connection's datagram send queue was full.</summary>
    PeerQueueFull,

    /// <summary>Larger than the peer accepts or than the path to it carries.</summary>
    PeerTooLarge,

    /// <summary>The peer connection was closing.</summary>
    PeerClosed,

    /// <summary>The relay-wide memory budget (<c>max_buffered_bytes</c>) had no room for it.</summary>
    MemoryBudget,
}

/// <summary>Why a data stream was refused (aborted before splicing). Each value is a metric label.</summary>
public enum StreamRefusalReason
{
    /// <summary>The header was not valid JSON, lacked a UUID or <c>stream_type</c> "tcp", or the stream ended first.</summary>
    BadHeader,

    /// <summary>The header's length prefix exceeded 1 MiB.</summary>
    OversizedHeader,

    /// <summary>No tunnel with that id.</summary>
    UnknownTunnel,

    /// <summary>The opener holds neither slot of the tunnel.</summary>
    NotAMember,

    /// <summary>The other slot is not bound.</summary>
    NoPeer,

    /// <summary>Opening or writing the stream to the peer failed.</summary>
    PeerUnavailable,
}

/// <summary>Label values for the reason enums (snake_case, stable).</summary>
public static class DropReasonNames
{
    public static string ToLabel(this DatagramDropReason reason) => reason switch
    {
        DatagramDropReason.TooShort => "too_short",
        DatagramDropReason.UnknownTunnel => "unknown_tunnel",
        DatagramDropReason.NotAMember => "not_a_member",
        DatagramDropReason.NoPeer => "no_peer",
        DatagramDropReason.PeerTooLarge => "too_large_for_peer",
        DatagramDropReason.PeerClosed => "peer_closed",
        DatagramDropReason.MemoryBudget => "memory_budget",
        _ => "peer_queue_full",
    };

    public static string ToLabel(this StreamRefusalReason reason) => reason switch
    {
        StreamRefusalReason.BadHeader => "bad_header",
        StreamRefusalReason.OversizedHeader => "oversized_header",
        StreamRefusalReason.UnknownTunnel => "unknown_tunnel",
        StreamRefusalReason.NotAMember => "not_a_member",
        StreamRefusalReason.NoPeer => "no_peer",
        _ => "peer_unavailable",
    };
}
