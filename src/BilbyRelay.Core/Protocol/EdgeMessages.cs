using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Protocol;

/// <summary>A control message an edge sent (see the layouts in RelayProtocol.cs).</summary>
public abstract record EdgeMessage;

/// <summary><c>hello</c>: the edge's protocol and software versions.</summary>
public sealed record HelloMessage : EdgeMessage
{
    public required uint ProtocolVersion { get; init; }

    public required string SoftwareVersion { get; init; }
}

/// <summary><c>identify</c>: a stable edge id (usually the manager's node id).</summary>
public sealed record IdentifyMessage : EdgeMessage
{
    public required string EdgeId { get; init; }
}

/// <summary><c>tunnel_bind</c>: claim one slot of a tunnel.</summary>
public sealed record TunnelBindMessage : EdgeMessage
{
    public required TunnelId TunnelId { get; init; }

    public required TunnelDirection Direction { get; init; }

    public required TunnelProtocol Protocol { get; init; }

    public string? BindToken { get; init; }
}

/// <summary><c>tunnel_unbind</c>: release this connection's slot of a tunnel.</summary>
public sealed record TunnelUnbindMessage : EdgeMessage
{
    public required TunnelId TunnelId { get; init; }
}

/// <summary><c>ping</c>: keep-alive; answered with <c>pong</c>.</summary>
public sealed record PingMessage : EdgeMessage
{
    public static readonly PingMessage Instance = new();
}
