using System.Text;
using System.Text.Json;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>HTTP/1.1 connection semantics over raw sockets: keep-alive, pipelining, close, HEAD, bodies.</summary>
public sealed class StatsHttpProtocolTests
{
    private static readonly TimeSpan s_closeBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PipelinedRequests_AreAnsweredInOrder()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync(
            "GET /api/v1/edges HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse first = await connection.ReadResponseAsync();
        RawHttpResponse second = await connection.ReadResponseAsync();
        RawHttpResponse third = await connection.ReadResponseAsync();
        Assert.Equal(200, first.StatusCode);
        Assert.Contains("\"edges\"", first.BodyText, StringComparison.Ordinal);
        Assert.Equal(404, second.StatusCode);
        Assert.Equal(200, third.StatusCode);
        Assert.Contains("\"status\":\"ok\"", third.BodyText, StringComparison.Ordinal);
        Assert.Null(third.Header("connection"));
    }

    [Fact]
    public async Task KeepAlive_ServesSequentialRequestsOnOneConnection()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        for (int i = 0; i < 5; i++)
        {
            await connection.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpResponse response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
        }

        Assert.Equal(1, server.Server.ConnectionCount);
    }

    [Fact]
    public async Task ConnectionClose_IsHonouredAfterTheResponse()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("close", response.Header("connection"));
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound), "server must close after Connection: close");
        Assert.Equal(0, connection.UnreadCount);
    }

    [Fact]
    public async Task Http10_ClosesByDefault()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.0\r\n\r\n");

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("close", response.Header("connection"));
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound));
    }

    [Fact]
    public async Task Http10_KeepAliveRequested_StaysOpen()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        RawHttpResponse first = await connection.ReadResponseAsync();
        await connection.SendAsync("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        RawHttpResponse second = await connection.ReadResponseAsync();

        Assert.Equal("keep-alive", first.Header("connection"));
        Assert.Equal(200, second.StatusCode);
    }

    [Fact]
    public async Task Head_SendsContentLengthButNoBody()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse head = await connection.ReadResponseAsync(expectBody: false);
        RawHttpResponse get = await connection.ReadResponseAsync();
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(get.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("content-length"));
        Assert.StartsWith("# HELP", get.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_OnUnknownPath_Returns404WithoutBody()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse head = await connection.ReadResponseAsync(expectBody: false);
        RawHttpResponse next = await connection.ReadResponseAsync();
        Assert.Equal(404, head.StatusCode);
        Assert.Equal(200, next.StatusCode);
    }

    [Fact]
    public async Task GetWithSmallBody_BodyIsDiscardedAndNextRequestServed()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /nope X");
        await connection.SendAsync("GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse first = await connection.ReadResponseAsync();
        RawHttpResponse second = await connection.ReadResponseAsync();
        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Contains("peak_edges", second.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_IsActedOnOnlyAfterItsBodyArrives()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync(
            $"DELETE /api/v1/tunnels/{FakeStatsSource.ActiveTunnelId} HTTP/1.1\r\nHost: x\r\n" +
            $"Authorization: Bearer {StatsTestServer.Token}\r\nContent-Length: 4\r\n\r\nab");
        await connection.SendAsync("cd");

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.Single(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task ExpectContinue_GetsInterim100BeforeTheBodyIsSent()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync(
            $"DELETE /api/v1/tunnels/{FakeStatsSource.ActiveTunnelId} HTTP/1.1\r\n" +
            $"Authorization: Bearer {StatsTestServer.Token}\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        RawHttpResponse interim = await connection.ReadResponseAsync(expectBody: false);
        Assert.Empty(server.Source.DeleteRequests);
        await connection.SendAsync("{}");
        RawHttpResponse final = await connection.ReadResponseAsync();

        Assert.Equal("HTTP/1.1 100 Continue", interim.StatusLine);
        Assert.Equal(200, final.StatusCode);
        Assert.Single(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task BearerScheme_IsCaseInsensitive()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync($"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nauthorization:   bearer {StatsTestServer.Token}  \r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task SecondAuthorizationHeaderWithWrongToken_Returns401()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync($"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {StatsTestServer.Token}\r\nAuthorization: Bearer nope\r\n\r\n");

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal(401, response.StatusCode);
        Assert.Equal("Bearer", response.Header("www-authenticate"));
    }

    [Fact]
    public async Task BasicScheme_Returns401()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        string basic = Convert.ToBase64String(Encoding.ASCII.GetBytes("user:" + StatsTestServer.Token));

        await connection.SendAsync($"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {basic}\r\n\r\n");

        Assert.Equal(401, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task AbsoluteFormTarget_IsRouted()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET http://relay.example:4480/health HTTP/1.1\r\nHost: relay.example\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task LeadingEmptyLine_IsIgnored()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task BareLineFeeds_AreAccepted()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\nHost: x\n\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task RequestSplitAcrossManyWrites_IsParsed()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        byte[] request = Encoding.ASCII.GetBytes("GET /api/v1/edges HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");

        foreach (byte b in request)
        {
            await connection.SendAsync([b]);
        }

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(response.Body);
        Assert.Equal(2, body.RootElement.GetProperty("edges").GetArrayLength());
    }

    [Fact]
    public async Task Responses_CarryDateAndNoStore()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse response = await connection.ReadResponseAsync();
        Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
        Assert.Equal("no-store", response.Header("cache-control"));
        Assert.True(DateTimeOffset.TryParse(response.Header("date"), System.Globalization.CultureInfo.InvariantCulture, out _), "Date header must be an HTTP date");
    }
}
