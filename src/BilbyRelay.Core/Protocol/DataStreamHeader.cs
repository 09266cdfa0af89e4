using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Protocol;

/// <summary>The frame that opens every data stream: <c>{"tunnel_id":uuid,"stream_type":"tcp"}</c>.</summary>
public sealed record DataStreamHeader
{
    public required TunnelId TunnelId { get; init; }

    public required string StreamType { get; init; }
}
