using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace BilbyRelay.Stats;

/// <summary>
/// Parses one HTTP/1.x request head (request line and header block) from the bytes received so
/// far. Stateless between calls: an incomplete head is parsed again from its start when more bytes
/// arrive, which the size limits keep cheap. Lines end in CRLF; a bare LF is accepted (RFC 9112 §2.2).
/// Immutable after construction; one instance may serve every connection.
/// </summary>
internal sealed class HttpRequestParser
{
    private readonly int _maxRequestLineBytes;
    private readonly int _maxHeaderBytes;
    private readonly int _maxHeaderCount;
    private readonly long _maxBodyBytes;
    private readonly BearerTokenVerifier _token;

    public HttpRequestParser(StatsServerOptions options, BearerTokenVerifier token)
    {
        _maxRequestLineBytes = options.MaxRequestLineBytes;
        _maxHeaderBytes = options.MaxHeaderBytes;
        _maxHeaderCount = options.MaxHeaderCount;
        _maxBodyBytes = options.MaxBodyBytes;
        _token = token;
    }

    /// <summary>
    /// On <see cref="HttpParseStatus.Complete"/>, <paramref name="consumed"/> is just past the head's
    /// final empty line and <paramref name="head"/> is filled in; on <see cref="HttpParseStatus.Error"/>
    /// <paramref name="error"/> says what to answer.
    /// </summary>
    public HttpParseStatus TryParse(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out HttpRequestHead head, out HttpParseError error)
    {
        head = default;
        error = default;
        consumed = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);

        // RFC 9112 §2.2: ignore empty lines before the request line (some clients send a stray CRLF after a body).
        while (reader.TryPeek(out byte leading) && (leading == (byte)'\r' || leading == (byte)'\n'))
        {
            reader.Advance(1);
            if (reader.Consumed > _maxRequestLineBytes)
            {
                error = new HttpParseError(400, "malformed request: empty lines before the request line");
                return HttpParseStatus.Error;
            }
        }

        long lineStart = reader.Consumed;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> requestLine, (byte)'\n'))
        {
            if (reader.Remaining >= _maxRequestLineBytes)
            {
                error = new HttpParseError(414, "request line too long");
                return HttpParseStatus.Error;
            }

            return HttpParseStatus.Incomplete;
        }

        if (reader.Consumed - lineStart > _maxRequestLineBytes)
        {
            error = new HttpParseError(414, "request line too long");
            return HttpParseStatus.Error;
        }

        if (!TryParseRequestLine(TrimCarriageReturn(requestLine), ref head, out error))
        {
            return HttpParseStatus.Error;
        }

        var headers = new HeaderState();
        long headerStart = reader.Consumed;
        int headerCount = 0;
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySpan<byte> line, (byte)'\n'))
            {
                if (reader.Consumed - headerStart + reader.Remaining > _maxHeaderBytes)
                {
                    error = new HttpParseError(431, "request header block too large");
                    return HttpParseStatus.Error;
                }

                return HttpParseStatus.Incomplete;
            }

            if (reader.Consumed - headerStart > _maxHeaderBytes)
            {
                error = new HttpParseError(431, "request header block too large");
                return HttpParseStatus.Error;
            }

            line = TrimCarriageReturn(line);
            if (line.IsEmpty)
            {
                break;
            }

            if (++headerCount > _maxHeaderCount)
            {
                error = new HttpParseError(431, "too many request headers");
                return HttpParseStatus.Error;
            }

            if (!TryParseHeader(line, ref headers, out error))
            {
                return HttpParseStatus.Error;
            }
        }

        if (!TryFinish(ref head, in headers, out error))
        {
            return HttpParseStatus.Error;
        }

        consumed = reader.Position;
        return HttpParseStatus.Complete;
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, ref HttpRequestHead head, out HttpParseError error)
    {
        error = new HttpParseError(400, "malformed request line");

        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> method = line[..firstSpace];
        ReadOnlySpan<byte> rest = line[(firstSpace + 1)..];
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> target = rest[..secondSpace];
        ReadOnlySpan<byte> version = rest[(secondSpace + 1)..];
        if (!HttpSyntax.IsToken(method) || !HttpSyntax.IsVisibleAscii(target))
        {
            return false;
        }

        // HTTP-version = "HTTP/" DIGIT "." DIGIT
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            return false;
        }

        if (version[5] != (byte)'1')
        {
            error = new HttpParseError(505, "HTTP version not supported; use HTTP/1.1");
            return false;
        }

        head.IsHttp11 = version[7] != (byte)'0';
        head.Method = method.SequenceEqual("GET"u8) ? HttpMethodKind.Get
            : method.SequenceEqual("HEAD"u8) ? HttpMethodKind.Head
            : method.SequenceEqual("DELETE"u8) ? HttpMethodKind.Delete
            : HttpMethodKind.Other;

        if (!StatsRouteMatcher.TryMatch(target, ref head))
        {
            return false;
        }

        error = default;
        return true;
    }

    private bool TryParseHeader(ReadOnlySpan<byte> line, ref HeaderState headers, out HttpParseError error)
    {
        error = new HttpParseError(400, "malformed request header");

        // Obsolete line folding and whitespace before the colon are both rejected (RFC 9112 §5.1, §5.2).
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || !HttpSyntax.IsToken(line[..colon]))
        {
            return false;
        }

        ReadOnlySpan<byte> name = line[..colon];
        ReadOnlySpan<byte> value = HttpSyntax.TrimWhitespace(line[(colon + 1)..]);
        if (!HttpSyntax.IsFieldValue(value))
        {
            return false;
        }

        if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            return TryParseContentLength(value, ref headers, out error);
        }

        if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            headers.HasTransferEncoding = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "expect"u8))
        {
            headers.ExpectContinue |= Ascii.EqualsIgnoreCase(value, "100-continue"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            ParseConnectionOptions(value, ref headers);
        }
        else if (Ascii.EqualsIgnoreCase(name, "authorization"u8))
        {
            bool valid = _token.Verify(value);
            headers.Authorization = headers.Authorization == AuthorizationOutcome.Invalid || !valid
                ? AuthorizationOutcome.Invalid
                : AuthorizationOutcome.Valid;
        }

        error = default;
        return true;
    }

    private bool TryParseContentLength(ReadOnlySpan<byte> value, ref HeaderState headers, out HttpParseError error)
    {
        if (value.IsEmpty || !HttpSyntax.IsDigits(value))
        {
            error = new HttpParseError(400, "malformed Content-Length");
            return false;
        }

        // Digits only, so the only way to fail is overflow: far beyond any limit.
        if (!Utf8Parser.TryParse(value, out long length, out int used) || used != value.Length || length > _maxBodyBytes)
        {
            error = new HttpParseError(413, "request body too large");
            return false;
        }

        if (headers.ContentLength >= 0 && headers.ContentLength != length)
        {
            error = new HttpParseError(400, "conflicting Content-Length headers");
            return false;
        }

        headers.ContentLength = length;
        error = default;
        return true;
    }

    private static void ParseConnectionOptions(ReadOnlySpan<byte> value, ref HeaderState headers)
    {
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = HttpSyntax.TrimWhitespace(value[range]);
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                headers.ConnectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                headers.ConnectionKeepAlive = true;
            }
        }
    }

    private static bool TryFinish(ref HttpRequestHead head, in HeaderState headers, out HttpParseError error)
    {
        if (headers.HasTransferEncoding)
        {
            // No route takes a body, and de-chunking one only to discard it is attack surface:
            // ask for Content-Length instead. Also closes the Content-Length/Transfer-Encoding smuggling door.
            error = new HttpParseError(411, "chunked or encoded request bodies are not accepted; send Content-Length");
            return false;
        }

        head.ContentLength = Math.Max(headers.ContentLength, 0);
        head.Authorization = headers.Authorization;

        // RFC 9110 §10.1.1: 100-continue is ignored on HTTP/1.0 and meaningless without a body.
        head.ExpectContinue = headers.ExpectContinue && head.IsHttp11 && head.ContentLength > 0;
        head.KeepAlive = head.IsHttp11 ? !headers.ConnectionClose : headers.ConnectionKeepAlive && !headers.ConnectionClose;
        error = default;
        return true;
    }

    /// <summary>Header facts collected while scanning the block.</summary>
    private struct HeaderState
    {
        public HeaderState()
        {
        }

        public long ContentLength = -1;
        public bool HasTransferEncoding;
        public bool ConnectionClose;
        public bool ConnectionKeepAlive;
        public bool ExpectContinue;
        public AuthorizationOutcome Authorization;
    }
}
