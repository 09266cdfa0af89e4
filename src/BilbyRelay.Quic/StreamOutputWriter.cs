using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>
/// <see cref="QuicStream.Output"/>: the send pipe's writer. FlushAsync commits bytes and tells the loop; it waits
/// while the pipe holds more than the stream's send-buffer limit of unacknowledged data, or more than its unsent
/// limit of data the loop could not send yet; its token and CancelPendingFlush end that wait as they end any pipe's
/// flush. Completing sends FIN; completing with an exception resets the stream with code 0.
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
        return pending.IsCompletedSuccessfully
            ? WaitForRoom(Check(pending.Result), cancellationToken)
            : AwaitFlush(pending, cancellationToken);
    }

    /// <summary>Also ends a flush that waits for send progress: it returns with <see cref="FlushResult.IsCanceled"/>.</summary>
    public override void CancelPendingFlush()
    {
        inner.CancelPendingFlush();
        stream.CancelSendProgressWait();
    }

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

    private async ValueTask<FlushResult> AwaitFlush(ValueTask<FlushResult> pending, CancellationToken cancellationToken) =>
        await WaitForRoom(Check(await pending.ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// After the pipe's flush: a canceled flush returns as it is; otherwise waits for send progress, synchronously when
    /// there is room already, and reports an abort that came meanwhile.
    /// </summary>
    private ValueTask<FlushResult> WaitForRoom(FlushResult result, CancellationToken cancellationToken)
    {
        if (result.IsCanceled)
        {
            return new ValueTask<FlushResult>(result);
        }

        var progress = stream.WaitForSendProgressAsync();
        return progress.IsCompletedSuccessfully ? new ValueTask<FlushResult>(Check(result)) : AwaitProgress(progress, result, cancellationToken);
    }

    /// <summary>
    /// Waits for send progress; the token and <see cref="CancelPendingFlush"/> end the wait the way they end a pipe's
    /// flush (an <see cref="OperationCanceledException"/>, a canceled result). The committed bytes stay queued either way.
    /// </summary>
    private async ValueTask<FlushResult> AwaitProgress(ValueTask<bool> progress, FlushResult result, CancellationToken cancellationToken)
    {
        bool room;
        using (cancellationToken.UnsafeRegister(static state => ((QuicStream)state!).CancelSendProgressWait(), stream))
        {
            room = await progress.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return room ? Check(result) : new FlushResult(isCanceled: true, result.IsCompleted);
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
