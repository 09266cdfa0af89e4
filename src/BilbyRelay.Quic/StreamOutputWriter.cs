using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>
/// <see cref="QuicStream.Output"/>: the send pipe's writer. FlushAsync commits bytes and tells the loop; it waits
/// while the pipe holds more than the stream's send-buffer limit of unacknowledged data, or more than its unsent
/// limit of data the loop could not send yet. Completing sends FIN;
/// completing with an exception resets the stream with code 0.
/// </summary>
internal sealed class StreamOutputWriter(QuicStream stream, PipeWriter inner) : PipeWriter
{
    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfCannotWrite();
        return inner.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        ThrowIfCannotWrite();
        return inner.GetSpan(sizeHint);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCannotWrite();
        stream.OnOutputCommitting(inner.UnflushedBytes);
        var pending = inner.FlushAsync(cancellationToken);
        stream.OnOutputFlushed();
        if (pending.IsCompletedSuccessfully)
        {
            var result = Check(pending.Result);
            var progress = stream.WaitForSendProgressAsync();
            return progress.IsCompletedSuccessfully ? new ValueTask<FlushResult>(result) : AwaitProgress(progress, result);
        }

        return AwaitFlush(pending);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (exception is not null && stream.WriteAbort is null)
        {
            stream.AbortWrite(0);
        }

        // Completing commits what was written but not flushed.
        stream.OnOutputCommitting(inner.UnflushedBytes);
        inner.Complete();
        stream.OnOutputFlushed();
    }

    private async ValueTask<FlushResult> AwaitFlush(ValueTask<FlushResult> pending)
    {
        var result = Check(await pending.ConfigureAwait(false));
        await stream.WaitForSendProgressAsync().ConfigureAwait(false);
        return Check(result);
    }

    private async ValueTask<FlushResult> AwaitProgress(ValueTask progress, FlushResult result)
    {
        await progress.ConfigureAwait(false);
        return Check(result);
    }

    private FlushResult Check(FlushResult result)
    {
        if (stream.WriteAbort is { } abort)
        {
            throw abort;
        }

        return result;
    }

    private void ThrowIfCannotWrite()
    {
        if (!stream.CanWrite)
        {
            throw new InvalidOperationException("This stream is receive-only.");
        }

        if (stream.WriteAbort is { } abort)
        {
            throw abort;
        }
    }
}
