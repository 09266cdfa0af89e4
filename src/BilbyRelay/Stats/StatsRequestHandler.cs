using System.Buffers;
using System.Net;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Stats;

/// <summary>
/// Turns a parsed request into a response: routing, method check, bearer authentication, the
/// relay snapshot and its serialisation. Shared by every connection; thread-safe because it keeps
/// no per-request state (the caller passes its own <see cref="ResponseBodyBuffer"/>).
/// </summary>
internal sealed class StatsRequestHandler
{
    private readonly IStatsSource _source;
    private readonly BearerTokenVerifier _token;
    private readonly string _version;
    private readonly Logger _log;

    public StatsRequestHandler(IStatsSource source, BearerTokenVerifier token, string version, Logger log)
    {
        _source = source;
        _token = token;
        _version = version;
        _log = log;
    }

    private static ReadOnlySpan<byte> AllowGetHead => "Allow: GET, HEAD\r\n"u8;

    private static ReadOnlySpan<byte> AllowDelete => "Allow: DELETE\r\n"u8;

    private static ReadOnlySpan<byte> BearerChallenge => "WWW-Authenticate: Bearer\r\n"u8;

    /// <summary>Writes the full response to <paramref name="head"/> into <paramref name="output"/>; the caller flushes.</summary>
    public void Handle(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, EndPoint? remote)
    {
        body.Clear();
        try
        {
            Route(in head, keepAlive, body, output, remote);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failure inside the relay's snapshot code must not take the endpoint down; nothing
            // has been written to output yet because bodies are rendered before heads.
            StatsLog.HandlerFailed(_log, ex);
            body.Clear();
            WriteError(500, "internal error", in head, keepAlive, body, output);
        }
    }

    /// <summary>Writes the JSON error response for a request that could not be parsed; the connection closes after it.</summary>
    public static void WriteParseError(in HttpParseError error, ResponseBodyBuffer body, IBufferWriter<byte> output)
    {
        body.Clear();
        body.WriteJson(new ErrorResponse(error.Message), StatsJsonContext.Default.ErrorResponse);
        HttpResponseWriter.WriteHead(output, error.StatusCode, HttpResponseWriter.JsonContentType, body.Length, keepAlive: false, isHttp11: true);
        output.Write(body.WrittenSpan);
    }

    private void Route(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, EndPoint? remote)
    {
        switch (head.Route)
        {
            case StatsRoute.Health:
                if (RequireGetOrHead(in head, keepAlive, body, output))
                {
                    var health = _source.GetHealth();
                    body.WriteJson(new HealthResponse(_version, health), StatsJsonContext.Default.HealthResponse);

                    // 503 takes a failed relay out of load balancers and tells orchestrators before the process exits.
                    WriteBody(health.Failure is null ? 200 : 503, HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.Metrics:
                if (RequireGetOrHead(in head, keepAlive, body, output) && Authorize(in head, keepAlive, body, output, remote))
                {
                    PrometheusTextWriter.Write(body.Writer, _version, _source.GetMetrics());
                    WriteOk(HttpResponseWriter.PrometheusContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.Tunnels:
                if (RequireGetOrHead(in head, keepAlive, body, output) && Authorize(in head, keepAlive, body, output, remote))
                {
                    body.WriteJson(new TunnelListResponse(_source.GetTunnels()), StatsJsonContext.Default.TunnelListResponse);
                    WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.Edges:
                if (RequireGetOrHead(in head, keepAlive, body, output) && Authorize(in head, keepAlive, body, output, remote))
                {
                    body.WriteJson(new EdgeListResponse(_source.GetEdges()), StatsJsonContext.Default.EdgeListResponse);
                    WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.Stats:
                if (RequireGetOrHead(in head, keepAlive, body, output) && Authorize(in head, keepAlive, body, output, remote))
                {
                    body.WriteJson(new StatsResponse(_source.GetStats(), _source.GetManagerLink()), StatsJsonContext.Default.StatsResponse);
                    WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.StatusPage:
                // Public like /health: the page is a shell without data; its requests carry the token.
                if (RequireGetOrHead(in head, keepAlive, body, output))
                {
                    HttpResponseWriter.WriteHead(output, 200, StatusPage.ContentType, StatusPage.Body.Length, keepAlive, head.IsHttp11, StatusPage.Headers);
                    if (head.Method != HttpMethodKind.Head)
                    {
                        output.Write(StatusPage.Body);
                    }
                }

                break;

            case StatsRoute.TunnelById:
                DeleteTunnel(in head, keepAlive, body, output, remote);
                break;

            case StatsRoute.UdpSessions:
                if (RequireGetOrHead(in head, keepAlive, body, output) && Authorize(in head, keepAlive, body, output, remote))
                {
                    body.WriteJson(new UdpSessionListResponse(_source.GetUdpSessions()), StatsJsonContext.Default.UdpSessionListResponse);
                    WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
                }

                break;

            case StatsRoute.UdpSessionById:
                DeleteUdpSession(in head, keepAlive, body, output, remote);
                break;

            default:
                WriteError(404, "not found", in head, keepAlive, body, output);
                break;
        }
    }

    private void DeleteTunnel(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, EndPoint? remote)
    {
        if (head.Method != HttpMethodKind.Delete)
        {
            WriteError(405, "method not allowed", in head, keepAlive, body, output, AllowDelete);
            return;
        }

        // Fail closed: with no token the read-only API is open, and an open DELETE would let anyone
        // who can reach the port tear down live tunnels.
        if (!_token.IsConfigured)
        {
            WriteError(403, "tunnel deletion requires api_token to be configured", in head, keepAlive, body, output);
            return;
        }

        if (!Authorize(in head, keepAlive, body, output, remote))
        {
            return;
        }

        if (!head.TunnelIdValid)
        {
            WriteError(400, "invalid tunnel id (must be a UUID)", in head, keepAlive, body, output);
            return;
        }

        DeleteTunnelResult result = _source.DeleteTunnel(head.TunnelId);
        if (!result.Found)
        {
            WriteError(404, $"tunnel '{head.TunnelId}' not found", in head, keepAlive, body, output);
            return;
        }

        StatsLog.TunnelDeleted(_log, head.TunnelId, result.PeersNotified);
        body.WriteJson(new TunnelDeletedResponse(head.TunnelId, result.PeersNotified), StatsJsonContext.Default.TunnelDeletedResponse);
        WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
    }

    private void DeleteUdpSession(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, EndPoint? remote)
    {
        if (head.Method != HttpMethodKind.Delete)
        {
            WriteError(405, "method not allowed", in head, keepAlive, body, output, AllowDelete);
            return;
        }

        // Fail closed, as for tunnels.
        if (!_token.IsConfigured)
        {
            WriteError(403, "session deletion requires api_token to be configured", in head, keepAlive, body, output);
            return;
        }

        if (!Authorize(in head, keepAlive, body, output, remote))
        {
            return;
        }

        if (!head.TunnelIdValid)
        {
            WriteError(400, $"invalid session id (must be a UUID): '{head.InvalidIdText}' is not a UUID", in head, keepAlive, body, output);
            return;
        }

        if (!_source.DeleteUdpSession(head.TunnelId))
        {
            WriteError(404, $"session '{head.TunnelId}' not found", in head, keepAlive, body, output);
            return;
        }

        StatsLog.UdpSessionDeleted(_log, head.TunnelId);
        body.WriteJson(new UdpSessionDeletedResponse(head.TunnelId), StatsJsonContext.Default.UdpSessionDeletedResponse);
        WriteOk(HttpResponseWriter.JsonContentType, in head, keepAlive, body, output);
    }

    private static bool RequireGetOrHead(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output)
    {
        if (head.Method is HttpMethodKind.Get or HttpMethodKind.Head)
        {
            return true;
        }

        WriteError(405, "method not allowed", in head, keepAlive, body, output, AllowGetHead);
        return false;
    }

    private bool Authorize(in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, EndPoint? remote)
    {
        if (!_token.IsConfigured || head.Authorization == AuthorizationOutcome.Valid)
        {
            return true;
        }

        StatsLog.Unauthorized(_log, remote);
        WriteError(401, "Unauthorized — valid Bearer token required", in head, keepAlive, body, output, BearerChallenge);
        return false;
    }

    private static void WriteOk(ReadOnlySpan<byte> contentType, in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output) =>
        WriteBody(200, contentType, in head, keepAlive, body, output);

    private static void WriteBody(int statusCode, ReadOnlySpan<byte> contentType, in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output)
    {
        HttpResponseWriter.WriteHead(output, statusCode, contentType, body.Length, keepAlive, head.IsHttp11);
        if (head.Method != HttpMethodKind.Head)
        {
            output.Write(body.WrittenSpan);
        }
    }

    private static void WriteError(int statusCode, string message, in HttpRequestHead head, bool keepAlive, ResponseBodyBuffer body, IBufferWriter<byte> output, ReadOnlySpan<byte> extraHeaders = default)
    {
        body.WriteJson(new ErrorResponse(message), StatsJsonContext.Default.ErrorResponse);
        HttpResponseWriter.WriteHead(output, statusCode, HttpResponseWriter.JsonContentType, body.Length, keepAlive, head.IsHttp11, extraHeaders);
        if (head.Method != HttpMethodKind.Head)
        {
            output.Write(body.WrittenSpan);
        }
    }
}
