using System.Net;

namespace BilbyRelay.Quic;

/// <summary>Where a client connection goes and how it checks the server.</summary>
public sealed class QuicClientOptions
{
    public IPEndPoint RemoteEndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>The ALPN protocol offered; a server selecting nothing or something else fails the handshake.</summary>
    public string Alpn { get; set; } = "";

    /// <summary>SNI host name; also the name checked against the certificate when <see cref="TrustedCaPem"/> is set.</summary>
    public string? ServerName { get; set; }

    /// <summary>Accept any server certificate (the edges' default: they rely on end-to-end encryption).</summary>
    public bool SkipCertificateValidation { get; set; }

    /// <summary>SHA-256 of the server's DER certificate as lowercase hex pairs separated by ':'; any other certificate fails.</summary>
    public string? PinnedCertificateSha256 { get; set; }

    /// <summary>PEM CA certificates; the server's chain must verify against them.</summary>
    public string? TrustedCaPem { get; set; }

    public QuicTransportSettings Transport { get; set; } = new();

    /// <summary>
    /// Give this connection its own UDP socket and loop thread (stopped when the connection is freed) instead of the
    /// process-wide client endpoint, as every real edge has its own: a server with several loops spreads peers by
    /// source port, so connections sharing one socket all land on the same loop.
    /// </summary>
    public bool UseDedicatedEndpoint { get; set; }

    /// <summary>Optional diagnostics sink, called on loop threads.</summary>
    public Action<QuicLogEvent>? Log { get; set; }
}
