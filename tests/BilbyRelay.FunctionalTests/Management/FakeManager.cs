using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// A scriptable bilbycast manager: Kestrel on 127.0.0.1 (ephemeral port) with HTTPS from a
/// self-signed certificate, a WebSocket endpoint at <c>/ws</c>. Each accepted WebSocket becomes a
/// <see cref="FakeManagerConnection"/> the test drives message by message (nothing is read from a
/// connection unless the test asks, so a test can also stop reading to stall the relay's sends).
/// </summary>
internal sealed class FakeManager : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<FakeManagerConnection> _accepted = Channel.CreateUnbounded<FakeManagerConnection>();
    private readonly List<FakeManagerConnection> _all = [];

    private FakeManager(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
        Fingerprint = TestCertificates.Fingerprint(certificate);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate's SHA-256 in <c>cert_fingerprint</c> format.</summary>
    public string Fingerprint { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>WebSocket connections accepted so far.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_all)
            {
                return _all.Count;
            }
        }
    }

    public static async Task<FakeManager> StartAsync()
    {
        var certificate = TestCertificates.CreateSelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var manager = new FakeManager(app, certificate);
        app.UseWebSockets();
        app.Map("/ws", manager.AcceptAsync);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        manager.Url = new Uri($"wss://127.0.0.1:{new Uri(address).Port}/ws");
        return manager;
    }

    /// <summary>The next WebSocket connection the relay opens.</summary>
    public async Task<FakeManagerConnection> NextConnectionAsync(TimeSpan? timeout = null) =>
        await _accepted.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TestTimeouts.Default);

    /// <summary>
    /// The next connection, authenticated with <c>auth_ok</c>, once the relay has reported
    /// <c>Connected to manager</c> on it.
    /// </summary>
    public async Task<FakeManagerConnection> NextAuthenticatedConnectionAsync()
    {
        var connection = await NextConnectionAsync();
        await connection.AcceptAuthAsync();
        await connection.ReceiveEventAsync("Connected to manager");
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        FakeManagerConnection[] connections;
        lock (_all)
        {
            connections = [.. _all];
        }

        foreach (var connection in connections)
        {
            connection.Abort();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeManagerConnection(socket);
        lock (_all)
        {
            _all.Add(connection);
        }

        _accepted.Writer.TryWrite(connection);

        // Kestrel ends the WebSocket when this handler returns: hold it until the test is done with it.
        await connection.Finished;
    }
}
