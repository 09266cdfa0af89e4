using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using BilbyRelay.Management;
using BilbyRelay.Quic;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Management;

/// <summary>
/// The relay's client WebSocket against .NET's server-side implementation over loopback TCP (messages both ways,
/// fragments, every length encoding, ping/pong, the close handshake, keep-alive), and against raw bytes for the
/// protocol violations a server must not commit.
/// </summary>
public sealed class StreamClientWebSocketTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(300_000)]
    public async Task Messages_OfEveryLengthEncoding_ArriveIntactBothWays(int length)
    {
        await using var pair = await SocketPair.StartAsync();
        var payload = new byte[length];
        Random.Shared.NextBytes(payload);

        await pair.Client.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        var (serverType, atServer) = await ReceiveMessageAsync(pair.Server);
        await pair.Server.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        var (clientType, atClient) = await ReceiveMessageAsync(pair.Client);

        Assert.Equal(WebSocketMessageType.Binary, serverType);
        Assert.Equal(WebSocketMessageType.Binary, clientType);
        Assert.Equal(payload, atServer);
        Assert.Equal(payload, atClient);
    }

    [Fact]
    public async Task FragmentedText_ArrivesAsOneMessage_InBothDirections()
    {
        await using var pair = await SocketPair.StartAsync();

        await pair.Client.SendAsync("{\"type\":"u8.ToArray().AsMemory(), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await pair.Client.SendAsync("\"auth\"}"u8.ToArray().AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var (type, text) = await ReceiveMessageAsync(pair.Server);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("{\"type\":\"auth\"}", Encoding.UTF8.GetString(text));

        await pair.Server.SendAsync("hel"u8.ToArray().AsMemory(), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await pair.Server.SendAsync("lo"u8.ToArray().AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var (clientType, clientText) = await ReceiveMessageAsync(pair.Client);
        Assert.Equal(WebSocketMessageType.Text, clientType);
        Assert.Equal("hello", Encoding.UTF8.GetString(clientText));
    }

    [Fact]
    public async Task SmallReceiveBuffer_ReadsAMessageInPieces_EndOfMessageOnlyOnTheLast()
    {
        await using var pair = await SocketPair.StartAsync();
        await pair.Server.SendAsync(Encoding.UTF8.GetBytes(new string('x', 1000)).AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        var buffer = new byte[100];
        var pieces = new List<ValueWebSocketReceiveResult>();
        do
        {
            pieces.Add(await pair.Client.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout));
        }
        while (!pieces[^1].EndOfMessage);

        Assert.Equal(1000, pieces.Sum(p => p.Count));
        Assert.All(pieces[..^1], p => Assert.False(p.EndOfMessage));
    }

    [Fact]
    public async Task CloseHandshake_ServerFirst_ReportsStatusAndDescription_ThenBothClosed()
    {
        await using var pair = await SocketPair.StartAsync();

        var serverClose = pair.Server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "bad auth", CancellationToken.None);
        var result = await pair.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketState.CloseReceived, pair.Client.State);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, pair.Client.CloseStatus);
        Assert.Equal("bad auth", pair.Client.CloseStatusDescription);

        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, CancellationToken.None);
        await serverClose.WaitAsync(Timeout);
        Assert.Equal(WebSocketState.Closed, pair.Client.State);
        Assert.Equal(WebSocketState.Closed, pair.Server.State);
    }

    [Fact]
    public async Task CloseHandshake_ClientFirst_ServerSeesTheStatus()
    {
        await using var pair = await SocketPair.StartAsync();

        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "relay shutting down", CancellationToken.None);
        Assert.Equal(WebSocketState.CloseSent, pair.Client.State);
        var atServer = await pair.Server.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, atServer.MessageType);
        Assert.Equal("relay shutting down", pair.Server.CloseStatusDescription);
        await pair.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, CancellationToken.None);

        var atClient = await pair.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(WebSocketMessageType.Close, atClient.MessageType);
        Assert.Equal(WebSocketState.Closed, pair.Client.State);
        await Assert.ThrowsAsync<WebSocketException>(
            () => pair.Client.SendAsync("late"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task KeepAlive_SendsPings_TheServerAnswersWithPongs_AndDataStillFlows()
    {
        var time = new ManualTimeProvider();
        await using var pair = await SocketPair.StartAsync(keepAlive: TimeSpan.FromSeconds(5), time);
        var serverReceive = ReceiveMessageAsync(pair.Server);

        // Three pings: the server (which answers each with a pong) and the client's receive loop stay in step.
        var clientReceive = pair.Client.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None).AsTask();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }

        await pair.Client.SendAsync("after pings"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("after pings", Encoding.UTF8.GetString((await serverReceive).Data));
        await pair.Server.SendAsync("reply"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await clientReceive.WaitAsync(Timeout);
        Assert.Equal(5, reply.Count);
        // The text frame is 17 bytes (2 header, 4 mask, 11 payload); each ping adds 6.
        Assert.True(pair.ServerBytesReceived >= 17 + 6, $"no ping reached the server ({pair.ServerBytesReceived} bytes)");
    }

    [Fact]
    public async Task ServerPing_IsAnsweredWithItsPayload()
    {
        await using var raw = await RawServer.StartAsync();
        await raw.SendAsync([0x89, 0x03, 1, 2, 3, 0x81, 0x02, (byte)'o', (byte)'k']);

        var result = await raw.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
        var pong = await raw.ReceiveFrameAsync();

        Assert.Equal(2, result.Count);
        Assert.Equal(0x8A, pong.First);
        Assert.Equal([1, 2, 3], pong.Payload);
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x82, 1, 2, 3, 4, 0, 0 }, "a masked frame")]
    [InlineData(new byte[] { 0xC1, 0x00 }, "reserved bits")]
    [InlineData(new byte[] { 0x09, 0x00 }, "fragmented or oversized control frame")]
    [InlineData(new byte[] { 0x89, 0x7E, 0x00, 0x7E }, "fragmented or oversized control frame")]
    [InlineData(new byte[] { 0x83, 0x00 }, "opcode 3 out of place")]
    [InlineData(new byte[] { 0x80, 0x00 }, "opcode 0 out of place")]
    [InlineData(new byte[] { 0x01, 0x01, (byte)'a', 0x81, 0x01, (byte)'b' }, "opcode 1 out of place")]
    public async Task ProtocolViolation_FailsTheConnection_With1002(byte[] frames, string what)
    {
        await using var raw = await RawServer.StartAsync();
        await raw.SendAsync(frames);

        var failure = await Assert.ThrowsAsync<WebSocketException>(async () =>
        {
            while (true)
            {
                await raw.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
            }
        });

        Assert.Contains(what, failure.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Aborted, raw.Client.State);
        var close = await raw.ReceiveFrameAsync();
        Assert.Equal(0x88, close.First);
        Assert.Equal([0x03, 0xEA], close.Payload);
    }

    [Fact]
    public async Task ProtocolViolation_WhileASendIsStuck_StillFailsTheReceive_AndTheSend()
    {
        await using var raw = await RawServer.StartAsync();

        // The server reads nothing, so a large message fills both socket buffers and its send cannot finish.
        var stuck = raw.Client.SendAsync(new byte[64 * 1024 * 1024].AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask();
        await raw.SendAsync([0x81, 0x82, 1, 2, 3, 4, 0, 0]);

        var failure = await Assert.ThrowsAsync<WebSocketException>(
            () => raw.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.Contains("a masked frame", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => stuck.WaitAsync(Timeout));
        Assert.Equal(WebSocketState.Aborted, raw.Client.State);
    }

    [Fact]
    public async Task ServerVanishesMidFrame_ReceiveFailsAsClosedPrematurely()
    {
        await using var raw = await RawServer.StartAsync();
        await raw.SendAsync([0x81, 0x05, (byte)'h']);
        raw.CloseServer();

        var buffer = new byte[16];
        var failure = await Assert.ThrowsAsync<WebSocketException>(async () =>
        {
            while (true)
            {
                await raw.Client.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
            }
        });

        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, failure.WebSocketErrorCode);
    }

    [Fact]
    public async Task CancelledReceive_AbortsTheSocket()
    {
        await using var pair = await SocketPair.StartAsync();
        using var cancel = new CancellationTokenSource();
        var receive = pair.Client.ReceiveAsync(new byte[16].AsMemory(), cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Timeout));
        Assert.Equal(WebSocketState.Aborted, pair.Client.State);
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket)
    {
        var message = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Timeout);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    /// <summary>The client over loopback TCP with .NET's server-side WebSocket on the other end.</summary>
    private sealed class SocketPair : IAsyncDisposable
    {
        private readonly CountingStream _serverStream;

        private SocketPair(StreamClientWebSocket client, WebSocket server, CountingStream serverStream)
        {
            Client = client;
            Server = server;
            _serverStream = serverStream;
        }

        public StreamClientWebSocket Client { get; }

        public WebSocket Server { get; }

        public long ServerBytesReceived => _serverStream.BytesRead;

        public static async Task<SocketPair> StartAsync(TimeSpan? keepAlive = null, TimeProvider? time = null)
        {
            var (client, server) = await ConnectedStreamsAsync();
            var counting = new CountingStream(server);
            return new SocketPair(
                new StreamClientWebSocket(client, keepAlive ?? System.Threading.Timeout.InfiniteTimeSpan, time),
                WebSocket.CreateFromStream(counting, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }),
                counting);
        }

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            Server.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The client with a raw socket on the other end, for frames a proper server would never send.</summary>
    private sealed class RawServer : IAsyncDisposable
    {
        private readonly NetworkStream _server;

        private RawServer(StreamClientWebSocket client, NetworkStream server)
        {
            Client = client;
            _server = server;
        }

        public StreamClientWebSocket Client { get; }

        public static async Task<RawServer> StartAsync()
        {
            var (client, server) = await ConnectedStreamsAsync();
            return new RawServer(new StreamClientWebSocket(client, System.Threading.Timeout.InfiniteTimeSpan), server);
        }

        public Task SendAsync(byte[] bytes) => _server.WriteAsync(bytes).AsTask();

        public void CloseServer() => _server.Socket.Shutdown(SocketShutdown.Send);

        /// <summary>Reads one client frame (short payloads only) and unmasks it.</summary>
        public async Task<(byte First, byte[] Payload)> ReceiveFrameAsync()
        {
            var header = new byte[6];
            await _server.ReadExactlyAsync(header).AsTask().WaitAsync(Timeout);
            Assert.True((header[1] & 0x80) != 0, "client frames are masked");
            var payload = new byte[header[1] & 0x7F];
            await _server.ReadExactlyAsync(payload).AsTask().WaitAsync(Timeout);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= header[2 + (i & 3)];
            }

            return (header[0], payload);
        }

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            return _server.DisposeAsync();
        }
    }

    private static async Task<(NetworkStream Client, NetworkStream Server)> ConnectedStreamsAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(await accept, ownsSocket: true));
    }

    private sealed class CountingStream(Stream inner) : DuplexStream
    {
        private long _bytesRead;

        public long BytesRead => Interlocked.Read(ref _bytesRead);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref _bytesRead, read);
            return read;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);


        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
