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

        var libraries = await relay.MappedLibrariesAsync();
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

    [Fact]
    public async Task PublishedBinary_AfterStart_HoldsNoPageOfItsCompressedRuntimeData()
    {
        await using var relay = await PublishedRelay.StartAsync(new Dictionary<string, string> { ["BILBYRELAY_LOG_LEVEL"] = "debug" });

        var line = await relay.WaitForLogLineAsync(l => l.Contains("hosting[1016]", StringComparison.Ordinal));
        var released = ReleasedRangeLine().Match(line);
        Assert.True(released.Success, line);
        var start = Convert.ToUInt64(released.Groups["start"].Value, 16);
        var end = Convert.ToUInt64(released.Groups["end"].Value, 16);
        Assert.True(end - start >= 512 * 1024, $"released only {end - start} bytes: {line}");

        // The range lies in the executable's read-only mapping, and none of its pages is mapped any more.
        var executable = new FileInfo($"/proc/{relay.ProcessId}/exe").LinkTarget;
        var mapping = (await File.ReadAllLinesAsync($"/proc/{relay.ProcessId}/maps")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[1] == "r--p" && f[5] == executable)
            .Select(f => f[0].Split('-').Select(a => Convert.ToUInt64(a, 16)).ToArray())
            .SingleOrDefault(r => r[0] <= start && end <= r[1]);
        Assert.True(mapping is not null, $"0x{start:x}-0x{end:x} is not inside a read-only mapping of {executable}");
        Assert.Equal(0, PresentPages(relay.ProcessId, start, end));

        using var health = await Http.GetAsync(new Uri($"http://{relay.ApiEndpoint}/health"), TestTimeouts.Token());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Pages of [start, end) that are mapped in the process, from the present bit of <c>/proc/pid/pagemap</c>.</summary>
    private static int PresentPages(int processId, ulong start, ulong end)
    {
        var page = (ulong)Environment.SystemPageSize;
        using var pagemap = File.OpenHandle($"/proc/{processId}/pagemap");
        var entries = new byte[(int)((end - start) / page) * 8];
        Assert.Equal(entries.Length, RandomAccess.Read(pagemap, entries, (long)(start / page * 8)));
        var present = 0;
        for (var i = 0; i < entries.Length; i += 8)
        {
            present += (int)(BitConverter.ToUInt64(entries, i) >> 63);
        }

        return present;
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

    [GeneratedRegex(@"at 0x(?<start>[0-9a-f]+)-0x(?<end>[0-9a-f]+)")]
    private static partial Regex ReleasedRangeLine();

    [GeneratedRegex(@"certificate SHA-256 (?<sha256>([0-9a-f]{2}:){31}[0-9a-f]{2})")]
    private static partial Regex CertificateFingerprintLine();
}
