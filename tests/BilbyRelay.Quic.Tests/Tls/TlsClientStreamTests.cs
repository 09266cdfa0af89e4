using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace BilbyRelay.Quic.Tests.Tls;

/// <summary>
/// The GnuTLS client stream against .NET's own TLS server (SslStream over OpenSSL): handshakes with both TLS
/// versions, bytes both ways, one reader and one writer at once, the server's close, and what the caller learns
/// about the certificate.
/// </summary>
public sealed class TlsClientStreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_ThenBytesBothWays_ArriveExactly(SslProtocols protocol)
    {
        await using var pair = await TlsPair.StartAsync(protocol);
        var toServer = RandomBytes(300_000);
        var toClient = RandomBytes(200_000);

        var serverSide = Task.Run(async () =>
        {
            var received = await ReadExactlyAsync(pair.Server, toServer.Length);
            await pair.Server.WriteAsync(toClient);
            return received;
        });
        await pair.Client.WriteAsync(toServer);
        var atClient = await ReadExactlyAsync(pair.Client, toClient.Length);

        Assert.Equal(toServer, await serverSide.WaitAsync(Timeout));
        Assert.Equal(toClient, atClient);
        Assert.Equal(protocol, pair.ServerProtocol);
    }

    [Fact]
    public async Task OneReaderAndOneWriterAtOnce_BothStreamsArriveInOrder()
    {
        await using var pair = await TlsPair.StartAsync(SslProtocols.Tls13);
        const int Chunks = 400;
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            int read;
            while ((read = await pair.Server.ReadAsync(buffer)) > 0)
            {
                await pair.Server.WriteAsync(buffer.AsMemory(0, read));
            }

            pair.Server.Close();
        });

        var sent = RandomBytes(Chunks * 1000);
        var reader = Task.Run(() => ReadExactlyAsync(pair.Client, sent.Length));
        for (var i = 0; i < Chunks; i++)
        {
            await pair.Client.WriteAsync(sent.AsMemory(i * 1000, 1000));
        }

        Assert.Equal(sent, await reader.WaitAsync(Timeout));
        pair.CloseClientSocketForWriting();
        await echo.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ServerCloses_ReadReturnsZero()
    {
        await using var pair = await TlsPair.StartAsync(SslProtocols.Tls13);
        await pair.Server.WriteAsync(new byte[] { 1, 2, 3 });
        await pair.Server.ShutdownAsync();
        pair.Server.Close();

        Assert.Equal([1, 2, 3], await ReadExactlyAsync(pair.Client, 3));
        Assert.Equal(0, await pair.Client.ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task PeerCertificate_IsTheServersLeaf_AndItsChainIsNotTrustedWithoutACa()
    {
        await using var pair = await TlsPair.StartAsync(SslProtocols.Tls13, loadSystemTrust: true);

        Assert.Equal(pair.Certificate.RawData, pair.Client.PeerCertificate());
        var problem = pair.Client.VerifyPeer("localhost");
        Assert.NotNull(problem);
        Assert.Contains("not signed by a trusted authority", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusesTheHandshake_ConnectFailsWithTheReason()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        var server = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptSocketAsync();
            var hello = new byte[1024];
            _ = await accepted.ReceiveAsync(hello);

            // A TLS 1.2 record carrying a fatal handshake_failure alert.
            await accepted.SendAsync(new byte[] { 21, 3, 3, 0, 2, 2, 40 });
        });

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        var failure = await Assert.ThrowsAsync<IOException>(
            () => TlsClientStream.ConnectAsync(socket, "localhost", serverNameIsDns: true, loadSystemTrust: false, CancellationToken.None).WaitAsync(Timeout));

        Assert.Contains("handshake", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Handshake failed", failure.Message, StringComparison.Ordinal);
        await server.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ServerClosesDuringTheHandshake_ConnectFailsAndSaysSo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptSocketAsync();
            _ = await accepted.ReceiveAsync(new byte[1024]);
        });

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var failure = await Assert.ThrowsAsync<IOException>(
            () => TlsClientStream.ConnectAsync(socket, "localhost", serverNameIsDns: true, loadSystemTrust: false, CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal("the server closed the connection during the TLS handshake", failure.Message);
        await server.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Disposed_ReadAndWriteThrowObjectDisposed()
    {
        var pair = await TlsPair.StartAsync(SslProtocols.Tls13);
        await pair.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pair.Client.ReadAsync(new byte[4]).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pair.Client.WriteAsync(new byte[4]).AsTask());
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        return buffer;
    }

    /// <summary>A loopback TCP connection with an SslStream server on one end and the GnuTLS client on the other.</summary>
    private sealed class TlsPair : IAsyncDisposable
    {
        private readonly Socket _clientSocketView;

        private TlsPair(TlsClientStream client, SslStream server, X509Certificate2 certificate, Socket clientSocketView)
        {
            Client = client;
            Server = server;
            Certificate = certificate;
            _clientSocketView = clientSocketView;
        }

        public TlsClientStream Client { get; }

        public SslStream Server { get; }

        public X509Certificate2 Certificate { get; }

        public SslProtocols ServerProtocol => Server.SslProtocol;

        public static async Task<TlsPair> StartAsync(SslProtocols protocol, bool loadSystemTrust = false)
        {
            var certificate = CreateCertificate();
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var accept = listener.AcceptSocketAsync();
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            var server = new SslStream(new NetworkStream(await accept, ownsSocket: true));
            var serverHandshake = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = protocol,
            });
            var client = await TlsClientStream.ConnectAsync(socket, "localhost", serverNameIsDns: true, loadSystemTrust, CancellationToken.None).WaitAsync(Timeout);
            await serverHandshake.WaitAsync(Timeout);
            return new TlsPair(client, server, certificate, socket);
        }

        public void CloseClientSocketForWriting() => _clientSocketView.Shutdown(SocketShutdown.Send);

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            Certificate.Dispose();
        }

        private static X509Certificate2 CreateCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

            // SslStream on Linux needs the key in an exportable, persisted form.
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        }
    }
}
