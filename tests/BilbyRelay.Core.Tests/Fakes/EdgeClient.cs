using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>A simulated edge speaking the relay protocol over a <see cref="FakeConnection"/>.</summary>
internal sealed class EdgeClient
{
    private FrameReader? _controlReader;

    public EdgeClient(FakeConnection connection, Task runTask)
    {
        Connection = connection;
        RunTask = runTask;
    }

    public FakeConnection Connection { get; }

    public FakeEdge Edge => Connection.Edge;

    /// <summary>The relay's RunConnectionAsync for this edge; completes when the relay is done with it.</summary>
    public Task RunTask { get; }

    public FakeStream Control { get; private set; } = null!;

    public IPEndPoint RemoteEndPoint => Connection.RemoteEndPoint;

    public static string BindJson(TunnelId id, string direction, string protocol = "udp", string? token = null) =>
        token is null
            ? $$"""{"type":"tunnel_bind","tunnel_id":"{{id}}","direction":"{{direction}}","protocol":"{{protocol}}"}"""
            : $$"""{"type":"tunnel_bind","tunnel_id":"{{id}}","direction":"{{direction}}","protocol":"{{protocol}}","bind_token":"{{token}}"}""";

    public static string UnbindJson(TunnelId id) => $$"""{"type":"tunnel_unbind","tunnel_id":"{{id}}"}""";

    public static string HeaderJson(TunnelId id) => $$"""{"tunnel_id":"{{id}}","stream_type":"tcp"}""";

    /// <summary>Opens the control stream (the edge's first bidirectional stream).</summary>
    public EdgeClient OpenControl()
    {
        Control = Edge.OpenBidirectionalStream();
        _controlReader = new FrameReader(Control.Input);
        return this;
    }

    public Task SendAsync(string json) => SendFrameAsync(Control, json);

    public static async Task SendFrameAsync(FakeStream stream, string json)
    {
        FrameWriter.WriteFrame(stream.Output, Encoding.UTF8.GetBytes(json));
        await stream.Output.FlushAsync().AsTask().WaitAsync(TestTimeouts.Operation);
    }

    /// <summary>The next frame on the control stream.</summary>
    public async Task<JsonElement> ReadReplyAsync()
    {
        var status = await _controlReader!.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeouts.Operation);
        Assert.Equal(FrameReadStatus.Frame, status);
        return Parse(_controlReader.Payload);
    }

    public async Task<JsonElement> RequestAsync(string json)
    {
        await SendAsync(json);
        return await ReadReplyAsync();
    }

    public Task<JsonElement> BindAsync(TunnelId id, string direction, string protocol = "udp", string? token = null) =>
        RequestAsync(BindJson(id, direction, protocol, token));

    /// <summary>Sends ping and expects pong: proves every earlier message on the control stream was handled.</summary>
    public async Task PingAsync()
    {
        var reply = await RequestAsync("""{"type":"ping"}""");
        Assert.Equal("pong", reply.GetProperty("type").GetString());
    }

    /// <summary>Reads one notification: a relay-opened unidirectional stream with exactly one frame, then FIN.</summary>
    public async Task<JsonElement> ReadNotificationAsync()
    {
        var stream = await Edge.AcceptUnidirectionalStreamAsync();
        Assert.False(stream.IsBidirectional);
        var reader = new FrameReader(stream.Input);
        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeouts.Operation));
        var message = Parse(reader.Payload);
        Assert.Equal(FrameReadStatus.EndOfStream, await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeouts.Operation));
        return message;
    }

    public static JsonElement Parse(ReadOnlySequence<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.Clone();
    }
}
