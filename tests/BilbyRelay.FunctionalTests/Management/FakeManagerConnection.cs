using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// One relay connection as the fake manager sees it. Reads happen only inside the Receive* calls,
/// one at a time; every message read is kept in <see cref="Received"/> in arrival order.
/// </summary>
internal sealed class FakeManagerConnection
{
    private readonly WebSocket _socket;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly List<JsonElement> _unclaimed = [];

    public FakeManagerConnection(WebSocket socket)
    {
        _socket = socket;
    }

    public List<JsonElement> Received { get; } = [];

    /// <summary>Completes when the test closed or aborted the connection, or the relay closed it.</summary>
    public Task Finished => _finished.Task;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The next message, whatever its type. Throws <see cref="WebSocketException"/> if the relay closed instead.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(chunk, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                _finished.TrySetResult();
                throw new WebSocketException($"the relay closed the connection ({result.CloseStatus})");
            }

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                var message = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
                Received.Add(message);
                return message;
            }
        }
    }

    /// <summary>
    /// The first message of <paramref name="type"/> (matching <paramref name="match"/>) not yet
    /// claimed by an earlier call: messages read while looking for something else are kept, so the
    /// order in which a test asks for messages need not be the order the relay sent them.
    /// </summary>
    public async Task<JsonElement> ReceiveTypeAsync(string type, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        bool Matches(JsonElement m) => m.GetProperty("type").GetString() == type && (match is null || match(m));

        var index = _unclaimed.FindIndex(Matches);
        if (index >= 0)
        {
            var earlier = _unclaimed[index];
            _unclaimed.RemoveAt(index);
            return earlier;
        }

        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        while (true)
        {
            cts.Token.ThrowIfCancellationRequested();
            var message = await ReceiveAsync(timeout);
            if (Matches(message))
            {
                return message;
            }

            _unclaimed.Add(message);
        }
    }

    /// <summary>Reads until an <c>event</c> with exactly <paramref name="text"/> as its message arrives.</summary>
    public Task<JsonElement> ReceiveEventAsync(string text, TimeSpan? timeout = null) =>
        ReceiveTypeAsync("event", m => m.GetProperty("payload").GetProperty("message").GetString() == text, timeout);

    /// <summary>Waits for <c>auth</c>, answers <c>auth_ok</c>, returns the auth message.</summary>
    public async Task<JsonElement> AcceptAuthAsync()
    {
        var auth = await ReceiveTypeAsync("auth");
        await SendAsync("""{"type":"auth_ok","timestamp":"2026-01-01T00:00:00Z","payload":{}}""");
        return auth;
    }

    /// <summary>Sends a command and returns the relay's answer (command_ack, or config_response for get_config).</summary>
    public async Task<JsonElement> CommandAsync(string commandId, string actionJson)
    {
        await SendAsync($$$"""{"type":"command","timestamp":"2026-01-01T00:00:00Z","payload":{"command_id":"{{{commandId}}}","action":{{{actionJson}}}}}""");
        return await ReceiveTypeAsync("command_ack", m => m.GetProperty("payload").GetProperty("command_id").GetString() == commandId);
    }

    public async Task SendAsync(string json)
    {
        await _sendLock.WaitAsync();
        try
        {
            using var cts = new CancellationTokenSource(TestTimeouts.Default);
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, cts.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends one fragment of a text message; the message ends with the fragment where <paramref name="endOfMessage"/>.</summary>
    public async Task SendFragmentAsync(ReadOnlyMemory<byte> fragment, bool endOfMessage)
    {
        await _sendLock.WaitAsync();
        try
        {
            using var cts = new CancellationTokenSource(TestTimeouts.Default);
            await _socket.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage, cts.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads (discarding) until the relay's close frame; returns its status.</summary>
    public async Task<WebSocketCloseStatus?> ReadUntilCloseAsync(TimeSpan? timeout = null)
    {
        try
        {
            while (true)
            {
                await ReceiveAsync(timeout);
            }
        }
        catch (WebSocketException)
        {
            return _socket.CloseStatus;
        }
    }

    /// <summary>Closes from the manager side with a normal closure and waits for the relay's answer.</summary>
    public async Task CloseAsync()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        try
        {
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", cts.Token);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    /// <summary>Drops the connection without a close handshake (a crashed manager or a cut network).</summary>
    public void Abort()
    {
        try
        {
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
            // Kestrel already ended the request (the relay closed first): nothing left to abort.
        }

        _finished.TrySetResult();
    }
}
