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

    [Fact]
    public async Task Listener_OnIPv4AndIPv6_AcceptsOnBoth()
    {
        await using var listener = QuicListener.Start(new QuicServerOptions
        {
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.IPv6Loopback, 0)],
            Alpn = QuicTestEnvironment.Alpn,
        });
        Assert.Equal(2, listener.LocalEndPoints.Count);
        foreach (var endPoint in listener.LocalEndPoints)
        {
            var accept = listener.AcceptConnectionAsync().AsTask();
            await using var client = await QuicConnection.ConnectAsync(new QuicClientOptions
            {
                RemoteEndPoint = endPoint,
                Alpn = QuicTestEnvironment.Alpn,
                SkipCertificateValidation = true,
            });
            await using var server = await accept.WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(endPoint.AddressFamily, server.RemoteEndPoint.AddressFamily);
            Assert.Equal(endPoint, server.LocalEndPoint);
        }
    }

    [Fact]
    public void Start_WithCertificateButNoKey_Throws()
    {
        var certificate = ServerCertificate.CreateSelfSigned();
        Assert.Throws<ArgumentException>(() => QuicTestEnvironment.StartListener(o => o.CertificatePem = certificate.CertificatePem));
    }
}
