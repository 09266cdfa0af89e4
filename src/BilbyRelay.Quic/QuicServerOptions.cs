using System.Net;

namespace BilbyRelay.Quic;

/// <summary>What a <see cref="QuicListener"/> listens on and how it authenticates itself.</summary>
public sealed class QuicServerOptions
{
    /// <summary>One UDP endpoint (socket + loop thread) per address; port 0 picks a free port.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; set; } = [];

    /// <summary>The only ALPN protocol accepted; a client offering anything else fails the handshake.</summary>
    public string Alpn { get; set; } = "";

    /// <summary>PEM certificate chain; with <see cref="PrivateKeyPem"/> null both, a self-signed ECDSA P-256 certificate is generated.</summary>
    public string? CertificatePem { get; set; }

    /// <summary>PEM private key (PKCS#8 or SEC1/PKCS#1) matching <see cref="CertificatePem"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    public QuicTransportSettings Transport { get; set; } = new();

    /// <summary>
    /// Called on the endpoint's loop thread for the first Initial packet of every new connection attempt, with the
    /// peer's address. Returning false refuses it at once with CONNECTION_CLOSE(CONNECTION_REFUSED) and no state is
    /// kept. Must be fast and must not throw (an exception refuses the connection).
    /// </summary>
    public Func<IPEndPoint, bool>? ConnectionFilter { get; set; }

    /// <summary>Optional diagnostics sink, called on loop threads; the engine never writes to the console.</summary>
    public Action<QuicLogEvent>? Log { get; set; }
}
