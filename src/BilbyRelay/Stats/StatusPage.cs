using System.Text;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Stats;

/// <summary>
/// The self-contained HTML status page served at <c>GET /</c> and <c>GET /status</c> (Stats/StatusPage.html, embedded).
/// The page itself holds no data: its script polls the token-protected API from the browser. Its one inline script
/// and one inline style are allowed by their SHA-256 in the Content-Security-Policy, so nothing else may run, no
/// inline handler or injected script, and the page may connect to this relay only.
/// </summary>
internal static class StatusPage
{
    private const string ResourceName = "BilbyRelay.Stats.StatusPage.html";

    public static ReadOnlySpan<byte> ContentType => "text/html; charset=utf-8"u8;

    /// <summary>The page, UTF-8.</summary>
    public static byte[] Body { get; } = Load();

    /// <summary>Header lines (each ending CRLF) sent with the page.</summary>
    public static byte[] Headers { get; } = Encoding.ASCII.GetBytes(
        "Content-Security-Policy: " + ContentSecurityPolicy(Encoding.UTF8.GetString(Body)) + "\r\n"
        + "X-Content-Type-Options: nosniff\r\n"
        + "X-Frame-Options: DENY\r\n"
        + "Referrer-Policy: no-referrer\r\n");

    /// <summary>
    /// Allows exactly the page's inline script and style; fetches go to this origin only; no frames, forms,
    /// plugins or base changes. The empty data: favicon keeps browsers from requesting /favicon.ico.
    /// </summary>
    public static string ContentSecurityPolicy(string html) =>
        "default-src 'none'; "
        + $"script-src '{Hash(Between(html, "<script>", "</script>"))}'; "
        + $"style-src '{Hash(Between(html, "<style>", "</style>"))}'; "
        + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(Digest.Sha256(Encoding.UTF8.GetBytes(text)));

    private static string Between(string html, string open, string close)
    {
        var start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        var end = html.IndexOf(close, start, StringComparison.Ordinal);
        return html[start..end];
    }

    private static byte[] Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
