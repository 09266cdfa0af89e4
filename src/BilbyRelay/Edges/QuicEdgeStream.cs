using System.IO.Pipelines;
using BilbyRelay.Core.Transport;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>A QUIC stream seen through the relay core's transport abstraction.</summary>
internal sealed class QuicEdgeStream(QuicStream stream) : IEdgeStream
{
    public long StreamId => stream.StreamId;

    public bool IsBidirectional => stream.IsBidirectional;

    public PipeReader Input => stream.Input;

    public PipeWriter Output => stream.Output;

    public void Abort(long applicationErrorCode) => stream.Abort(applicationErrorCode);

    public void EnsureReceiveWindow(long bytes) => stream.EnsureReceiveWindow(bytes);

    public override string ToString() => stream.ToString();
}
