using System.Text;
using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>The published binary writes the structured event log file, rotating it by size, with no manager configured.</summary>
public sealed class PublishedBinaryEventLogTests : IDisposable
{
    private const int OneMebibyte = 1024 * 1024;
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PublishedBinary_WritesEventsAsJsonLines_AndRotatesTheFile()
    {
        // An earlier run left the file a few bytes short of max_size_mb: the relay's first event must rotate it.
        var path = Path.Combine(_dir.Path, "events.json");
        var filler = new string('x', OneMebibyte - 11) + "\n";
        await File.WriteAllTextAsync(path, filler);

        await using var relay = await PublishedRelay.StartAsync(new Dictionary<string, string>
        {
            ["BILBYRELAY_LOGGING_JSON_TARGET_KIND"] = "file",
            ["BILBYRELAY_LOGGING_JSON_TARGET_FORMAT"] = "splunk",
            ["BILBYRELAY_LOGGING_JSON_TARGET_PATH"] = path,
            ["BILBYRELAY_LOGGING_JSON_TARGET_MAX_SIZE_MB"] = "1",
            ["BILBYRELAY_LOGGING_JSON_TARGET_MAX_BACKUPS"] = "1",
        });
        var pair = await TunnelPair.BindAsync(relay.Endpoint, "tcp");
        var tunnelId = pair.TunnelId.ToString("D");
        await pair.DisposeAsync();

        // Two edges connected, the tunnel came up, went down with its edges, and both edges left.
        await Polling.UntilAsync(
            () => ReadEvents(path).Count(e => e.GetProperty("message").GetString()!.StartsWith("Edge disconnected from ", StringComparison.Ordinal)) == 2,
            TestTimeouts.Default,
            () => $"two 'Edge disconnected' events in {path}; it holds:\n{SafeRead(path)}\nrelay log:\n{relay.Log}");

        Assert.Equal(filler, await File.ReadAllTextAsync(path + ".1"));
        var events = ReadEvents(path);
        Assert.Equal(2, events.Count(e => e.GetProperty("error_code").GetString() == "relay_edge_connected"));
        var active = Assert.Single(events, e => e.GetProperty("message").GetString() == EventMessages.TunnelActive);
        Assert.Equal(tunnelId, active.GetProperty("flow_id").GetString());
        Assert.Equal("tunnel", active.GetProperty("category").GetString());
        Assert.Equal("info", active.GetProperty("level").GetString());
        Assert.Equal("relay", active.GetProperty("source").GetString());
        Assert.Equal(Environment.MachineName, active.GetProperty("host").GetString());
        Assert.Equal(Environment.MachineName, active.GetProperty("relay_id").GetString());
        Assert.False(string.IsNullOrEmpty(active.GetProperty("software_version").GetString()));

        var metrics = await Http.GetStringAsync(new Uri($"http://{relay.ApiEndpoint}/metrics"), TestTimeouts.Token());
        Assert.Contains("\nbilbycast_relay_event_log_dropped_total 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\nbilbycast_relay_event_log_write_errors_total 0\n", metrics, StringComparison.Ordinal);

        var exitCode = await relay.TerminateAsync();
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; log:\n{relay.Log}");
        Assert.DoesNotContain("x", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    /// <summary>Each line of the file as the object inside Splunk's <c>{"event": ...}</c>; every line must be whole JSON.</summary>
    private static List<JsonElement> ReadEvents(string path)
    {
        var events = new List<JsonElement>();
        foreach (var line in SafeRead(path).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            events.Add(document.RootElement.GetProperty("event").Clone());
        }

        return events;
    }

    private static string SafeRead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
