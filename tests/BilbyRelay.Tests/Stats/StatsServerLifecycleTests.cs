using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Stats;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>Listening, timeouts, the connection cap and shutdown.</summary>
public sealed class StatsServerLifecycleTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SlowlorisClient_IsDisconnectedAfterHeaderTimeout()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(300) });

        // Started before connecting: the server's clock cannot start earlier than this one.
        var elapsed = Stopwatch.StartNew();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        // Trickle bytes: each send would reset a naive per-read timer, never the per-request deadline.
        await connection.SendAsync("GET /health HTTP/1.1\r\n");
        await connection.SendAsync("X-A: 1\r\n");

        Assert.True(await connection.WaitForServerCloseAsync(s_bound), "a client that never finishes its headers must be disconnected");
        Assert.True(elapsed.Elapsed >= TimeSpan.FromMilliseconds(250), $"closed after {elapsed.Elapsed}, before the header timeout");
        Assert.Equal(0, connection.UnreadCount);
    }

    [Fact]
    public async Task SilentClient_IsDisconnectedAfterHeaderTimeout()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(200) });
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        Assert.True(await connection.WaitForServerCloseAsync(s_bound));
    }

    [Fact]
    public async Task SlowBody_IsBoundByTheRequestDeadline()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(300) });
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly a little");

        Assert.True(await connection.WaitForServerCloseAsync(s_bound));
        Assert.Equal(0, connection.UnreadCount);
    }

    [Fact]
    public async Task IdleKeepAliveConnection_IsClosedAfterKeepAliveTimeout()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { KeepAliveTimeout = TimeSpan.FromMilliseconds(300) });
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);

        Assert.True(await connection.WaitForServerCloseAsync(s_bound));
    }

    [Fact]
    public async Task IdleKeepAliveConnection_OutlivesHeaderTimeout()
    {
        // Header timeout short, keep-alive long: between requests only the keep-alive timer runs. The timeouts run on a
        // manual clock, so a slow machine cannot make the first request miss its header timeout.
        var time = new ManualTimeProvider();
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with
        {
            HeaderTimeout = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(30),
            Time = time,
        });
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);

        // Timers that come due fire inside Advance: six header timeouts pass with the connection idle.
        time.Advance(TimeSpan.FromSeconds(6));
        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);

        // The keep-alive timeout does end it.
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await connection.WaitForServerCloseAsync(s_bound), "the keep-alive timeout must close an idle connection");
    }

    [Fact]
    public async Task ConnectionsOverCap_Get503AndAreClosed()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { MaxConnections = 2 });
        await using RawHttpConnection first = await server.ConnectRawAsync();
        await using RawHttpConnection second = await server.ConnectRawAsync();
        await first.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        await second.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await first.ReadResponseAsync()).StatusCode);
        Assert.Equal(200, (await second.ReadResponseAsync()).StatusCode);

        await using RawHttpConnection third = await server.ConnectRawAsync();

        RawHttpResponse refused = await third.ReadResponseAsync();
        Assert.Equal(503, refused.StatusCode);
        Assert.Contains("too many connections", refused.BodyText, StringComparison.Ordinal);
        Assert.True(await third.WaitForServerCloseAsync(s_bound));
        Assert.Equal(2, server.Server.ConnectionCount);
    }

    [Fact]
    public async Task ClosedConnection_FreesItsSlot()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { MaxConnections = 1 });
        await using (RawHttpConnection first = await server.ConnectRawAsync())
        {
            await first.SendAsync("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, (await first.ReadResponseAsync()).StatusCode);
            Assert.True(await first.WaitForServerCloseAsync(s_bound));
        }

        using HttpClient client = server.CreateClient();
        HttpResponseMessage? response = null;
        using var deadline = new CancellationTokenSource(s_bound);

        // The slot is released when the server's connection task finishes, just after the close
        // the client saw; retry the 503 until then (bounded), never sleep.
        while (!deadline.IsCancellationRequested)
        {
            response?.Dispose();
            response = await client.GetAsync("/health", deadline.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
        }

        Assert.Equal(HttpStatusCode.OK, response?.StatusCode);
        response?.Dispose();
    }

    [Fact]
    public async Task Start_WithPortZero_ReportsTheChosenPort()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();

        IPEndPoint endPoint = Assert.Single(server.Server.LocalEndPoints);
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.NotEqual(0, endPoint.Port);
    }

    [Fact]
    public async Task Start_OnIpv4AndIpv6_ServesBoth()
    {
        var options = new StatsServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.IPv6Loopback, 0)],
        };
        await using var server = new StatsServer(options, new FakeStatsSource(), Logger.Null);
        await server.StartAsync(CancellationToken.None);

        Assert.Equal(2, server.LocalEndPoints.Count);
        foreach (IPEndPoint endPoint in server.LocalEndPoints)
        {
            await using RawHttpConnection connection = await RawHttpConnection.ConnectAsync(endPoint);
            await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");
            Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
        }
    }

    [Fact]
    public async Task Start_Ipv6Listener_IsIpv6Only()
    {
        // With IPV6_V6ONLY the IPv6 wildcard does not claim the IPv4 port, so both can be bound.
        var options = new StatsServerOptions { EndPoints = [new IPEndPoint(IPAddress.IPv6Any, 0)] };
        await using var server = new StatsServer(options, new FakeStatsSource(), Logger.Null);
        await server.StartAsync(CancellationToken.None);
        int port = server.LocalEndPoints[0].Port;

        using var ipv4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        ipv4.Bind(new IPEndPoint(IPAddress.Loopback, port));

        Assert.Equal(port, ((IPEndPoint)ipv4.LocalEndPoint!).Port);
    }

    [Fact]
    public async Task Start_OnTakenPort_ThrowsNamingTheAddressAndReleasesOthers()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupant.Listen();
        var taken = (IPEndPoint)occupant.LocalEndPoint!;
        var options = new StatsServerOptions { EndPoints = [new IPEndPoint(IPAddress.IPv6Loopback, 0), taken] };
        await using var server = new StatsServer(options, new FakeStatsSource(), Logger.Null);

        StatsListenException error = await Assert.ThrowsAsync<StatsListenException>(() => server.StartAsync(CancellationToken.None));

        Assert.Equal(taken, error.EndPoint);
        Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(server.LocalEndPoints);
    }

    [Fact]
    public void Options_OutOfRange_AreRejectedByName()
    {
        var options = new StatsServerOptions { MaxConnections = 0 };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new StatsServer(options, new FakeStatsSource(), Logger.Null));

        Assert.Equal(nameof(StatsServerOptions.MaxConnections), error.ParamName);
    }

    [Fact]
    public async Task Stop_ClosesIdleConnectionsAndStopsListening()
    {
        StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
        IPEndPoint endPoint = server.EndPoint;

        using var timeout = new CancellationTokenSource(s_bound);
        await server.Server.StopAsync(timeout.Token);

        Assert.True(await connection.WaitForServerCloseAsync(s_bound));
        Assert.Equal(0, server.Server.ConnectionCount);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException refused = await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Stop_WhenGraceExpires_AbortsConnectionsMidRequest()
    {
        StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        await connection.SendAsync("GET /health HTTP/1.1\r\n");

        // Already-cancelled token: no grace at all for the half-received request.
        await server.Server.StopAsync(new CancellationToken(canceled: true));

        Assert.True(await connection.WaitForServerCloseAsync(s_bound));
        Assert.Equal(0, server.Server.ConnectionCount);
        await server.DisposeAsync();
    }
}
