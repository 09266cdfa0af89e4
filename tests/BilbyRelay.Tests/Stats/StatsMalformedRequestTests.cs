using System.Text;
using System.Text.Json;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>Malformed and abusive requests over raw sockets: each gets its status, a JSON error, and (where the stream is lost) a close.</summary>
public sealed class StatsMalformedRequestTests
{
    private static readonly TimeSpan s_closeBound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("GARBAGE\r\n\r\n", 400)]
    [InlineData("GET /health\r\n\r\n", 400)]
    [InlineData("GET  /health HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1 extra\r\n\r\n", 400)]
    [InlineData("GET health HTTP/1.1\r\n\r\n", 400)]
    [InlineData("G(T /health HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /health HTTX/1.1\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost x\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nBad Name: x\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost : x\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nX: a\u0001b\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("GET /health HTTP/2.0\r\n\r\n", 505)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)]
    [InlineData("GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411)]
    [InlineData("GET /health HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413)]
    [InlineData("GET /health HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413)]
    public async Task MalformedRequest_GetsStatusJsonErrorAndClose(string request, int expectedStatus)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync(request);

        RawHttpResponse response = await connection.ReadResponseAsync();
        AssertJsonError(response, expectedStatus);
        Assert.Equal("close", response.Header("connection"));
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound), "the connection must close after an unparseable request");
    }

    [Fact]
    public async Task OversizedBodyAlreadyInFlight_StillGets413()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        byte[] head = Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n");
        byte[] request = [.. head, .. new byte[256 * 1024]];

        // The server refuses on the head while body bytes are still arriving; it must not reset
        // the connection (losing the 413) by closing with unread input.
        Task send = connection.SendAsync(request);
        RawHttpResponse response = await connection.ReadResponseAsync();
        await send;

        AssertJsonError(response, 413);
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound));
    }

    [Fact]
    public async Task RepeatedEqualContentLength_IsAccepted()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task ContentLengthAtLimit_IsReadAndDiscarded()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        byte[] body = new byte[1024 * 1024];

        await connection.SendAsync($"GET /health HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n");
        await connection.SendAsync(body);
        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Theory]
    [InlineData("BREW")]
    [InlineData("POST")]
    [InlineData("OPTIONS")]
    public async Task UnknownMethodOnKnownRoute_Returns405AndKeepsConnection(string method)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync($"{method} /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        RawHttpResponse refused = await connection.ReadResponseAsync();
        AssertJsonError(refused, 405);
        Assert.Equal("GET, HEAD", refused.Header("allow"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task LowercaseMethod_IsNotGet()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("get /health HTTP/1.1\r\nHost: x\r\n\r\n");

        AssertJsonError(await connection.ReadResponseAsync(), 405);
    }

    [Fact]
    public async Task OversizedRequestLine_Returns414BeforeLineEnds()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        // No line end at all: the limit must trigger on the bytes buffered, not wait for a LF.
        await connection.SendAsync("GET /" + new string('a', 9000));

        AssertJsonError(await connection.ReadResponseAsync(), 414);
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound));
    }

    [Fact]
    public async Task RequestLineJustUnderLimit_IsServed()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        string prefix = "GET /health?";
        string suffix = " HTTP/1.1\r\n";
        string query = new('q', (8 * 1024) - prefix.Length - suffix.Length);

        await connection.SendAsync(prefix + query + suffix + "Host: x\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task OversizedHeaderBlock_Returns431()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\nX-Big: " + new string('b', 17 * 1024) + "\r\n\r\n");

        RawHttpResponse response = await connection.ReadResponseAsync();
        AssertJsonError(response, 431);
        Assert.Contains("too large", ErrorText(response), StringComparison.Ordinal);
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound));
    }

    [Fact]
    public async Task TooManyHeaders_Returns431()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        var request = new StringBuilder("GET /health HTTP/1.1\r\n");
        for (int i = 0; i < 65; i++)
        {
            request.Append("X-H").Append(i).Append(": v\r\n");
        }

        await connection.SendAsync(request.Append("\r\n").ToString());

        RawHttpResponse response = await connection.ReadResponseAsync();
        AssertJsonError(response, 431);
        Assert.Contains("too many", ErrorText(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SixtyFourHeaders_AreAccepted()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();
        var request = new StringBuilder("GET /health HTTP/1.1\r\n");
        for (int i = 0; i < 64; i++)
        {
            request.Append("X-H").Append(i).Append(": v\r\n");
        }

        await connection.SendAsync(request.Append("\r\n").ToString());

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task MissingHost_IsTolerated()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
    }

    [Fact]
    public async Task ResponsesBeforeAnError_AreStillDelivered()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        await using RawHttpConnection connection = await server.ConnectRawAsync();

        await connection.SendAsync("GET /health HTTP/1.1\r\n\r\nNOT HTTP\r\n\r\n");

        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
        AssertJsonError(await connection.ReadResponseAsync(), 400);
        Assert.True(await connection.WaitForServerCloseAsync(s_closeBound));
    }

    private static void AssertJsonError(RawHttpResponse response, int expectedStatus)
    {
        Assert.Equal(expectedStatus, response.StatusCode);
        Assert.Equal("application/json", response.Header("content-type"));
        Assert.False(string.IsNullOrWhiteSpace(ErrorText(response)));
    }

    private static string? ErrorText(RawHttpResponse response)
    {
        using JsonDocument body = JsonDocument.Parse(response.Body);
        return body.RootElement.GetProperty("error").GetString();
    }
}
