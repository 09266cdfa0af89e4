using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>Opening streams (with waiting for stream credit) and flow-control credit for consumed input.</summary>
public sealed unsafe partial class QuicConnection
{
    /// <summary>Loop thread: opens what was requested, or parks requests until the peer raises its stream limit.</summary>
    private void ProcessOpenRequests()
    {
        while (_openRequests.TryDequeue(out var request))
        {
            if (_blockedOpens.Count > 0)
            {
                // Keep FIFO order behind requests already waiting for credit.
                _blockedOpens.Enqueue(request);
                continue;
            }

            if (!TryOpen(request))
            {
                _blockedOpens.Enqueue(request);
            }
        }
    }

    private void RetryBlockedOpens()
    {
        while (_blockedOpens.TryPeek(out var request) && TryOpen(request))
        {
            _blockedOpens.Dequeue();
        }
    }

    /// <summary>False when the stream limit is reached (the request stays pending); true when done (opened, cancelled or failed).</summary>
    private bool TryOpen(OpenStreamRequest request)
    {
        if (request.Task.IsCompleted)
        {
            return true;
        }

        if (_state != ConnectionState.Established)
        {
            request.TrySetException(_closeInfo is { } info
                ? NativeErrors.ConnectionEnded(info)
                : new QuicException(QuicError.ConnectionClosed, "The connection is not open."));
            return true;
        }

        long streamId;
        var rv = request.Bidirectional
            ? Ngtcp2.ngtcp2_conn_open_bidi_stream(NativeConnection, &streamId, null)
            : Ngtcp2.ngtcp2_conn_open_uni_stream(NativeConnection, &streamId, null);
        if (rv == Ngtcp2.NGTCP2_ERR_STREAM_ID_BLOCKED)
        {
            return false;
        }

        if (rv != 0)
        {
            request.TrySetException(NativeErrors.Ngtcp2Failure("Opening a stream", rv));
            return true;
        }

        var stream = new QuicStream(this, streamId, _isServer, _settings.StreamSendBufferLimit, _settings.StreamSendUnsentLimit);
        _streams.Add(streamId, stream);
        if (!request.TrySetResult(stream))
        {
            // Cancelled while we opened it: abandon the stream so the peer's credit is not leaked.
            stream.AbortOnLoop(0);
        }

        return true;
    }

    private void FailPendingOpens()
    {
        var exception = _closeInfo is { } info
            ? NativeErrors.ConnectionEnded(info)
            : new QuicException(QuicError.ConnectionClosed, "The connection is closed.");
        while (_blockedOpens.TryDequeue(out var blocked))
        {
            blocked.TrySetException(exception);
        }

        while (_openRequests.TryDequeue(out var request))
        {
            request.TrySetException(exception);
        }
    }

    /// <summary>Loop thread: the application consumed input; let the peer send that much more on this stream.</summary>
    internal void ExtendStreamCredit(QuicStream stream, long bytes)
    {
        if (NativeConnection == null || (_state != ConnectionState.Established && _state != ConnectionState.Handshaking))
        {
            return;
        }

        Ngtcp2.ngtcp2_conn_extend_max_stream_offset(NativeConnection, stream.StreamId, (ulong)bytes);
        _endpoint.MarkDirty(this);
        if (_creditTopUpQueued)
        {
            // Consumption may have lowered what is held for this peer, which may let its floor grant credit again.
            TopUpCredit();
        }
    }

    /// <summary>Loop thread: RESET_STREAM and/or STOP_SENDING for a local abort.</summary>
    internal void ShutdownStream(QuicStream stream, bool read, bool write, long code)
    {
        if (NativeConnection == null || (_state != ConnectionState.Established && _state != ConnectionState.Handshaking))
        {
            return;
        }

        if (read)
        {
            Ngtcp2.ngtcp2_conn_shutdown_stream_read(NativeConnection, 0, stream.StreamId, (ulong)code);
        }

        if (write)
        {
            Ngtcp2.ngtcp2_conn_shutdown_stream_write(NativeConnection, 0, stream.StreamId, (ulong)code);
        }

        _endpoint.MarkDirty(this);
    }

    internal void MarkDirty() => _endpoint.MarkDirty(this);

    private sealed class OpenStreamRequest : TaskCompletionSource<QuicStream>
    {
        private readonly CancellationTokenRegistration _registration;

        internal OpenStreamRequest(bool bidirectional, CancellationToken cancellationToken)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Bidirectional = bidirectional;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.Register(static state =>
                {
                    var request = (OpenStreamRequest)state!;
                    request.TrySetCanceled();
                }, this);
                Task.ContinueWith(static (_, state) => ((OpenStreamRequest)state!)._registration.Dispose(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        internal bool Bidirectional { get; }
    }
}
