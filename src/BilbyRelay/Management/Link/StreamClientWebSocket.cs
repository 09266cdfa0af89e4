using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Management;

/// <summary>
/// The client end of a WebSocket (RFC 6455 framing) over an already upgraded stream. It exists instead of
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/> because a client masks every frame with
/// a random key, and .NET's implementation draws those from OpenSSL; this one draws them from GnuTLS, the library
/// the relay has loaded anyway.
/// </summary>
/// <remarks>
/// <para>
/// Threading: one receive and one send may run at the same time (a send, a keep-alive ping and a pong are written
/// one after another under <see cref="_sendLock"/>). A cancelled or failed read or write leaves the framing unknown,
/// so it aborts the socket, as .NET's implementation does.
/// </para>
/// <para>
/// Behaviour: a received ping is answered with a pong; a received close frame is reported to the caller, who
/// answers it with <see cref="CloseOutputAsync"/>. Every <c>keepAliveInterval</c> a ping goes out unless a send is
/// in progress. Protocol violations by the server (masked or reserved-bit frames, bad control frames, unknown
/// opcodes) fail the connection with close code 1002 and a <see cref="WebSocketException"/>.
/// </para>
/// </remarks>
internal sealed class StreamClientWebSocket : WebSocket
{
    private const int MaxControlPayload = 125;
    private const int MaskLength = 4;

    private readonly Stream _stream;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ITimer? _keepAlive;

    // Receive side; only the one receiver touches these.
    private readonly byte[] _receiveBuffer = new byte[16 * 1024];
    private int _receiveStart;
    private int _receiveEnd;
    private long _framePayloadLeft;
    private bool _frameIsFinal;
    private WebSocketMessageType? _messageType;

    // Send side, under _sendLock: whether the last data frame sent ended its message.
    private bool _sendMessageOpen;

    private int _state = (int)WebSocketState.Open;
    private int _streamDisposed;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeStatusDescription;

    public StreamClientWebSocket(Stream stream, TimeSpan keepAliveInterval, TimeProvider? time = null)
    {
        _stream = stream;
        if (keepAliveInterval > TimeSpan.Zero && keepAliveInterval != Timeout.InfiniteTimeSpan)
        {
            _keepAlive = (time ?? TimeProvider.System).CreateTimer(
                static self => ((StreamClientWebSocket)self!).SendKeepAlive(), this, keepAliveInterval, keepAliveInterval);
        }
    }

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeStatusDescription;

    public override WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    public override string? SubProtocol => null;

    public override void Abort()
    {
        MoveToFinalState(WebSocketState.Aborted);
        DisposeStream();
    }

    public override void Dispose()
    {
        MoveToFinalState(WebSocketState.Closed);
        DisposeStream();
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentException("Only text and binary messages are sent this way.", nameof(messageType));
        }

        ThrowUnlessState(WebSocketState.Open, WebSocketState.CloseReceived);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var opcode = _sendMessageOpen ? Opcode.Continuation : messageType == WebSocketMessageType.Text ? Opcode.Text : Opcode.Binary;
            await WriteFrameAsync(opcode, buffer, endOfMessage, cancellationToken).ConfigureAwait(false);
            _sendMessageOpen = !endOfMessage;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return result.MessageType == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, WebSocketMessageType.Close, true, _closeStatus, _closeStatusDescription)
            : new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowUnlessState(WebSocketState.Open, WebSocketState.CloseSent);
        try
        {
            while (_framePayloadLeft == 0)
            {
                if (await ReadFrameHeaderAsync(cancellationToken).ConfigureAwait(false) is { } control)
                {
                    return control;
                }
            }

            await FillAsync(1, cancellationToken).ConfigureAwait(false);
            var count = (int)Math.Min(Math.Min(_framePayloadLeft, buffer.Length), _receiveEnd - _receiveStart);
            _receiveBuffer.AsSpan(_receiveStart, count).CopyTo(buffer.Span);
            _receiveStart += count;
            _framePayloadLeft -= count;
            var endOfMessage = _frameIsFinal && _framePayloadLeft == 0;
            var type = _messageType!.Value;
            if (endOfMessage)
            {
                _messageType = null;
            }

            return new ValueWebSocketReceiveResult(count, type, endOfMessage);
        }
        catch (Exception e) when (e is not (OperationCanceledException or WebSocketException or ObjectDisposedException))
        {
            Abort();
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, e);
        }
        catch (OperationCanceledException)
        {
            Abort();
            throw;
        }
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        ThrowUnlessState(WebSocketState.Open, WebSocketState.CloseReceived);
        var description = Encoding.UTF8.GetBytes(statusDescription ?? string.Empty);
        if (description.Length > MaxControlPayload - 2)
        {
            throw new ArgumentException($"A close description is at most {MaxControlPayload - 2} bytes of UTF-8.", nameof(statusDescription));
        }

        await SendControlAsync(Opcode.Close, ClosePayload(closeStatus, description), cancellationToken).ConfigureAwait(false);
        StepTowardsClosed(WebSocketState.CloseSent);
    }

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
        var discard = new byte[1024];
        while (State == WebSocketState.CloseSent)
        {
            await ReceiveAsync(discard.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the next frame header. Data frames set up the payload to read and return null; a control frame is
    /// handled here and returns null, except a close frame, which is returned as the receive result.
    /// </summary>
    private async ValueTask<ValueWebSocketReceiveResult?> ReadFrameHeaderAsync(CancellationToken cancellationToken)
    {
        await FillAsync(2, cancellationToken).ConfigureAwait(false);
        var first = _receiveBuffer[_receiveStart];
        var second = _receiveBuffer[_receiveStart + 1];
        var final = (first & 0x80) != 0;
        var opcode = (Opcode)(first & 0x0F);
        if ((first & 0x70) != 0)
        {
            await FailAsync("a frame with reserved bits set").ConfigureAwait(false);
        }

        if ((second & 0x80) != 0)
        {
            await FailAsync("a masked frame from the server").ConfigureAwait(false);
        }

        var headerLength = 2 + ((second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 });
        await FillAsync(headerLength, cancellationToken).ConfigureAwait(false);
        var header = _receiveBuffer.AsSpan(_receiveStart, headerLength);
        var length = (second & 0x7F) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(header[2..]), long.MaxValue),
            var small => small,
        };
        _receiveStart += headerLength;

        if (opcode is Opcode.Close or Opcode.Ping or Opcode.Pong)
        {
            if (!final || length > MaxControlPayload)
            {
                await FailAsync("a fragmented or oversized control frame").ConfigureAwait(false);
            }

            await FillAsync((int)length, cancellationToken).ConfigureAwait(false);
            var payload = _receiveBuffer.AsSpan(_receiveStart, (int)length).ToArray();
            _receiveStart += (int)length;
            if (opcode == Opcode.Close)
            {
                return OnCloseReceived(payload);
            }

            if (opcode == Opcode.Ping)
            {
                // Answered on the side, so a send stuck behind a server that stopped reading does not stop receiving.
                _ = SendControlQuietlyAsync(Opcode.Pong, payload);
            }

            return null;
        }

        var type = opcode switch
        {
            Opcode.Text => WebSocketMessageType.Text,
            Opcode.Binary => WebSocketMessageType.Binary,
            Opcode.Continuation => _messageType,
            _ => null,
        };
        if (type is null || (opcode != Opcode.Continuation && _messageType is not null))
        {
            await FailAsync($"a frame with opcode {(int)opcode} out of place").ConfigureAwait(false);
        }

        _messageType = type;
        _frameIsFinal = final;
        _framePayloadLeft = length;

        // An empty final frame still ends its message: report it as a zero-byte read.
        if (length == 0 && final)
        {
            _messageType = null;
            return new ValueWebSocketReceiveResult(0, type!.Value, endOfMessage: true);
        }

        return null;
    }

    private ValueWebSocketReceiveResult OnCloseReceived(byte[] payload)
    {
        if (payload.Length >= 2)
        {
            _closeStatus = (WebSocketCloseStatus)BinaryPrimitives.ReadUInt16BigEndian(payload);
            _closeStatusDescription = Encoding.UTF8.GetString(payload, 2, payload.Length - 2);
        }
        else
        {
            _closeStatus = WebSocketCloseStatus.Empty;
            _closeStatusDescription = string.Empty;
        }

        StepTowardsClosed(WebSocketState.CloseReceived);
        return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, endOfMessage: true);
    }

    /// <summary>
    /// One half of the close handshake is done (<paramref name="half"/>: CloseSent or CloseReceived): from Open to
    /// that half, or from the other half to Closed, when the keep-alive stops.
    /// </summary>
    private void StepTowardsClosed(WebSocketState half)
    {
        var otherHalf = half == WebSocketState.CloseSent ? WebSocketState.CloseReceived : WebSocketState.CloseSent;
        if (Interlocked.CompareExchange(ref _state, (int)half, (int)WebSocketState.Open) == (int)otherHalf
            && Interlocked.CompareExchange(ref _state, (int)WebSocketState.Closed, (int)otherHalf) == (int)otherHalf)
        {
            _keepAlive?.Dispose();
        }
    }

    private static byte[] ClosePayload(WebSocketCloseStatus status, ReadOnlySpan<byte> description)
    {
        var payload = new byte[2 + description.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        description.CopyTo(payload.AsSpan(2));
        return payload;
    }

    // Says why (close 1002) when no send is in the way, without waiting for one: a send stuck on a server that
    // stopped reading must not hold up failing the connection.
    private async Task FailAsync(string what)
    {
        if (_sendLock.Wait(0))
        {
            try
            {
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await WriteFrameAsync(Opcode.Close, ClosePayload(WebSocketCloseStatus.ProtocolError, []), final: true, bounded.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Failing anyway.
            }
            finally
            {
                _sendLock.Release();
            }
        }

        Abort();
        throw new WebSocketException(WebSocketError.Faulted, $"The manager sent {what}.");
    }

    /// <summary>Makes at least <paramref name="count"/> received bytes available at <see cref="_receiveStart"/>.</summary>
    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_receiveEnd - _receiveStart >= count)
        {
            return;
        }

        if (_receiveBuffer.Length - _receiveStart < count)
        {
            _receiveBuffer.AsSpan(_receiveStart, _receiveEnd - _receiveStart).CopyTo(_receiveBuffer);
            _receiveEnd -= _receiveStart;
            _receiveStart = 0;
        }

        while (_receiveEnd - _receiveStart < count)
        {
            var read = await _stream.ReadAsync(_receiveBuffer.AsMemory(_receiveEnd), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                Abort();
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The manager closed the connection without a WebSocket close.");
            }

            _receiveEnd += read;
        }
    }

    private async Task SendControlAsync(Opcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteFrameAsync(opcode, payload, final: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task SendControlQuietlyAsync(Opcode opcode, byte[] payload)
    {
        try
        {
            await SendControlAsync(opcode, payload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is failing anyway; its owner learns that from its own receive or send.
        }
    }

    private void SendKeepAlive()
    {
        if (State != WebSocketState.Open || !_sendLock.Wait(0))
        {
            return;
        }

        _sendLock.Release();
        _ = SendControlQuietlyAsync(Opcode.Ping, []);
    }

    private async ValueTask WriteFrameAsync(Opcode opcode, ReadOnlyMemory<byte> payload, bool final, CancellationToken cancellationToken)
    {
        var lengthBytes = payload.Length switch { <= 125 => 0, <= ushort.MaxValue => 2, _ => 8 };
        var headerLength = 2 + lengthBytes + MaskLength;
        var frame = ArrayPool<byte>.Shared.Rent(headerLength + payload.Length);
        try
        {
            frame[0] = (byte)((final ? 0x80 : 0) | (int)opcode);
            switch (lengthBytes)
            {
                case 0:
                    frame[1] = (byte)(0x80 | payload.Length);
                    break;
                case 2:
                    frame[1] = 0x80 | 126;
                    BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                    break;
                default:
                    frame[1] = 0x80 | 127;
                    BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                    break;
            }

            var mask = frame.AsSpan(2 + lengthBytes, MaskLength);
            CryptoRandom.Fill(mask);
            var body = frame.AsSpan(headerLength, payload.Length);
            payload.Span.CopyTo(body);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= mask[i & 3];
            }

            await _stream.WriteAsync(frame.AsMemory(0, headerLength + payload.Length), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or ObjectDisposedException))
        {
            Abort();
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, e);
        }
        catch (OperationCanceledException)
        {
            Abort();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private void ThrowUnlessState(WebSocketState first, WebSocketState second)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _streamDisposed) != 0, this);
        var state = State;
        if (state != first && state != second)
        {
            throw new WebSocketException(WebSocketError.InvalidState, $"The WebSocket is {state}.");
        }
    }

    /// <summary>Moves to <paramref name="state"/> unless already closed or aborted.</summary>
    private void MoveToFinalState(WebSocketState state)
    {
        int current;
        do
        {
            current = Volatile.Read(ref _state);
            if (current is (int)WebSocketState.Aborted or (int)WebSocketState.Closed)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, (int)state, current) != current);
    }

    private void DisposeStream()
    {
        if (Interlocked.Exchange(ref _streamDisposed, 1) == 0)
        {
            _keepAlive?.Dispose();
            _stream.Dispose();
        }
    }

    private enum Opcode
    {
        Continuation = 0x0,
        Text = 0x1,
        Binary = 0x2,
        Close = 0x8,
        Ping = 0x9,
        Pong = 0xA,
    }
}
