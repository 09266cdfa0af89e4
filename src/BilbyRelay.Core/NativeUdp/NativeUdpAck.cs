using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// Writes the <c>ack</c> control datagram (§5.3): 16 zero bytes, then
/// <c>{"type":"ack","tunnel_id":"&lt;canonical uuid&gt;","ready":true|false}</c> in exactly that key order.
/// </summary>
public static class NativeUdpAck
{
    /// <summary>Largest ack: prefix, fixed text, a 36-character UUID and <c>false</c>.</summary>
    public const int MaxLength = 16 + 64;

    /// <summary>Writes the ack into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns its length.</summary>
    public static int Write(Span<byte> destination, TunnelId tunnelId, bool ready)
    {
        destination[..16].Clear();
        var position = 16;
        position += Append(destination[position..], "{\"type\":\"ack\",\"tunnel_id\":\""u8);
        tunnelId.TryFormat(destination[position..], out var written);
        position += written;
        position += Append(destination[position..], ready ? "\",\"ready\":true}"u8 : "\",\"ready\":false}"u8);
        return position;
    }

    private static int Append(Span<byte> destination, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination);
        return text.Length;
    }
}
