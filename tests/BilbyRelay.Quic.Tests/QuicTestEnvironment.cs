using System.Net;

namespace BilbyRelay.Quic.Tests;

/// <summary>Loopback listener/client factories shared by the engine tests.</summary>
internal static class QuicTestEnvironment
{
    internal const string Alpn = "bilbycast-relay";

    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal static QuicListener StartListener(Action<QuicServerOptions>? configure = null, IPAddress? address = null)
    {
        var options = new QuicServerOptions
        {
            ListenEndPoints = [new IPEndPoint(address ?? IPAddress.Loopback, 0)],
            Alpn = Alpn,
        };
        configure?.Invoke(options);
        return QuicListener.Start(options);
    }

    internal static QuicClientOptions ClientOptions(QuicListener listener, Action<QuicClientOptions>? configure = null)
    {
        var options = new QuicClientOptions
        {
            RemoteEndPoint = listener.LocalEndPoints[0],
            Alpn = Alpn,
            SkipCertificateValidation = true,
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Connects a client and returns it with the server side of the same connection.</summary>
    internal static async Task<(QuicConnection Client, QuicConnection Server)> ConnectPairAsync(
        QuicListener listener, Action<QuicClientOptions>? configure = null)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var accept = listener.AcceptConnectionAsync(cts.Token).AsTask();
        var client = await QuicConnection.ConnectAsync(ClientOptions(listener, configure), cts.Token);
        var server = await accept;
        return (client, server);
    }
}
