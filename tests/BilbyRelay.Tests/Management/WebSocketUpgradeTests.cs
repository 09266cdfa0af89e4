using System.Text;
using BilbyRelay.Management;
using BilbyRelay.Quic;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Management;

/// <summary>The client side of the WebSocket opening handshake: the request it sends and the answers it refuses.</summary>
public sealed class WebSocketUpgradeTests
{
    // RFC 6455 §1.3's worked example.
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    [Fact]
    public void ExpectedAccept_IsTheRfcExample() => Assert.Equal(Accept, WebSocketUpgrade.ExpectedAccept(Key));

    [Theory]
    [InlineData("wss://manager.example/ws", "manager.example", "/ws")]
    [InlineData("wss://manager.example:8443/ws?region=eu", "manager.example:8443", "/ws?region=eu")]
    [InlineData("wss://127.0.0.1:9443/", "127.0.0.1:9443", "/")]
    [InlineData("wss://[::1]:9443/ws", "[::1]:9443", "/ws")]
    [InlineData("wss://bücher.example/ws", "xn--bcher-kva.example", "/ws")]
    public void Request_NamesTheHostAndPath_AndAsksForVersion13(string url, string host, string target)
    {
        var request = WebSocketUpgrade.Request(new Uri(url), Key);

        Assert.Equal(
            $"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n",
            request);
    }

    [Theory]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept}")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-accept:{Accept}\r\nServer: test")]
    public void CheckResponse_AcceptsAValidSwitch(string head) => WebSocketUpgrade.CheckResponse(head, Key);

    [Theory]
    [InlineData("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0", "answered the WebSocket upgrade with HTTP 401 Unauthorized")]
    [InlineData("HTTP/1.1 200 OK", "answered the WebSocket upgrade with HTTP 200 OK")]
    [InlineData("SSH-2.0-OpenSSH_9.2", "did not answer the WebSocket upgrade with HTTP")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept}", "does not switch to the WebSocket protocol")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Accept: {Accept}", "does not switch to the WebSocket protocol")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA", "Sec-WebSocket-Accept does not match")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade", "Sec-WebSocket-Accept does not match")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept}\r\nSec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions the relay did not offer")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept}\r\nSec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol the relay did not offer")]
    [InlineData($"HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\nSec-WebSocket-Accept: {Accept}", "malformed header line (Upgrade websocket)")]
    public void CheckResponse_RefusesAnythingElse_SayingWhat(string head, string reason)
    {
        var failure = Assert.Throws<ManagerConnectException>(() => WebSocketUpgrade.CheckResponse(head, Key));

        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckResponse_QuotesOnlyPrintableText()
    {
        var failure = Assert.Throws<ManagerConnectException>(() => WebSocketUpgrade.CheckResponse("\u0001\u0002garbage", Key));

        Assert.DoesNotContain('\u0001', failure.Message);
        Assert.Contains("??garbage", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestAsync_LeavesTheFramesAfterTheHeadInTheStream()
    {
        var frame = new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' };
        var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
        using var stream = new ScriptedServerStream(request =>
        {
            var key = request.Split("\r\n").Single(line => line.StartsWith("Sec-WebSocket-Key: ", StringComparison.Ordinal))["Sec-WebSocket-Key: ".Length..];
            return [.. answer, .. Encoding.ASCII.GetBytes(WebSocketUpgrade.ExpectedAccept(key) + "\r\n\r\n"), .. frame];
        });

        await WebSocketUpgrade.RequestAsync(stream, new Uri("wss://manager.example/ws"), CancellationToken.None);

        var rest = new byte[16];
        Assert.Equal(frame.Length, await stream.ReadAsync(rest));
        Assert.Equal(frame, rest[..frame.Length]);
    }

    [Fact]
    public async Task RequestAsync_ServerClosesBeforeAnswering_SaysSo()
    {
        using var stream = new ScriptedServerStream(_ => Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching"));

        var failure = await Assert.ThrowsAsync<ManagerConnectException>(() => WebSocketUpgrade.RequestAsync(stream, new Uri("wss://m.example/ws"), CancellationToken.None));

        Assert.Equal("the manager closed the connection before answering the WebSocket upgrade", failure.Message);
    }

    [Fact]
    public async Task RequestAsync_EndlessHead_IsRefusedAtTheLimit()
    {
        using var stream = new ScriptedServerStream(_ => Encoding.ASCII.GetBytes("HTTP/1.1 101 OK\r\n" + new string('x', WebSocketUpgrade.MaxResponseHeadBytes)));

        var failure = await Assert.ThrowsAsync<ManagerConnectException>(() => WebSocketUpgrade.RequestAsync(stream, new Uri("wss://m.example/ws"), CancellationToken.None));

        Assert.Contains($"head over {WebSocketUpgrade.MaxResponseHeadBytes} bytes", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream whose reads return the answer a script gives to everything written to it before.</summary>
    private sealed class ScriptedServerStream(Func<string, byte[]> answer) : DuplexStream
    {
        private readonly MemoryStream _written = new();
        private byte[]? _answer;
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            _answer ??= answer(Encoding.ASCII.GetString(_written.ToArray()));
            var take = Math.Min(count, _answer.Length - _position);
            _answer.AsSpan(_position, take).CopyTo(buffer.AsSpan(offset));
            _position += take;
            return take;
        }

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);
    }
}
