using System.Net.WebSockets;
using System.Text;
using BilbyRelay.Management;
using BilbyRelay.Quic;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// What a manager sends on the link before and after the WebSocket upgrade: the answer to the upgrade request through
/// <see cref="WebSocketUpgrade.CheckResponse"/>, and the frames that follow through the relay's client WebSocket,
/// delivered a few bytes per read. Bad input may only end as a <see cref="ManagerConnectException"/> or a
/// <see cref="WebSocketException"/>; anything else, or a receive that returns without progress, is a finding.
/// </summary>
internal static class ManagerWebSocketHarness
{
    // RFC 6455's example key; the seeds answer it with its accept value.
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    public static void RunUpgradeAnswer(byte[] input)
    {
        try
        {
            WebSocketUpgrade.CheckResponse(Encoding.Latin1.GetString(input), Key);
        }
        catch (ManagerConnectException e) when (e.Message.Length > 0)
        {
            // Refused, with a reason.
        }
    }

    public static void RunFrames(byte[] input)
    {
        var (chunkSize, body) = ChunkedInput.Split(input);
        using var socket = new StreamClientWebSocket(new ServerBytes(body, chunkSize), Timeout.InfiniteTimeSpan);
        var buffer = new byte[64];
        try
        {
            // Each receive consumes at least one byte of input or ends the connection, so this loop is bounded.
            for (var receives = 0; receives <= body.Length + 1; receives++)
            {
                var result = socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }

            throw new InvalidOperationException("websocket: more receives than input bytes");
        }
        catch (WebSocketException)
        {
            // The connection failed, as bad or cut-off input must make it.
        }
    }

    /// <summary>The server's side of the socket: reads give the input a chunk at a time, writes are dropped.</summary>
    private sealed class ServerBytes(ReadOnlyMemory<byte> input, int chunkSize) : DuplexStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var take = Math.Min(Math.Min(buffer.Length, chunkSize), input.Length - _position);
            input.Span.Slice(_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
