using System.Collections.Concurrent;
using System.Threading.Channels;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>The edge's side of a <see cref="FakeConnection"/>: what a test drives.</summary>
internal sealed class FakeEdge
{
    private readonly FakeConnection _connection;
    private readonly Channel<FakeStream> _incomingBidirectional = Channel.CreateUnbounded<FakeStream>();
    private readonly Channel<FakeStream> _incomingUnidirectional = Channel.CreateUnbounded<FakeStream>();
    private long _nextBidiId;
    private long _nextUniId = 2;

    public FakeEdge(FakeConnection connection) => _connection = connection;

    /// <summary>Datagrams the relay sent to this edge, in order.</summary>
    public ConcurrentQueue<byte[]> ReceivedDatagrams { get; } = new();

    /// <summary>Opens a bidirectional stream to the relay; returns the edge's end.</summary>
    public FakeStream OpenBidirectionalStream() => Open(bidirectional: true);

    /// <summary>Opens a unidirectional stream to the relay; returns the edge's end.</summary>
    public FakeStream OpenUnidirectionalStream() => Open(bidirectional: false);

    /// <summary>The next bidirectional stream the relay opened to this edge.</summary>
    public async Task<FakeStream> AcceptBidirectionalStreamAsync() =>
        await _incomingBidirectional.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Operation).ConfigureAwait(false);

    /// <summary>The next unidirectional stream the relay opened to this edge.</summary>
    public async Task<FakeStream> AcceptUnidirectionalStreamAsync() =>
        await _incomingUnidirectional.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Operation).ConfigureAwait(false);

    public bool TryAcceptUnidirectionalStream(out FakeStream stream) => _incomingUnidirectional.Reader.TryRead(out stream!);

    public bool TryAcceptBidirectionalStream(out FakeStream stream) => _incomingBidirectional.Reader.TryRead(out stream!);

    /// <summary>Sends a datagram; the relay's handler runs synchronously on this thread.</summary>
    public void SendDatagram(ReadOnlySpan<byte> datagram) => _connection.DeliverDatagram(datagram);

    /// <summary>The edge vanishes (crash, idle timeout): the relay sees the connection close.</summary>
    public void Disconnect() => _connection.Close(0, "edge went away");

    internal void Receive(FakeStream edgeEnd)
    {
        var channel = edgeEnd.IsBidirectional ? _incomingBidirectional : _incomingUnidirectional;
        channel.Writer.TryWrite(edgeEnd);
    }

    internal void ConnectionLost(Exception exception)
    {
        _incomingBidirectional.Writer.TryComplete(exception);
        _incomingUnidirectional.Writer.TryComplete(exception);
    }

    private FakeStream Open(bool bidirectional)
    {
        long id = bidirectional
            ? Interlocked.Add(ref _nextBidiId, 4) - 4
            : Interlocked.Add(ref _nextUniId, 4) - 4;
        var (relayEnd, edgeEnd) = _connection.CreateStreamPair(id, bidirectional);
        _connection.Deliver(relayEnd);
        return edgeEnd;
    }
}
