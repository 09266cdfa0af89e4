using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.NativeUdp;

/// <summary>
/// A bilbycast edge's native UDP side as the relay sees it: one UDP socket on its own loopback address that
/// sends registers and media to a relay socket and reads what comes back.
/// </summary>
internal sealed class NativeUdpEdge : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = new byte[65536];

    public NativeUdpEdge(string ip, IPEndPoint relay, int port = 0, bool reuseAddress = false)
    {
        Relay = relay;
        _socket = new Socket(relay.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (reuseAddress)
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        _socket.Bind(new IPEndPoint(IPAddress.Parse(ip), port));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint Relay { get; }

    public IPEndPoint LocalEndPoint { get; }

    public static byte[] Register(Guid tunnel, string direction, string? token = null)
    {
        var json = "{\"type\":\"register\",\"tunnel_id\":\"" + tunnel.ToString("D") + "\",\"direction\":\"" + direction + "\""
            + (token is null ? string.Empty : ",\"bind_token\":\"" + token + "\"") + ",\"protocol_version\":2}";
        var body = Encoding.UTF8.GetBytes(json);
        var datagram = new byte[16 + body.Length];
        body.CopyTo(datagram, 16);
        return datagram;
    }

    public static byte[] Media(Guid tunnel, int payloadLength, int seed = 0)
    {
        var datagram = new byte[16 + payloadLength];
        tunnel.TryWriteBytes(datagram, bigEndian: true, out _);
        new Random(seed).NextBytes(datagram.AsSpan(16));
        return datagram;
    }

    public void Send(byte[] datagram) => _socket.SendTo(datagram, Relay);

    public void SendRegister(Guid tunnel, string direction, string? token = null) => Send(Register(tunnel, direction, token));

    /// <summary>The next datagram, checking it came from the relay socket this edge sends to.</summary>
    public async Task<byte[]> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        var result = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, new IPEndPoint(Relay.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), timeout.Token);
        Assert.Equal(Relay, result.RemoteEndPoint);
        return _receiveBuffer.AsSpan(0, result.ReceivedBytes).ToArray();
    }

    /// <summary>Registers and returns the ack's <c>ready</c> (the next datagram must be that ack).</summary>
    public async Task<bool> RegisterAsync(Guid tunnel, string direction, string? token = null)
    {
        SendRegister(tunnel, direction, token);
        var ack = ParseAck(await ReceiveAsync());
        Assert.Equal(tunnel.ToString("D"), ack.GetProperty("tunnel_id").GetString());
        return ack.GetProperty("ready").GetBoolean();
    }

    /// <summary>
    /// Sends <paramref name="datagram"/>, which must get no reply, then a register for <paramref name="probeTunnel"/>
    /// that must be acked: datagrams from one socket are handled in order, so the probe's ack arriving first proves
    /// the datagram got nothing.
    /// </summary>
    public async Task ExpectNoReplyAsync(byte[] datagram, Guid probeTunnel, string probeDirection = "ingress")
    {
        Send(datagram);
        SendRegister(probeTunnel, probeDirection);
        var ack = ParseAck(await ReceiveAsync());
        Assert.Equal(probeTunnel.ToString("D"), ack.GetProperty("tunnel_id").GetString());
    }

    public static JsonElement ParseAck(byte[] datagram)
    {
        Assert.True(datagram.Length > 16, "an ack has a 16-byte prefix and a body");
        Assert.All(datagram[..16], b => Assert.Equal(0, b));
        var ack = JsonDocument.Parse(datagram.AsMemory(16)).RootElement.Clone();
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        return ack;
    }

    public void Dispose() => _socket.Dispose();
}
