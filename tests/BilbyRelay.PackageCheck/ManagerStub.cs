using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.PackageCheck;

/// <summary>
/// The smallest bilbycast manager that registers a relay: wss on an ephemeral port with a fresh self-signed
/// certificate (the relay pins it with cert_fingerprint). A relay authenticating with a registration token
/// gets <c>register_ack</c> with <see cref="NodeId"/>/<see cref="NodeSecret"/>; one authenticating with those
/// credentials gets <c>auth_ok</c>. Each authentication is printed as one line on stdout, for the calling
/// script to wait on:
/// <code>
/// LISTENING wss://IP:PORT/ws FINGERPRINT
/// REGISTERED token=TOKEN
/// AUTHENTICATED node_id=ID secret=ok|wrong
/// </code>
/// </summary>
internal static class ManagerStub
{
    public const string NodeId = "package-check-node";
    public const string NodeSecret = "package-check-secret";

    public static async Task RunAsync(IPAddress address, TextReader stdin)
    {
        using var certificate = CreateCertificate();
        var fingerprint = string.Join(':', Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)).Chunk(2).Select(p => new string(p)));
        var listener = new TcpListener(address, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        Console.WriteLine($"LISTENING wss://{endpoint}/ws {fingerprint}");
        using var stop = new CancellationTokenSource();
        var accepting = AcceptAsync(listener, certificate, stop.Token);
        await stdin.ReadToEndAsync();
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
    }

    private static async Task AcceptAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(ct);
                connections.Add(ServeAsync(client, certificate, ct));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped by the caller.
        }

        await Task.WhenAll(connections.Select(c => c.ContinueWith(static _ => { }, TaskScheduler.Default)));
    }

    private static async Task ServeAsync(TcpClient client, X509Certificate2 certificate, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, ct);
            await UpgradeAsync(tls, ct);
            using var socket = WebSocket.CreateFromStream(tls, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var auth = await ReceiveAsync(socket, ct);
            var payload = auth.RootElement.GetProperty("payload");
            if (payload.TryGetProperty("registration_token", out var token))
            {
                await SendAsync(socket, $$$"""{"type":"register_ack","timestamp":"{{{Now()}}}","payload":{"node_id":"{{{NodeId}}}","node_secret":"{{{NodeSecret}}}"}}""", ct);
                Console.WriteLine($"REGISTERED token={token.GetString()}");
            }
            else
            {
                var id = payload.GetProperty("node_id").GetString();
                var secretOk = payload.GetProperty("node_secret").GetString() == NodeSecret;
                await SendAsync(socket, $$$"""{"type":"auth_ok","timestamp":"{{{Now()}}}","payload":{}}""", ct);
                Console.WriteLine($"AUTHENTICATED node_id={id} secret={(secretOk ? "ok" : "wrong")}");
            }

            // Take whatever the relay reports (health, stats, events) until it goes away.
            while (socket.State == WebSocketState.Open)
            {
                (await ReceiveAsync(socket, ct)).Dispose();
            }
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or JsonException or KeyNotFoundException or System.Security.Authentication.AuthenticationException)
        {
            // A relay that restarts drops its connection; the next one is served afresh.
        }
    }

    /// <summary>Answers the HTTP/1.1 WebSocket upgrade request (RFC 6455 section 4.2).</summary>
    private static async Task UpgradeAsync(Stream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, ct) == 0 || head.Length > 16384)
            {
                throw new IOException("no complete upgrade request");
            }

            head.Append((char)one[0]);
        }

        var key = head.ToString().Split("\r\n")
            .Select(line => line.Split(':', 2))
            .First(parts => parts.Length == 2 && parts[0].Trim().Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))[1].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
    }

    private static async Task<JsonDocument> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        using var message = new MemoryStream();
        var buffer = new byte[16384];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("closed");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray());
            }
        }
    }

    private static Task SendAsync(WebSocket socket, string json, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=package-check-manager", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the TLS stack gets a persisted private key.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }
}
