namespace BilbyRelay.Stats;

/// <summary>
/// Everything the stats endpoint needs from a request line and header block. It holds no reference
/// into the receive buffer, so it stays valid after the buffer is consumed (while the body is discarded).
/// </summary>
internal struct HttpRequestHead
{
    public HttpMethodKind Method;

    public StatsRoute Route;

    /// <summary>The id in <c>/api/v1/tunnels/{id}</c>, valid when <see cref="TunnelIdValid"/> is true.</summary>
    public Guid TunnelId;

    /// <summary>For <see cref="StatsRoute.TunnelById"/> and <see cref="StatsRoute.UdpSessionById"/>: whether the path segment parsed as a UUID.</summary>
    public bool TunnelIdValid;

    /// <summary>The path segment that did not parse as a UUID (for the error message); null otherwise.</summary>
    public string? InvalidIdText;

    /// <summary>HTTP/1.0 when false; 1.1 (or a later 1.x, treated as 1.1) when true.</summary>
    public bool IsHttp11;

    /// <summary>Whether the connection stays open after the response, from the version and Connection header.</summary>
    public bool KeepAlive;

    /// <summary>Declared body length, discarded before the request is acted on.</summary>
    public long ContentLength;

    public AuthorizationOutcome Authorization;

    /// <summary>HTTP/1.1 request with <c>Expect: 100-continue</c> and a body: the client waits for an interim 100 before sending it.</summary>
    public bool ExpectContinue;
}
