using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Protocol;

/// <summary>
/// A message the relay sends to an edge. One shape for all types; fields a type does not use stay
/// null and are not written. Build instances with the factory methods.
/// </summary>
public sealed record RelayMessage
{
    public required string Type { get; init; }

    public TunnelId? TunnelId { get; init; }

    public string? Reason { get; init; }

    public uint? ProtocolVersion { get; init; }

    public string? SoftwareVersion { get; init; }

    public static RelayMessage HelloAck(uint protocolVersion, string softwareVersion) =>
        new() { Type = "hello_ack", ProtocolVersion = protocolVersion, SoftwareVersion = softwareVersion };

    public static RelayMessage TunnelWaiting(TunnelId id) => new() { Type = "tunnel_waiting", TunnelId = id };

    public static RelayMessage TunnelReady(TunnelId id) => new() { Type = "tunnel_ready", TunnelId = id };

    public static RelayMessage TunnelDown(TunnelId id, string reason) =>
        new() { Type = "tunnel_down", TunnelId = id, Reason = reason };

    public static RelayMessage Pong() => new() { Type = "pong" };
}
