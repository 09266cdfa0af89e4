using BilbyRelay.Core.Transport;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>Accepted QUIC connections (handshake done, ALPN checked) as edge connections.</summary>
internal sealed class QuicEdgeListener(QuicListener listener) : IEdgeListener
{
    public async ValueTask<IEdgeConnection> AcceptConnectionAsync(CancellationToken ct) =>
        new QuicEdgeConnection(await listener.AcceptConnectionAsync(ct).ConfigureAwait(false));
}
