namespace BilbyRelay.Core.Transport;

/// <summary>Hands out accepted edge connections (handshake done, ALPN checked).</summary>
public interface IEdgeListener
{
    /// <summary>The next accepted connection; throws once the listener is stopped.</summary>
    ValueTask<IEdgeConnection> AcceptConnectionAsync(CancellationToken ct);
}
