using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>
/// One QUIC stream as a duplex pipe. <see cref="Input"/> yields received bytes; consuming them (AdvanceTo) is what
/// grants the peer more flow-control credit. Bytes flushed to <see cref="Output"/> stay in the output pipe's pinned
/// memory, referenced by ngtcp2, until the peer acknowledges them (no second copy); FlushAsync waits while more than
/// <see cref="QuicTransportSettings.StreamSendBufferLimit"/> is unacknowledged, so a slow peer slows the writer.
/// Completing <see cref="Output"/> sends FIN.
/// </summary>
/// <remarks>
/// Threading: the public surface may be used from any thread (one reader and one writer at a time, as for any
/// pipe). Requests reach the loop through <see cref="ILoopWorkItem"/> with coalescing flags; fields marked "loop"
/// are touched only by the loop thread.
/// </remarks>
public sealed partial class QuicStream : IDuplexPipe, ILoopWorkItem
{
    private const int FlagFlushed = 1;
    private const int FlagAbortRead = 2;
    private const int FlagAbortWrite = 4;
    private const int FlagInputCompleted = 8;
    private const int FlagReceiveWindow = 16;

    private readonly QuicConnection _connection;
    private readonly StreamInputReader _input;
    private readonly StreamOutputWriter _output;

    // Cross-thread requests to the loop.
    private int _queued;
    private int _pendingFlags;
    private long _pendingCredit;
    private long _abortReadCode;
    private long _abortWriteCode;

    internal QuicStream(QuicConnection connection, long streamId, bool isServer, long sendBufferLimit, long sendUnsentLimit)
    {
        _connection = connection;
        StreamId = streamId;
        var initiatedByServer = (streamId & 1) != 0;
        IsLocallyInitiated = initiatedByServer == isServer;
        IsBidirectional = (streamId & 2) == 0;
        CanRead = IsBidirectional || !IsLocallyInitiated;
        CanWrite = IsBidirectional || IsLocallyInitiated;

        var pool = NativeBlockMemoryPool.Instance;
        // Receive side: never pauses the loop; flow control already bounds what the peer may send.
        _receivePipe = new Pipe(new PipeOptions(pool, pauseWriterThreshold: 0, resumeWriterThreshold: 0,
            minimumSegmentSize: NativeBlockMemoryPool.BlockSize, useSynchronizationContext: false));
        // Send side: the pipe itself never pauses (a splice writes into it on a loop thread, which must not wait);
        // the output writer waits instead while the send-buffer or unsent limit is exceeded.
        _sendPipe = new Pipe(new PipeOptions(pool, pauseWriterThreshold: 0, resumeWriterThreshold: 0,
            minimumSegmentSize: NativeBlockMemoryPool.BlockSize, useSynchronizationContext: false));
        _sendHeldFor = connection.Held;
        _receiveWindow = connection.InitialStreamReceiveWindow;
        _sendBufferLimit = sendBufferLimit;
        _sendUnsentLimit = Math.Min(sendUnsentLimit, sendBufferLimit);
        _input = new StreamInputReader(this, _receivePipe.Reader);
        _output = new StreamOutputWriter(this, _sendPipe.Writer);
        if (!CanRead)
        {
            _receivePipe.Writer.Complete();
            _receiveCompleted = true;
        }

        if (!CanWrite)
        {
            _sendPipe.Writer.Complete();
            _sendPipe.Reader.Complete();
            _sendReaderCompleted = true;
        }
    }

    public long StreamId { get; }

    public bool IsBidirectional { get; }

    public bool IsLocallyInitiated { get; }

    public bool CanRead { get; }

    public bool CanWrite { get; }

    /// <summary>Received bytes. Throws <see cref="QuicStreamAbortedException"/> after a peer reset or connection loss.</summary>
    public PipeReader Input => _input;

    /// <summary>Bytes to send. Throws <see cref="QuicStreamAbortedException"/> after STOP_SENDING or connection loss.</summary>
    public PipeWriter Output => _output;

    public QuicConnection Connection => _connection;

    /// <summary>Aborts both directions that are still open: RESET_STREAM and STOP_SENDING with the code.</summary>
    public void Abort(long applicationErrorCode)
    {
        if (CanRead)
        {
            AbortRead(applicationErrorCode);
        }

        if (CanWrite)
        {
            AbortWrite(applicationErrorCode);
        }
    }

    /// <summary>Sends STOP_SENDING: the peer should stop sending; further reads fail.</summary>
    public void AbortRead(long applicationErrorCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(applicationErrorCode);
        Interlocked.Exchange(ref _abortReadCode, applicationErrorCode);
        _input.Abort(new QuicStreamAbortedException(applicationErrorCode, byPeer: false, QuicStreamAbortKind.StopSending));
        Request(FlagAbortRead);
    }

    /// <summary>Sends RESET_STREAM: unsent and unacknowledged data is abandoned; further writes fail.</summary>
    public void AbortWrite(long applicationErrorCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(applicationErrorCode);
        Interlocked.Exchange(ref _abortWriteCode, applicationErrorCode);
        SetWriteAbort(new QuicStreamAbortedException(applicationErrorCode, byPeer: false, QuicStreamAbortKind.Reset));
        Request(FlagAbortWrite);
    }

    public override string ToString() => $"stream {StreamId} of {_connection}";

    private void Request(int flag)
    {
        if (flag != 0)
        {
            Interlocked.Or(ref _pendingFlags, flag);
        }

        if (Interlocked.Exchange(ref _queued, 1) == 0)
        {
            _connection.Endpoint.Post(this);
        }
    }

    /// <summary>Loop thread: carries out what the application threads asked for.</summary>
    void ILoopWorkItem.Execute()
    {
        Volatile.Write(ref _queued, 0);
        var flags = Interlocked.Exchange(ref _pendingFlags, 0);
        var credit = Interlocked.Exchange(ref _pendingCredit, 0);
        if (credit > 0 && !_nativeClosed && !_receiveCompleted)
        {
            _connection.ExtendStreamCredit(this, credit);
        }

        if ((flags & FlagReceiveWindow) != 0)
        {
            WidenReceiveWindow();
        }

        var readingEnded = (flags & (FlagAbortRead | FlagInputCompleted)) != 0;
        var sendStopSending = readingEnded && !_receiveCompleted && !_nativeClosed && CanRead;
        if (readingEnded)
        {
            // Reading is over: stop buffering and return the credit of everything received but never consumed.
            StopReceiving(null);
        }

        if ((flags & FlagSplice) != 0)
        {
            ServiceSplice();
        }

        if (_nativeClosed)
        {
            return;
        }

        var sendReset = (flags & FlagAbortWrite) != 0 && !_finSent && CanWrite;
        if (sendStopSending)
        {
            _connection.ShutdownStream(this, read: true, write: false, Interlocked.Read(ref _abortReadCode));
        }

        if (sendReset)
        {
            _connection.ShutdownStream(this, read: false, write: true, Interlocked.Read(ref _abortWriteCode));
        }

        if ((flags & FlagFlushed) != 0)
        {
            QueueOutput();
        }
    }

    /// <summary>Loop thread: abandons a stream nobody will use (an open that was cancelled).</summary>
    internal void AbortOnLoop(long code)
    {
        StopReceiving(null);
        SetWriteAbort(new QuicStreamAbortedException(code, byPeer: false, QuicStreamAbortKind.Reset));
        _connection.ShutdownStream(this, CanRead, CanWrite, code);
    }
}
