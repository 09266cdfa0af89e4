using System.Globalization;

namespace BilbyRelay.ChaosCheck;

/// <summary>Reads one figure from the relay's <c>/metrics</c> (the stats endpoint is outside the impaired path).</summary>
internal sealed class RelayMetrics(Uri api) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = api, Timeout = TimeSpan.FromSeconds(5) };

    public Task<long> EdgesConnectedAsync(CancellationToken ct) => SumAsync("bilbycast_relay_edges_connected", ct);

    /// <summary>Datagrams the relay dropped instead of forwarding, every reason together.</summary>
    public Task<long> DatagramDropsAsync(CancellationToken ct) => SumAsync("bilbycast_relay_datagram_drops_total", ct);

    /// <summary>The sum of every sample of <paramref name="family"/> (all label sets).</summary>
    private async Task<long> SumAsync(string family, CancellationToken ct)
    {
        var text = await _http.GetStringAsync("/metrics", ct).ConfigureAwait(false);
        long sum = 0;
        bool found = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(family, StringComparison.Ordinal) && line.Length > family.Length && line[family.Length] is ' ' or '{')
            {
                sum += long.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture);
                found = true;
            }
        }

        return found || family.EndsWith("_total", StringComparison.Ordinal)
            ? sum
            : throw new InvalidOperationException($"/metrics has no {family}");
    }

    /// <summary>Seconds until the relay counts <paramref name="edges"/> edges, polling every 100 ms; null when <paramref name="limit"/> passes first.</summary>
    public async Task<double?> SecondsUntilEdgesAsync(long edges, TimeSpan limit, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (await EdgesConnectedAsync(ct).ConfigureAwait(false) == edges)
            {
                return watch.Elapsed.TotalSeconds;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        return null;
    }

    public void Dispose() => _http.Dispose();
}
