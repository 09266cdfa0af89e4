using System.IO.Pipelines;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>
/// A pipe writer that can be failed from another thread (the peer sent STOP_SENDING or the
/// connection was lost): after <see cref="Abort"/>, pending and later flushes throw.
/// </summary>
internal sealed class AbortablePipeWriter : PipeWriter
{
    private readonly PipeWriter _inner;
    private volatile Exception? _abort;
    private volatile bool _completed;

    public AbortablePipeWriter(PipeWriter inner) => _inner = inner;

    /// <summary>True once the owner completed the writer (FIN, or an error completion).</summary>
    public bool IsCompleted => _completed;

    public Exception? CompletionException { get; private set; }

    public void Abort(Exception exception)
    {
        _abort ??= exception;
        _inner.CancelPendingFlush();
    }

    public override void Advance(int bytes) => _inner.Advance(bytes);

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        CompletionException = exception;

        // An aborted stream's bytes never arrive: keep the reader failing rather than seeing FIN.
        _inner.Complete(_abort ?? exception);
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfAborted();
        var result = await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfAborted();
        return result;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    private void ThrowIfAborted()
    {
        if (_abort is { } abort)
        {
            throw abort;
        }
    }
}
