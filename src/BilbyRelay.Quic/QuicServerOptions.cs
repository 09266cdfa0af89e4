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

    /// <summary>
    /// Address validation under load: once more than this many connection attempts per second arrive on one listen
    /// address, a new Initial without a valid token is answered with a Retry packet (no state is kept) and only a
    /// client that echoes the token from its own address gets a connection. 0: every new connection is validated
    /// first; null: Retry is never sent. The rate is shared evenly among the address's loops.
    /// </summary>
    public int? RetryAboveHandshakesPerSecond { get; set; }

    /// <summary>How long a Retry token stays valid; a client echoes it within one round trip.</summary>
    public TimeSpan RetryTokenLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connections per listen address whose handshake has not completed (shared evenly among the address's loops).
    /// Attempts beyond it are dropped without an answer. While Retry is enabled, connections from addresses not
    /// validated by Retry may hold only half of it, so validated ones always find room.
    /// </summary>
    public int MaxHalfOpenConnections { get; set; } = 1000;

    /// <summary>Optional diagnostics sink, called on loop threads; the engine never writes to the console.</summary>
    public Action<QuicLogEvent>? Log { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first admission option out of range.</summary>
    internal void ValidateAdmission()
    {
        if (RetryAboveHandshakesPerSecond is { } threshold)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(threshold, nameof(RetryAboveHandshakesPerSecond));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHalfOpenConnections, 1, nameof(MaxHalfOpenConnections));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryTokenLifetime, TimeSpan.Zero, nameof(RetryTokenLifetime));
    }
}
