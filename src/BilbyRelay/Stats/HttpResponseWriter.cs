using System.Buffers;
using System.Buffers.Text;

namespace BilbyRelay.Stats;

/// <summary>Writes HTTP/1.1 response heads straight into the connection's output buffer.</summary>
internal static class HttpResponseWriter
{
    public static ReadOnlySpan<byte> JsonContentType => "application/json"u8;

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public static ReadOnlySpan<byte> PrometheusContentType => "text/plain; version=0.0.4; charset=utf-8"u8;

    /// <summary>
    /// Writes the status line and headers. <paramref name="extraHeaders"/> are complete lines, each
    /// ending in CRLF. <c>Connection</c> is sent when it differs from the version's default.
    /// </summary>
    public static void WriteHead(
        IBufferWriter<byte> output,
        int statusCode,
        ReadOnlySpan<byte> contentType,
        long contentLength,
        bool keepAlive,
        bool isHttp11,
        ReadOnlySpan<byte> extraHeaders = default)
    {
        output.Write(StatusLine(statusCode));
        output.Write(HttpDateHeader.Current);
        output.Write("Content-Type: "u8);
        output.Write(contentType);
        output.Write("\r\nContent-Length: "u8);
        Span<byte> digits = output.GetSpan(20);
        Utf8Formatter.TryFormat(contentLength, digits, out int written);
        output.Advance(written);
        output.Write("\r\nCache-Control: no-store\r\n"u8);
        if (!keepAlive)
        {
            output.Write("Connection: close\r\n"u8);
        }
        else if (!isHttp11)
        {
            output.Write("Connection: keep-alive\r\n"u8);
        }

        output.Write(extraHeaders);
        output.Write("\r\n"u8);
    }

    private static ReadOnlySpan<byte> StatusLine(int statusCode) => statusCode switch
    {
        200 => "HTTP/1.1 200 OK\r\n"u8,
        400 => "HTTP/1.1 400 Bad Request\r\n"u8,
        401 => "HTTP/1.1 401 Unauthorized\r\n"u8,
        403 => "HTTP/1.1 403 Forbidden\r\n"u8,
        404 => "HTTP/1.1 404 Not Found\r\n"u8,
        405 => "HTTP/1.1 405 Method Not Allowed\r\n"u8,
        411 => "HTTP/1.1 411 Length Required\r\n"u8,
        413 => "HTTP/1.1 413 Content Too Large\r\n"u8,
        414 => "HTTP/1.1 414 URI Too Long\r\n"u8,
        431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        500 => "HTTP/1.1 500 Internal Server Error\r\n"u8,
        503 => "HTTP/1.1 503 Service Unavailable\r\n"u8,
        505 => "HTTP/1.1 505 HTTP Version Not Supported\r\n"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "No reason phrase defined for this status."),
    };
}
