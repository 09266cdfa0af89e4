using System.Net;
using BilbyRelay.Core.Transport;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>
/// An edge's QUIC connection seen through the relay core's transport abstraction. Thin by design:
/// every call goes straight to the engine, which is already thread-safe on its public surface.
/// </summary>
internal sealed class QuicEdgeConnection(QuicConnection connection) : IEdgeConnection
{
    public long ConnectionId => connection.Id;

    /// <summary>The engine's connection underneath.</summary>
    internal QuicConnection Quic => connection;

    public IPEndPoint RemoteEndPoint => connection.RemoteEndPoint;

    // The engine's Closed task completes with the close information and never faults.
    public Task Closed => connection.Closed;

    public async ValueTask<IEdgeStream> AcceptStreamAsync(CancellationToken ct) =>
        new QuicEdgeStream(await connection.AcceptStreamAsync(ct).ConfigureAwait(false));

    public async ValueTask<IEdgeStream> OpenBidirectionalStreamAsync(CancellationToken ct) =>
        new QuicEdgeStream(await connection.OpenStreamAsync(bidirectional: true, ct).ConfigureAwait(false));

    public async ValueTask<IEdgeStream> OpenUnidirectionalStreamAsync(CancellationToken ct) =>
        new QuicEdgeStream(await connection.OpenStreamAsync(bidirectional: false, ct).ConfigureAwait(false));

    public DatagramSendResult SendDatagram(ReadOnlySpan<byte> datagram) => connection.SendDatagram(datagram) switch
    {
        QuicDatagramSendResult.Queued => DatagramSendResult.Queued,
        QuicDatagramSendResult.TooLarge => DatagramSendResult.TooLarge,
        QuicDatagramSendResult.Closed => DatagramSendResult.Closed,
        QuicDatagramSendResult.MemoryBudget => DatagramSendResult.MemoryBudget,
        _ => DatagramSendResult.QueueFull,
    };

    // One closure per connection (not per datagram): the engine's handler also passes the connection.
    public void SetDatagramHandler(EdgeDatagramHandler handler) =>
        connection.SetDatagramHandler((_, datagram) => handler(datagram));

    public void Close(long applicationErrorCode, string reason) => connection.Close(applicationErrorCode, reason);

    public override string ToString() => connection.ToString();
}
