using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using BilbyRelay.Core.Transport;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>
/// The relay's side of an in-memory edge connection. The test drives the edge's side through
/// <see cref="Edge"/>. Thread-safe like a real transport.
/// </summary>
internal sealed class FakeConnection : IEdgeConnection
{
    private static long s_nextId;

    private readonly Channel<IEdgeStream> _accepted = Channel.CreateUnbounded<IEdgeStream>();
    private readonly ConcurrentQueue<FakeStream> _streams = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PipeOptions _pipeOptions;
    private EdgeDatagramHandler? _datagramHandler;
    private long _nextRelayBidiId = 1;
    private long _nextRelayUniId = 3;
    private int _closing;
    private long _datagramsSent;

    public FakeConnection(IPEndPoint remote, PipeOptions? pipeOptions = null, int datagramQueueCapacity = 1024)
    {
        ConnectionId = Interlocked.Increment(ref s_nextId);
        RemoteEndPoint = remote;
        _pipeOptions = pipeOptions ?? DefaultPipeOptions;
        DatagramQueueCapacity = datagramQueueCapacity;
        Edge = new FakeEdge(this);
    }

    /// <summary>Roomy enough for a whole 1 MiB frame; small enough to exercise backpressure.</summary>
    public static PipeOptions DefaultPipeOptions { get; } = new(
        pauseWriterThreshold: 4 * 1024 * 1024,
        resumeWriterThreshold: 2 * 1024 * 1024,
        useSynchronizationContext: false);

    public long ConnectionId { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public Task Closed => _closed.Task;

    public FakeEdge Edge { get; }

    /// <summary>Datagrams the relay may queue toward the edge before SendDatagram answers QueueFull.</summary>
    public int DatagramQueueCapacity { get; set; }

    /// <summary>The code and reason of the first Close, from either side.</summary>
    public (long Code, string Reason)? CloseInfo { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>When set, the relay's stream opens wait on it (no stream credit).</summary>
    public TaskCompletionSource? StreamCreditGate { get; set; }

    /// <summary>Completes when the relay first tries to open a stream toward this edge.</summary>
    public TaskCompletionSource StreamOpenAttempted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<IEdgeStream> AcceptStreamAsync(CancellationToken ct) => _accepted.Reader.ReadAsync(ct);

    public ValueTask<IEdgeStream> OpenBidirectionalStreamAsync(CancellationToken ct) => OpenAsync(bidirectional: true, ct);

    public ValueTask<IEdgeStream> OpenUnidirectionalStreamAsync(CancellationToken ct) => OpenAsync(bidirectional: false, ct);

    /// <summary>When false, sent datagrams are only counted (no copy), for allocation measurements.</summary>
    public bool CaptureDatagrams { get; set; } = true;

    /// <summary>Datagrams accepted by <see cref="SendDatagram"/>.</summary>
    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    public DatagramSendResult SendDatagram(ReadOnlySpan<byte> datagram)
    {
        if (IsClosed)
        {
            return DatagramSendResult.Closed;
        }

        if (!CaptureDatagrams)
        {
            Interlocked.Increment(ref _datagramsSent);
            return DatagramSendResult.Queued;
        }

        if (Edge.ReceivedDatagrams.Count >= DatagramQueueCapacity)
        {
            return DatagramSendResult.QueueFull;
        }

        Edge.ReceivedDatagrams.Enqueue(datagram.ToArray());
        Interlocked.Increment(ref _datagramsSent);
        return DatagramSendResult.Queued;
    }

    public void SetDatagramHandler(EdgeDatagramHandler handler) => _datagramHandler = handler;

    public void Close(long applicationErrorCode, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        CloseInfo = (applicationErrorCode, reason);
        var lost = new FakeStreamAbortedException(applicationErrorCode);
        _accepted.Writer.TryComplete(lost);
        Edge.ConnectionLost(lost);
        while (_streams.TryDequeue(out var stream))
        {
            stream.Fail(lost);
            stream.Peer.Fail(lost);
        }

        _closed.TrySetResult();
    }

    /// <summary>The edge opened a stream: hand the relay its end.</summary>
    internal void Deliver(FakeStream relayEnd)
    {
        _streams.Enqueue(relayEnd);
        if (!_accepted.Writer.TryWrite(relayEnd))
        {
            relayEnd.Fail(new FakeStreamAbortedException(0));
            relayEnd.Peer.Fail(new FakeStreamAbortedException(0));
        }
    }

    internal (FakeStream RelayEnd, FakeStream EdgeEnd) CreateStreamPair(long streamId, bool bidirectional)
    {
        var (relayEnd, edgeEnd) = FakeStream.CreatePair(streamId, bidirectional, _pipeOptions);
        if (IsClosed)
        {
            var lost = new FakeStreamAbortedException(0);
            relayEnd.Fail(lost);
            edgeEnd.Fail(lost);
        }

        return (relayEnd, edgeEnd);
    }

    internal void DeliverDatagram(ReadOnlySpan<byte> datagram)
    {
        if (!IsClosed)
        {
            _datagramHandler?.Invoke(datagram);
        }
    }

    private async ValueTask<IEdgeStream> OpenAsync(bool bidirectional, CancellationToken ct)
    {
        StreamOpenAttempted.TrySetResult();
        if (StreamCreditGate is { } gate)
        {
            await gate.Task.WaitAsync(ct).ConfigureAwait(false);
        }

        if (IsClosed)
        {
            throw new FakeStreamAbortedException(0);
        }

        long id = bidirectional
            ? Interlocked.Add(ref _nextRelayBidiId, 4) - 4
            : Interlocked.Add(ref _nextRelayUniId, 4) - 4;
        var (relayEnd, edgeEnd) = CreateStreamPair(id, bidirectional);
        _streams.Enqueue(relayEnd);
        Edge.Receive(edgeEnd);
        return relayEnd;
    }
}
