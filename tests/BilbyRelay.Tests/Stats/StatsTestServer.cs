using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Stats;

namespace BilbyRelay.Tests.Stats;

/// <summary>A started <see cref="StatsServer"/> on an ephemeral loopback port, with client helpers.</summary>
internal sealed class StatsTestServer : IAsyncDisposable
{
    public const string Token = "s3cret-token";

    private StatsTestServer(StatsServer server, FakeStatsSource source)
    {
        Server = server;
        Source = source;
    }

    public StatsServer Server { get; }

    public FakeStatsSource Source { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    public Uri BaseAddress => new($"http://{EndPoint}/");

    public static async Task<StatsTestServer> StartAsync(Func<StatsServerOptions, StatsServerOptions>? configure = null, FakeStatsSource? source = null)
    {
        var options = new StatsServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Version = "9.8.7-test",
        };
        options = configure?.Invoke(options) ?? options;
        source ??= new FakeStatsSource();
        var server = new StatsServer(options, source, Logger.Null);
        await server.StartAsync(CancellationToken.None);
        return new StatsTestServer(server, source);
    }

    /// <summary>Configures the test bearer token.</summary>
    public static StatsServerOptions WithToken(StatsServerOptions options) => options with { ApiToken = Token };

    public HttpClient CreateClient(string? bearerToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    public Task<RawHttpConnection> ConnectRawAsync() => RawHttpConnection.ConnectAsync(EndPoint);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
