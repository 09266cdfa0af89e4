using System.IO.Pipelines;
using BilbyRelay.Core.Transport;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>
/// One end of an in-memory QUIC stream. <see cref="CreatePair"/> makes both ends: bytes written to
/// one end's Output arrive at the other end's Input; completing Output is FIN; <see cref="Abort"/>
/// resets both directions for both ends (the peer's reads and flushes throw).
/// </summary>
internal sealed class FakeStream : IEdgeStream
{
    private readonly AbortablePipeReader _input;
    private readonly AbortablePipeWriter _output;
    private long _abortCode = -1;

    private FakeStream(long streamId, bool bidirectional, AbortablePipeReader input, AbortablePipeWriter output)
    {
        StreamId = streamId;
        IsBidirectional = bidirectional;
        _input = input;
        _output = output;
    }

    public long StreamId { get; }

    public bool IsBidirectional { get; }

    public PipeReader Input => _input;

    public PipeWriter Output => _output;

    /// <summary>The other end.</summary>
    public FakeStream Peer { get; private set; } = null!;

    /// <summary>The code passed to <see cref="Abort"/> on THIS end, or null.</summary>
    public long? AbortCode => Interlocked.Read(ref _abortCode) is var code && code >= 0 ? code : null;

    /// <summary>True once this end sent FIN or reset its sending side.</summary>
    public bool OutputCompleted => _output.IsCompleted;

    public static (FakeStream A, FakeStream B) CreatePair(long streamId, bool bidirectional, PipeOptions options)
    {
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        var a = new FakeStream(streamId, bidirectional, new AbortablePipeReader(bToA.Reader), new AbortablePipeWriter(aToB.Writer));
        var b = new FakeStream(streamId, bidirectional, new AbortablePipeReader(aToB.Reader), new AbortablePipeWriter(bToA.Writer));
        a.Peer = b;
        b.Peer = a;
        return (a, b);
    }

    public void Abort(long applicationErrorCode)
    {
        Interlocked.CompareExchange(ref _abortCode, applicationErrorCode, -1);
        var ex = new FakeStreamAbortedException(applicationErrorCode);
        Fail(ex);
        Peer.Fail(ex);
    }

    /// <summary>The connection is gone: every operation on this end fails.</summary>
    internal void Fail(Exception exception)
    {
        _input.Abort(exception);
        _output.Abort(exception);
    }
}
