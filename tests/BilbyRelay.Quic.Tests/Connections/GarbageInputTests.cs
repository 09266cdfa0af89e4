using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

public sealed class GarbageInputTests
{
    [Fact]
    public async Task GarbageDatagrams_AreDropped_AndTheListenerStillServesAHandshake()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = listener.LocalEndPoints[0];
        var random = new Random(1234);

        var sent = 0;
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(1, 1500)];
            random.NextBytes(junk);
            await socket.SendToAsync(junk, target);
            sent++;
        }

        // Truncated Initials: a plausible long header cut short at every length.
        var initial = new byte[1200];
        random.NextBytes(initial);
        initial[0] = 0xC3;
        BinaryPrimitives.WriteUInt32BigEndian(initial.AsSpan(1), 1);
        initial[5] = 8;
        for (var length = 1; length < 64; length++)
        {
            await socket.SendToAsync(initial.AsMemory(0, length), target);
            sent++;
        }

        // An Initial-sized packet of an unknown version is answered with Version Negotiation.
        var unknownVersion = (byte[])initial.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(unknownVersion.AsSpan(1), 0x1a2a3a4a);
        await socket.SendToAsync(unknownVersion, target);
        sent++;
        var reply = new byte[1500];
        using var cts = new CancellationTokenSource(QuicTestEnvironment.Timeout);
        // Short-header junk may have drawn (rate-limited) stateless resets first; skip those.
        SocketReceiveFromResult received;
        do
        {
            received = await socket.ReceiveFromAsync(reply, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        }
        while ((reply[0] & 0x80) == 0);

        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1)));
        Assert.True(received.ReceivedBytes > 7);

        await using var client = await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener), cts.Token);
        Assert.Equal(QuicTestEnvironment.Alpn, client.NegotiatedAlpn);
        Assert.True(listener.PacketsDropped >= sent - 2, $"dropped {listener.PacketsDropped} of {sent}");
    }
}
