using System.Buffers;
using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>
/// <see cref="QuicStream.Input"/>: the receive pipe's reader plus accounting of consumed bytes, which become
/// flow-control credit for the peer. Used by one application reader at a time.
/// </summary>
internal sealed class StreamInputReader(QuicStream stream, PipeReader inner) : PipeReader
{
    private ReadOnlySequence<byte> _lastBuffer;
    private QuicStreamAbortedException? _abort;

    internal bool IsAborted => Volatile.Read(ref _abort) is not null;

    /// <summary>Any thread: local STOP_SENDING; pending and later reads throw <paramref name="error"/>.</summary>
    internal void Abort(QuicStreamAbortedException error)
    {
        if (Interlocked.CompareExchange(ref _abort, error, null) is null)
        {
            inner.CancelPendingRead();
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfAborted();
        var pending = inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<ReadResult>(Track(pending.Result));
        }

        return AwaitRead(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfAborted();
        if (inner.TryRead(out result))
        {
            result = Track(result);
            return true;
        }

        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var bytes = _lastBuffer.IsEmpty ? 0 : _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        inner.AdvanceTo(consumed, examined);
        if (bytes > 0)
        {
            stream.OnInputConsumed(bytes);
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        stream.OnInputCompleted();
    }

    private async ValueTask<ReadResult> AwaitRead(ValueTask<ReadResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        return Track(result);
    }

    private ReadResult Track(ReadResult result)
    {
        if (result.IsCanceled && Volatile.Read(ref _abort) is { } abort)
        {
            inner.AdvanceTo(result.Buffer.Start);
            throw abort;
        }

        _lastBuffer = result.Buffer;
        return result;
    }

    private void ThrowIfAborted()
    {
        if (Volatile.Read(ref _abort) is { } abort)
        {
            throw abort;
        }
    }
}
