using System.IO.Pipelines;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>
/// A pipe reader that can be failed from another thread (a peer reset or a lost connection):
/// after <see cref="Abort"/>, pending and later reads throw the abort exception.
/// </summary>
internal sealed class AbortablePipeReader : PipeReader
{
    private readonly PipeReader _inner;
    private volatile Exception? _abort;

    public AbortablePipeReader(PipeReader inner) => _inner = inner;

    public void Abort(Exception exception)
    {
        _abort ??= exception;
        _inner.CancelPendingRead();
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfAborted();
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (_abort is not null)
        {
            _inner.AdvanceTo(result.Buffer.Start);
            ThrowIfAborted();
        }

        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfAborted();
        return _inner.TryRead(out result);
    }

    private void ThrowIfAborted()
    {
        if (_abort is { } abort)
        {
            throw abort;
        }
    }
}
