using System.Buffers;
using BilbyRelay.Quic;

namespace BilbyRelay.EdgeSimulator;

public sealed partial class SimulatedEdge
{
    /// <summary>Opens a TCP-tunnel data stream: a bidirectional stream starting with the stream header.</summary>
    public async Task<QuicStream> OpenTunnelStreamAsync(Guid tunnelId, CancellationToken ct = default)
    {
        var stream = await _connection.OpenStreamAsync(bidirectional: true, ct).ConfigureAwait(false);
        await EdgeFraming.WriteFrameAsync(stream.Output, TunnelStreamHeader(tunnelId.ToString("D")), ct).ConfigureAwait(false);
        return stream;
    }

    /// <summary>Opens a bidirectional stream and writes the given header bytes as its first frame.</summary>
    public async Task<QuicStream> OpenStreamWithHeaderAsync(byte[] header, CancellationToken ct = default)
    {
        var stream = await _connection.OpenStreamAsync(bidirectional: true, ct).ConfigureAwait(false);
        await EdgeFraming.WriteFrameAsync(stream.Output, header, ct).ConfigureAwait(false);
        return stream;
    }

    public static byte[] TunnelStreamHeader(string tunnelId) =>
        EdgeFraming.Json(w =>
        {
            w.WriteString("tunnel_id", tunnelId);
            w.WriteString("stream_type", "tcp");
        });

    /// <summary>The next data stream the relay opened towards this edge, header already read.</summary>
    public ValueTask<TunnelStream> AcceptTunnelStreamAsync(CancellationToken ct = default) => _incomingStreams.Reader.ReadAsync(ct);

    /// <summary>Sends <c>16-byte tunnel UUID | payload</c> as one QUIC datagram.</summary>
    public bool SendDatagram(Guid tunnelId, ReadOnlySpan<byte> payload)
    {
        var length = 16 + payload.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            tunnelId.TryWriteBytes(rented, bigEndian: true, out _);
            payload.CopyTo(rented.AsSpan(16));
            return _connection.TrySendDatagram(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Sends arbitrary bytes as one datagram (for malformed-datagram cases).</summary>
    public bool SendRawDatagram(ReadOnlySpan<byte> datagram) => _connection.TrySendDatagram(datagram);

    private async Task PumpIncomingStreamsAsync()
    {
        var notificationTail = Task.CompletedTask;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var stream = await _connection.AcceptStreamAsync(_stop.Token).ConfigureAwait(false);
                var firstFrame = Task.Run(() => ReadFirstFrameAsync(stream));
                if (!stream.IsBidirectional)
                {
                    // The relay opens notification streams in the order of the changes they report;
                    // frames are read concurrently but published in that same order.
                    var previous = notificationTail;
                    notificationTail = PublishNotificationAsync(firstFrame, previous);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            await notificationTail.ConfigureAwait(false);
            _notifications.Writer.TryComplete(ex);
            _incomingStreams.Writer.TryComplete(ex);
        }
    }

    private async Task PublishNotificationAsync(Task<EdgeMessage?> firstFrame, Task previous)
    {
        var message = await firstFrame.ConfigureAwait(false);
        await previous.ConfigureAwait(false);
        if (message is not null)
        {
            _notifications.Writer.TryWrite(message);
        }
    }

    // Notifications are one frame then FIN on a unidirectional stream; data streams start with a header.
    // Returns the notification a unidirectional stream carried (null for data streams and failures).
    private async Task<EdgeMessage?> ReadFirstFrameAsync(QuicStream stream)
    {
        try
        {
            var frame = await EdgeFraming.ReadFrameAsync(stream.Input, stream, _stop.Token).ConfigureAwait(false);
            if (frame is null)
            {
                return null;
            }

            var message = EdgeMessage.Parse(frame);
            if (stream.IsBidirectional)
            {
                _incomingStreams.Writer.TryWrite(new TunnelStream(stream, message));
                return null;
            }

            await stream.Input.CompleteAsync().ConfigureAwait(false);
            return message;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            stream.Abort(0);
            return null;
        }
    }
}
