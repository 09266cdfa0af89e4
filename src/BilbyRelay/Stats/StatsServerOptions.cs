using System.Net;

namespace BilbyRelay.Stats;

/// <summary>Listen addresses, authentication and limits of the stats endpoint. Defaults are the documented ones (docs/stats-api.md).</summary>
internal sealed record StatsServerOptions
{
    public const int DefaultPort = 4480;

    /// <summary>Every address to listen on. IPv6 sockets are IPv6-only, so list <c>0.0.0.0</c> and <c>[::]</c> for dual stack.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; init; } = [new IPEndPoint(IPAddress.Any, DefaultPort)];

    /// <summary>
    /// Listening TCP sockets (file descriptors, e.g. from systemd socket activation) to accept on instead of binding,
    /// keyed by the entry of <see cref="EndPoints"/> each one serves. The server owns them from start on.
    /// </summary>
    public IReadOnlyDictionary<IPEndPoint, int> InheritedSockets { get; init; } = new Dictionary<IPEndPoint, int>();

    /// <summary>Bearer token required on every route but <c>/health</c>. Null or empty: the read-only API is open and DELETE is refused.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Time a request has, from its first byte, to deliver its headers and body. The first request's clock starts at accept.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an idle keep-alive connection may wait for its next request; also bounds how long a response may take to send.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock of the header and keep-alive timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Open connections across all listeners. At the cap a new connection takes the slot of the connection whose request
    /// has been arriving the longest (slowloris, silent clients); when every connection is between requests or being
    /// answered, the new one is answered 503 and closed at once.
    /// </summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Longest request line, CRLF included; longer is answered 414.</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>Largest header block after the request line, final CRLF included; larger is answered 431.</summary>
    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    /// <summary>Most header fields in one request; more is answered 431.</summary>
    public int MaxHeaderCount { get; init; } = 64;

    /// <summary>Largest Content-Length accepted (the body is read and discarded); larger is answered 413.</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Pending-connection queue length passed to listen(2).</summary>
    public int ListenBacklog { get; init; } = 512;

    /// <summary>Relay version shown in <c>/health</c> and the <c>bilbycast_relay_info</c> metric.</summary>
    public string Version { get; init; } = "0.0.0";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (EndPoints.Count == 0)
        {
            throw new ArgumentException("Stats endpoint needs at least one listen address.", nameof(EndPoints));
        }

        RequirePositive(HeaderTimeout, nameof(HeaderTimeout));
        RequirePositive(KeepAliveTimeout, nameof(KeepAliveTimeout));
        RequireAtLeast(MaxConnections, 1, nameof(MaxConnections));
        RequireAtLeast(MaxRequestLineBytes, 64, nameof(MaxRequestLineBytes));
        RequireAtLeast(MaxHeaderBytes, 64, nameof(MaxHeaderBytes));
        RequireAtLeast(MaxHeaderCount, 1, nameof(MaxHeaderCount));
        RequireAtLeast(MaxBodyBytes, 0, nameof(MaxBodyBytes));
        RequireAtLeast(ListenBacklog, 1, nameof(ListenBacklog));
        ArgumentException.ThrowIfNullOrEmpty(Version, nameof(Version));
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        // CancellationTokenSource.CancelAfter rejects anything above int.MaxValue milliseconds.
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentException($"Stats option {name} must be positive and below 24 days (was {value}).", name);
        }
    }

    private static void RequireAtLeast(long value, long minimum, string name)
    {
        if (value < minimum)
        {
            throw new ArgumentException($"Stats option {name} must be at least {minimum} (was {value}).", name);
        }
    }
}
