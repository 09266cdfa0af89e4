using System.Text;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Management;

/// <summary>
/// The client side of the WebSocket opening handshake (RFC 6455 §4.1) on an open TLS stream: one HTTP/1.1 GET with
/// the upgrade headers, and a check of the answer's status line, Upgrade, Connection and Sec-WebSocket-Accept. Any
/// other answer is a <see cref="ManagerConnectException"/> saying what came back.
/// </summary>
internal static class WebSocketUpgrade
{
    /// <summary>An answer's head larger than this is refused (a real one is a few hundred bytes).</summary>
    public const int MaxResponseHeadBytes = 16 * 1024;

    private const string AcceptKeySuffix = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Sends the upgrade request for <paramref name="url"/> and reads and checks the answer.</summary>
    /// <exception cref="ManagerConnectException">The answer is not a valid switch to the WebSocket protocol.</exception>
    public static async Task RequestAsync(Stream stream, Uri url, CancellationToken cancellationToken)
    {
        var key = NewKey();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Request(url, key)), cancellationToken).ConfigureAwait(false);
        var head = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);
        CheckResponse(head, key);
    }

    /// <summary>The request for <paramref name="url"/> with <paramref name="key"/> as Sec-WebSocket-Key.</summary>
    public static string Request(Uri url, string key)
    {
        var host = url.HostNameType == UriHostNameType.IPv6 ? $"[{url.IdnHost}]" : url.IdnHost;
        var authority = url.IsDefaultPort ? host : $"{host}:{url.Port}";
        return $"GET {url.PathAndQuery} HTTP/1.1\r\n"
            + $"Host: {authority}\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n";
    }

    /// <summary>The Sec-WebSocket-Accept a server must answer <paramref name="key"/> with.</summary>
    public static string ExpectedAccept(string key) => Convert.ToBase64String(Digest.Sha1(Encoding.ASCII.GetBytes(key + AcceptKeySuffix)));

    /// <summary>Checks an answer's head (status line and headers, without the blank line that ends it).</summary>
    /// <exception cref="ManagerConnectException">It is not a valid switch to the WebSocket protocol.</exception>
    public static void CheckResponse(string head, string key)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new ManagerConnectException($"the manager did not answer the WebSocket upgrade with HTTP ({Printable(lines[0])})");
        }

        if (status[1] != "101")
        {
            throw new ManagerConnectException($"the manager answered the WebSocket upgrade with HTTP {Printable(string.Join(' ', status[1..]))}");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new ManagerConnectException($"the manager's WebSocket upgrade answer has a malformed header line ({Printable(line)})");
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        if (!string.Equals(headers.GetValueOrDefault("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)
            || !HasToken(headers.GetValueOrDefault("Connection"), "upgrade"))
        {
            throw new ManagerConnectException("the manager's 101 answer does not switch to the WebSocket protocol (Upgrade/Connection headers)");
        }

        if (headers.GetValueOrDefault("Sec-WebSocket-Accept") != ExpectedAccept(key))
        {
            throw new ManagerConnectException("the manager's Sec-WebSocket-Accept does not match the key sent");
        }

        // Nothing was offered, so nothing may be agreed.
        foreach (var offered in (string[])["Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"])
        {
            if (!string.IsNullOrEmpty(headers.GetValueOrDefault(offered)))
            {
                throw new ManagerConnectException($"the manager agreed to a {offered} the relay did not offer");
            }
        }
    }

    /// <summary>
    /// Reads up to the blank line that ends the answer's head, one byte at a time, so that not one byte of the
    /// WebSocket frames that may follow it at once is taken from the stream.
    /// </summary>
    private static async Task<string> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[MaxResponseHeadBytes];
        var length = 0;
        while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (length == head.Length)
            {
                throw new ManagerConnectException($"the manager's answer to the WebSocket upgrade has a head over {MaxResponseHeadBytes} bytes");
            }

            if (await stream.ReadAsync(head.AsMemory(length, 1), cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new ManagerConnectException("the manager closed the connection before answering the WebSocket upgrade");
            }

            length++;
        }

        return Encoding.Latin1.GetString(head, 0, length - 4);
    }

    private static string NewKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        CryptoRandom.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }

    private static bool HasToken(string? list, string token) =>
        list is not null && list.Split(',').Any(item => string.Equals(item.Trim(), token, StringComparison.OrdinalIgnoreCase));

    private static string Printable(string text)
    {
        var cut = text.Length > 120 ? text[..120] + "…" : text;
        return new string(cut.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
