using System.Net;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

public sealed class HandshakeTests
{
    [Fact]
    public async Task Connect_WithMatchingAlpn_CompletesOnBothSides()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.Equal(QuicTestEnvironment.Alpn, client.NegotiatedAlpn);
            Assert.Equal(QuicTestEnvironment.Alpn, server.NegotiatedAlpn);
            Assert.Equal(listener.LocalEndPoints[0], client.RemoteEndPoint);
            Assert.Equal(client.LocalEndPoint.Port, server.RemoteEndPoint.Port);
            Assert.True(client.MaxDatagramSize > 1000);
            Assert.NotEqual(client.Id, server.Id);
        }
    }

    [Fact]
    public async Task Connect_OverIPv6_Completes()
    {
        await using var listener = QuicTestEnvironment.StartListener(address: IPAddress.IPv6Loopback);
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, server.RemoteEndPoint.AddressFamily);
        }
    }

    [Fact]
    public async Task Listener_WithPortZero_ReportsActualPortAndFingerprint()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        Assert.NotEqual(0, listener.LocalEndPoints[0].Port);
        Assert.Matches("^([0-9a-f]{2}:){31}[0-9a-f]{2}$", listener.CertificateSha256Fingerprint);
    }
}
