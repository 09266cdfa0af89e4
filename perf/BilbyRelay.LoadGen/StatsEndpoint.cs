using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BilbyRelay.LoadGen;

/// <summary>
/// The relay's stats endpoint spoken as plain HTTP/1.1, one connection per request (<c>Connection: close</c>), so
/// the answer is whatever arrives until the relay closes: no client library whose own behaviour enters a figure.
/// </summary>
internal static class StatsEndpoint
{
    public static byte[] Request(string path) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n");

    /// <summary>
    /// Every sample of <c>GET /metrics</c> as <c>name{labels}</c> → value (an empty map when the relay did not answer
    /// 200 within <paramref name="timeout"/>, e.g. because it is gone).
    /// </summary>
    public static async Task<Dictionary<string, double>> ScrapeMetricsAsync(IPEndPoint api, TimeSpan timeout)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var response = new MemoryStream();
        try
        {
            await socket.ConnectAsync(api, cts.Token).ConfigureAwait(false);
            await socket.SendAsync(Request("/metrics"), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false)) > 0)
            {
                response.Write(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return samples;
        }

        var text = Encoding.UTF8.GetString(response.GetBuffer(), 0, (int)response.Length);
        var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || bodyStart < 0)
        {
            return samples;
        }

        foreach (var line in text[(bodyStart + 4)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "name{label="value"} 123": label values hold no spaces in this relay's output, so the last space splits.
            var space = line.LastIndexOf(' ');
            if (line.StartsWith('#') || space <= 0)
            {
                continue;
            }

            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                samples[line[..space]] = value;
            }
        }

        return samples;
    }
}
