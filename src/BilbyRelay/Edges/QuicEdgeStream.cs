using System.IO.Pipelines;
using BilbyRelay.Core.Splicing;
using BilbyRelay.Core.Transport;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>A QUIC stream seen through the relay core's transport abstraction.</summary>
internal sealed class QuicEdgeStream(QuicStream stream) : IEdgeStream
{
    public long StreamId => stream.StreamId;

    private QuicStream Stream => stream;

    public bool IsBidirectional => stream.IsBidirectional;

    public PipeReader Input => stream.Input;

    public PipeWriter Output => stream.Output;

    public void Abort(long applicationErrorCode) => stream.Abort(applicationErrorCode);

    public void EnsureReceiveWindow(long bytes) => stream.EnsureReceiveWindow(bytes);

    public void CarryBytesFrom(IEdgeStream source)
    {
        if (source is QuicEdgeStream quic)
        {
            stream.HoldOutputFor(quic.Stream.Connection.Held);
        }
    }

    public Task<SpliceOutcome>? TrySpliceInputTo(IEdgeStream destination, Action<long> countBytes, CancellationToken ct) =>
        destination is QuicEdgeStream quic ? SpliceAsync(quic.Stream, countBytes, ct) : null;

    public override string ToString() => stream.ToString();

    private async Task<SpliceOutcome> SpliceAsync(QuicStream target, Action<long> countBytes, CancellationToken ct) =>
        await stream.SpliceInputToAsync(target, countBytes, ct).ConfigureAwait(false) switch
        {
            QuicSpliceEnd.Finished => SpliceOutcome.Completed,
            QuicSpliceEnd.InputFailed => SpliceOutcome.InputError,
            QuicSpliceEnd.OutputFailed => SpliceOutcome.OutputError,
            _ => SpliceOutcome.Canceled,
        };
}
