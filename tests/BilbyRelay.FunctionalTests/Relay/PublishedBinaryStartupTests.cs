using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// What start-up of the published binary promises: readiness means both listeners are bound, and a relay without a
/// manager link never loads OpenSSL (GnuTLS makes the certificate, its fingerprint and the api_token digest).
/// </summary>
public sealed partial class PublishedBinaryStartupTests
{
    private const int QuicAddressCount = 24;

    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    [Fact]
    public async Task PublishedBinary_WithoutManager_ServesWithoutMappingOpenSsl()
    {
        const string apiToken = "startup-test-token";
        await using var relay = await PublishedRelay.StartAsync(new Dictionary<string, string> { ["BILBYRELAY_API_TOKEN"] = apiToken });

        // Serve once on each listener, so whatever the first handshake and the first request need is loaded.
        var fingerprint = CertificateFingerprintLine().Match(relay.Log);
        Assert.True(fingerprint.Success, $"no certificate fingerprint in the log:\n{relay.Log}");
        await using (var edge = await QuicConnection.ConnectAsync(
            new QuicClientOptions
            {
                RemoteEndPoint = relay.Endpoint,
                Alpn = "bilbycast-relay",
                SkipCertificateValidation = false,
                PinnedCertificateSha256 = fingerprint.Groups["sha256"].Value,
            },
            TestTimeouts.Token()))
        {
            Assert.Equal("bilbycast-relay", edge.NegotiatedAlpn);
        }

        using (var health = await Http.GetAsync(new Uri($"http://{relay.ApiEndpoint}/health"), TestTimeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var metrics = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{relay.ApiEndpoint}/metrics")))
        {
            metrics.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
            using var response = await Http.SendAsync(metrics, TestTimeouts.Token());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var maps = await File.ReadAllLinesAsync($"/proc/{relay.ProcessId}/maps");
        var libraries = maps.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6).Select(f => Path.GetFileName(f[5])).Distinct().ToList();
        Assert.Contains(libraries, name => name.StartsWith("libgnutls.so", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, name => name.StartsWith("libssl.so", StringComparison.Ordinal) || name.StartsWith("libcrypto.so", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishedBinary_FirstHealthOk_ComesOnlyOnceEveryQuicPortIsBound()
    {
        // Many QUIC addresses (a socket and a loop thread each) make binding them take a while, so answering
        // /health before they are all bound could not go unnoticed.
        var quic = DistinctFreeUdpPorts(QuicAddressCount).Select(port => new IPEndPoint(IPAddress.Loopback, port)).ToList();
        var api = new IPEndPoint(IPAddress.Loopback, FreeTcpPort());

        // Polling starts before the process does, so the very first 200 is seen; the QUIC ports are probed at once.
        using var stop = new CancellationTokenSource(TestTimeouts.Default);
        var firstOk = Task.Factory.StartNew(() => FreeQuicPortsAtFirstHealthOk(api, quic, stop.Token), TaskCreationOptions.LongRunning);
        await using var relay = await PublishedRelay.StartAsync("--quic-addrs", string.Join(',', quic), "--api-addr", api.ToString());

        var stillFree = await firstOk.WaitAsync(TestTimeouts.Default);
        Assert.True(stillFree.Count == 0, $"/health answered 200 while UDP {string.Join(", ", stillFree)} was not bound yet; log:\n{relay.Log}");
    }

    /// <summary>Polls <c>GET /health</c> until the first 200, then returns those of <paramref name="quic"/> nobody holds.</summary>
    private static List<IPEndPoint> FreeQuicPortsAtFirstHealthOk(IPEndPoint api, List<IPEndPoint> quic, CancellationToken stop)
    {
        var request = Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n\r\n");
        var response = new byte[64];
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(api);
                client.Send(request);
                var read = client.Receive(response);
                if (Encoding.ASCII.GetString(response, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                {
                    return quic.Where(endPoint => !IsUdpPortTaken(endPoint)).ToList();
                }
            }
            catch (SocketException)
            {
                // Not listening yet, or the connection was cut while starting: ask again.
            }

            Thread.Yield();
        }
    }

    /// <summary>Binding the same address succeeds only while nobody holds it (the relay's socket does not share with this one).</summary>
    private static bool IsUdpPortTaken(IPEndPoint endPoint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Bind(endPoint);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }

    /// <summary>Holds every probe socket until all are bound, so the kernel cannot hand out the same port twice.</summary>
    private static List<int> DistinctFreeUdpPorts(int count)
    {
        var probes = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                probes.Add(probe);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return probes.Select(probe => ((IPEndPoint)probe.LocalEndPoint!).Port).ToList();
        }
        finally
        {
            probes.ForEach(probe => probe.Dispose());
        }
    }

    private static int FreeTcpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"certificate SHA-256 (?<sha256>([0-9a-f]{2}:){31}[0-9a-f]{2})")]
    private static partial Regex CertificateFingerprintLine();
}
