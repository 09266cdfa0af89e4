using System.Net;
using System.Threading.Channels;
using BilbyRelay.Quic.Native;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>
/// Accepts QUIC connections on one or more UDP addresses, each served by
/// <see cref="QuicServerOptions.LoopsPerAddress"/> <see cref="QuicEndpoint"/>s (a SO_REUSEPORT socket and its loop
/// thread), or by one endpoint on an inherited socket (<see cref="QuicServerOptions.InheritedSockets"/>). Only
/// connections whose handshake completed (ALPN matched) are handed out.
/// </summary>
/// <remarks>
/// Admission: <see cref="QuicServerOptions.ConnectionFilter"/> refuses connections before any state is created
/// (used for per-IP caps). Address validation: above <see cref="QuicServerOptions.RetryAboveHandshakesPerSecond"/> new
/// clients get a Retry packet first; otherwise ngtcp2 enforces the RFC 9000 anti-amplification limit (3× received
/// bytes) until the handshake validates the address. <see cref="QuicServerOptions.MaxHalfOpenConnections"/> caps the
/// handshakes in progress.
/// </remarks>
public sealed class QuicListener : IAsyncDisposable
{
    private readonly Channel<QuicConnection> _accepted = Channel.CreateUnbounded<QuicConnection>();
    private readonly List<QuicEndpoint> _endpoints = [];
    private readonly TaskCompletionSource<QuicLoopFault> _loopFaulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private QuicListener(QuicServerOptions options, ServerCertificate certificate, TlsCredentials credentials)
    {
        CryptoRandom.FillKey(StatelessResetKey);
        CryptoRandom.FillKey(RetryTokenKey);
        Options = options;
        CertificateSha256Fingerprint = certificate.Sha256Fingerprint;
        Credentials = credentials;
    }

    /// <summary>The bound addresses (one per listen address), with the actual ports when port 0 was requested.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _endpoints.Select(e => e.LocalEndPoint).Distinct().ToArray();

    /// <summary>SHA-256 of the certificate's DER, lowercase hex pairs joined by ':' (what clients pin).</summary>
    public string CertificateSha256Fingerprint { get; }

    /// <summary>Datagrams received on all endpoints.</summary>
    public long PacketsReceived => _endpoints.Sum(e => e.PacketsReceived);

    /// <summary>Datagrams sent from all endpoints.</summary>
    public long PacketsSent => _endpoints.Sum(e => e.PacketsSent);

    public long BytesReceived => _endpoints.Sum(e => e.BytesReceived);

    public long BytesSent => _endpoints.Sum(e => e.BytesSent);

    /// <summary>Received datagrams that belonged to no connection (garbage, stray, refused, unsupported version).</summary>
    public long PacketsDropped => _endpoints.Sum(e => e.PacketsDropped);

    /// <summary>
    /// Completes when an event loop dies of an unexpected exception (the first one, if several do): that address
    /// then serves no connection until the listener is replaced. The fault is reported here, not to
    /// <see cref="QuicServerOptions.Log"/>. Never completes while every loop runs, disposal included.
    /// </summary>
    public Task<QuicLoopFault> LoopFaulted => _loopFaulted.Task;

    internal QuicServerOptions Options { get; }

    /// <summary>Every endpoint (socket and loop), grouped by listen address in the order of <see cref="QuicServerOptions.ListenEndPoints"/>.</summary>
    internal IReadOnlyList<QuicEndpoint> Endpoints => _endpoints;

    internal TlsCredentials Credentials { get; }

    /// <summary>The stateless-reset key all of this listener's loops derive reset tokens from.</summary>
    internal byte[] StatelessResetKey { get; } = new byte[32];

    /// <summary>The key Retry tokens are sealed with: random per listener, so tokens never outlive the process.</summary>
    internal byte[] RetryTokenKey { get; } = new byte[32];

    /// <summary>Binds every listen address and starts their loops.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="IOException">An address could not be bound.</exception>
    public static QuicListener Start(QuicServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ListenEndPoints is not { Count: > 0 })
        {
            throw new ArgumentException("At least one listen endpoint is required.", nameof(options));
        }

        if (string.IsNullOrEmpty(options.Alpn))
        {
            throw new ArgumentException("An ALPN protocol is required.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.LoopsPerAddress, 1);
        if (options.InheritedSockets.Keys.FirstOrDefault(a => !options.ListenEndPoints.Contains(a)) is { } stray)
        {
            throw new ArgumentException($"An inherited socket is given for {stray}, which is not a listen endpoint.", nameof(options));
        }

        options.Transport.Validate();
        options.ValidateAdmission();
        var certificate = ServerCertificate.FromOptions(options);
        var credentials = TlsCredentials.CreateServer(certificate.CertificatePem, certificate.PrivateKeyPem);
        var listener = new QuicListener(options, certificate, credentials);
        try
        {
            foreach (var endPoint in options.ListenEndPoints)
            {
                if (options.InheritedSockets.TryGetValue(endPoint, out var inherited))
                {
                    listener._endpoints.Add(QuicEndpoint.Start(UdpBatchSocket.Adopt(inherited), listener, options.Log));
                    continue;
                }

                var sockets = UdpBatchSocket.BindGroup(endPoint, options.LoopsPerAddress);
                for (var loop = 0; loop < sockets.Length; loop++)
                {
                    try
                    {
                        listener._endpoints.Add(QuicEndpoint.Start(sockets[loop], listener, options.Log, sockets.Length));
                    }
                    catch
                    {
                        // Start closed this socket; the ones after it belong to nobody yet.
                        foreach (var unused in sockets.AsSpan(loop + 1))
                        {
                            unused.Dispose();
                        }

                        throw;
                    }
                }
            }
        }
        catch
        {
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return listener;
    }

    /// <summary>Waits for the next connection whose handshake completed.</summary>
    /// <exception cref="ObjectDisposedException">The listener was disposed.</exception>
    public async ValueTask<QuicConnection> AcceptConnectionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(QuicListener));
        }
    }

    /// <summary>Each loop's counters, in listen-address order. Thread-safe.</summary>
    public IReadOnlyList<QuicLoopCounters> GetLoopCounters() => _endpoints.Select((e, i) => e.ReadCounters() with { Index = i }).ToArray();

    /// <summary>Loop thread: a server connection finished its handshake.</summary>
    internal void OnConnectionEstablished(QuicConnection connection)
    {
        connection.Endpoint.OnHandshakeCompleted();
        _accepted.Writer.TryWrite(connection);
    }

    /// <summary>Loop thread, as the loop dies: returns false when another loop's fault was reported first.</summary>
    internal bool OnLoopFaulted(QuicEndpoint endpoint, Exception exception) =>
        _loopFaulted.TrySetResult(new QuicLoopFault(endpoint.LocalEndPoint, exception));

    /// <summary>Test hook: the <paramref name="loopIndex"/>th loop (in <see cref="Endpoints"/> order) dies of <paramref name="fault"/>.</summary>
    internal void InjectLoopFault(int loopIndex, Exception fault) => _endpoints[loopIndex].InjectFault(fault);

    /// <summary>Closes every connection (EndpointShutdown), stops the loops and frees the credentials.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _accepted.Writer.TryComplete();
        await Task.WhenAll(_endpoints.Select(e => e.StopAsync())).ConfigureAwait(false);
        Credentials.Dispose();
    }
}
