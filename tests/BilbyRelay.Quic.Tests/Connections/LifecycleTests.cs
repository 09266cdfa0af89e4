using System.Diagnostics;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

public sealed class LifecycleTests
{
    private static readonly TimeSpan ShortIdle = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task PeerVanishes_ServerClosesWithIdleTimeoutWithinIdlePlusOneSecond()
    {
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.IdleTimeout = ShortIdle;
            o.Transport.KeepAliveInterval = TimeSpan.FromMilliseconds(300);
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.UseDedicatedEndpoint = true);

        var watch = Stopwatch.StartNew();
        client.Vanish();
        var info = await server.Closed.WaitAsync(QuicTestEnvironment.Timeout);
        watch.Stop();

        Assert.Equal(QuicCloseReason.IdleTimeout, info.Reason);
        Assert.True(watch.Elapsed < ShortIdle + TimeSpan.FromSeconds(1), $"detected after {watch.Elapsed}");
        await client.Closed.WaitAsync(QuicTestEnvironment.Timeout);
    }

    [Fact]
    public async Task ServerLosesState_ClientSeesStatelessReset()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.KeepAliveInterval = TimeSpan.FromMilliseconds(200));

        // The server forgets the connection; the client's next packet (a keep-alive) meets an endpoint that answers
        // with a stateless reset carrying the token it advertised for that connection ID.
        server.Vanish();
        var info = await client.Closed.WaitAsync(QuicTestEnvironment.Timeout);

        Assert.Equal(QuicCloseReason.StatelessReset, info.Reason);
        Assert.True(listener.PacketsDropped >= 1);
    }

    [Fact]
    public async Task KeepAlive_KeepsAnIdleConnectionOpenPastTheIdleTimeout()
    {
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.IdleTimeout = ShortIdle;
            o.Transport.KeepAliveInterval = TimeSpan.FromMilliseconds(250);
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o =>
        {
            o.Transport.IdleTimeout = ShortIdle;
            o.Transport.KeepAliveInterval = TimeSpan.FromMilliseconds(250);
        });
        await using (client)
        await using (server)
        {
            // Three idle timeouts pass with no application traffic.
            var ended = await Task.WhenAny(server.Closed, client.Closed, Task.Delay(3 * ShortIdle));
            Assert.False(ended == server.Closed || ended == client.Closed, "the connection timed out despite keep-alives");

            var stream = await client.OpenStreamAsync(bidirectional: true);
            await stream.Output.WriteAsync(new byte[3]);
            await stream.Output.CompleteAsync();
            var accepted = await server.AcceptStreamAsync();
            var (length, _) = await Streams.StreamData.ReadToEndAsync(accepted.Input);
            Assert.Equal(3, length);
        }
    }

    [Fact]
    public async Task IdleConnection_WithoutKeepAlive_ClosesWithIdleTimeoutOnBothSides()
    {
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.IdleTimeout = ShortIdle;
            o.Transport.KeepAliveInterval = TimeSpan.Zero;
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.KeepAliveInterval = TimeSpan.Zero);

        var serverInfo = await server.Closed.WaitAsync(QuicTestEnvironment.Timeout);
        var clientInfo = await client.Closed.WaitAsync(QuicTestEnvironment.Timeout);

        Assert.Equal(QuicCloseReason.IdleTimeout, serverInfo.Reason);
        Assert.Equal(QuicCloseReason.IdleTimeout, clientInfo.Reason);
        var error = await Assert.ThrowsAsync<QuicException>(async () => await client.OpenStreamAsync(bidirectional: true));
        Assert.Equal(QuicError.ConnectionIdle, error.Error);
    }

    [Fact]
    public async Task ListenerDispose_ClosesConnectionsWithEndpointShutdown()
    {
        var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await listener.DisposeAsync();

        var serverInfo = await server.Closed.WaitAsync(QuicTestEnvironment.Timeout);
        var clientInfo = await client.Closed.WaitAsync(QuicTestEnvironment.Timeout);

        Assert.Equal(QuicCloseReason.EndpointShutdown, serverInfo.Reason);
        Assert.Equal(QuicCloseReason.PeerClose, clientInfo.Reason);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await listener.AcceptConnectionAsync());
    }

    [Fact]
    public async Task ConnectToNothing_FailsWithTimeout()
    {
        var closedPort = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9);
        var error = await Assert.ThrowsAsync<QuicException>(async () => await QuicConnection.ConnectAsync(new QuicClientOptions
        {
            RemoteEndPoint = closedPort,
            Alpn = QuicTestEnvironment.Alpn,
            SkipCertificateValidation = true,
            Transport = { IdleTimeout = ShortIdle, HandshakeTimeout = ShortIdle },
        }));
        Assert.Equal(QuicError.ConnectionTimeout, error.Error);
    }
}
