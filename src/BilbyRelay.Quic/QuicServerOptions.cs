using System.Net;

namespace BilbyRelay.Quic;

/// <summary>What a <see cref="QuicListener"/> listens on and how it authenticates itself.</summary>
public sealed class QuicServerOptions
{
    /// <summary>The addresses to listen on; port 0 picks a free port.</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; set; } = [];

    /// <summary>
    /// Event loops per address, each a thread with its own SO_REUSEPORT socket and its own connections. The kernel
    /// sends each peer's packets to one socket by a hash of the peer's address and port, so a connection stays on the
    /// loop that accepted it for as long as that address and port do not change.
    /// </summary>
    public int LoopsPerAddress { get; set; } = 1;

    /// <summary>
    /// Already bound UDP sockets (file descriptors, e.g. from systemd socket activation) to serve instead of binding,
    /// keyed by the entry of <see cref="ListenEndPoints"/> each one serves. The listener owns them from
    /// <see cref="QuicListener.Start"/> on. Such an address runs one loop whatever <see cref="LoopsPerAddress"/> says:
    /// further SO_REUSEPORT sockets could only join the inherited one if it had SO_REUSEPORT and was created by the
    /// same user, which a socket a service manager creates generally is not.
    /// </summary>
    public IReadOnlyDictionary<IPEndPoint, int> InheritedSockets { get; set; } = new Dictionary<IPEndPoint, int>();

    /// <summary>The only ALPN protocol accepted; a client offering anything else fails the handshake.</summary>
    public string Alpn { get; set; } = "";

    /// <summary>PEM certificate chain; with <see cref="PrivateKeyPem"/> null both, a self-signed ECDSA P-256 certificate is generated.</summary>
    public string? CertificatePem { get; set; }

    /// <summary>PEM private key (PKCS#8 or SEC1/PKCS#1) matching <see cref="CertificatePem"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    public QuicTransportSettings Transport { get; set; } = new();

    /// <summary>
    /// Called on an endpoint's loop thread (concurrently from several loops) for the first Initial packet of every new connection attempt, with the
    /// peer's address. Returning false refuses it at once with CONNECTION_CLOSE(CONNECTION_REFUSED) and no state is
    /// kept. Must be fast and must not throw (an exception refuses the connection).
    /// </summary>
    public Func<IPEndPoint, bool>? ConnectionFilter { get; set; }

    /// <summary>Optional diagnostics sink, called on loop threads; the engine never writes to the console.</summary>
    public Action<QuicLogEvent>? Log { get; set; }
}
