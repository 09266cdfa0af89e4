using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// systemd socket activation against the published binary: a launcher binds the sockets, passes them as descriptors
/// 3 (UDP) and 4 (TCP) with LISTEN_PID/LISTEN_FDS and execs the relay, which must serve on exactly those sockets.
/// </summary>
public sealed partial class PublishedBinarySocketActivationTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    private readonly TempFilesDirectory _dir = new();
    private readonly string _launcher;

    public PublishedBinarySocketActivationTests()
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Infrastructure", "socket-activation-launcher.c"));
        _launcher = CProgram.Compile(source, _dir.Path, "socket-activation-launcher");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PublishedBinary_SocketActivation_ServesHealthAndTunnelsOnThePassedSockets()
    {
        await using var relay = await PublishedRelay.StartThroughAsync(_launcher, "--quic-addr", "@udp", "--api-addr", "@tcp", "--quic-threads", "2");
        var passed = LauncherLine().Match(await relay.WaitForLogLineAsync(line => line.StartsWith("launcher: ", StringComparison.Ordinal)));
        Assert.True(passed.Success, relay.Log);
        var udp = IPEndPoint.Parse(passed.Groups["udp"].Value);
        var tcp = IPEndPoint.Parse(passed.Groups["tcp"].Value);

        // The relay serves on the passed addresses, through the passed sockets, and bound no socket of its own there.
        Assert.Equal(udp, relay.Endpoint);
        Assert.Equal(tcp, relay.ApiEndpoint);
        Assert.Contains($"Using inherited socket (descriptor 3) for UDP (QUIC) {udp}", relay.Log, StringComparison.Ordinal);
        Assert.Contains($"Using inherited socket (descriptor 4) for TCP (stats) {tcp}", relay.Log, StringComparison.Ordinal);
        Assert.Contains($"UDP {udp} is served by one QUIC loop on its inherited socket", relay.Log, StringComparison.Ordinal);
        Assert.Equal($"socket:[{passed.Groups["udpInode"].Value}]", new FileInfo($"/proc/{relay.ProcessId}/fd/3").LinkTarget);
        Assert.Equal($"socket:[{passed.Groups["tcpInode"].Value}]", new FileInfo($"/proc/{relay.ProcessId}/fd/4").LinkTarget);
        Assert.Equal([passed.Groups["udpInode"].Value], SocketInodesOnPort(relay.ProcessId, "udp", udp.Port));
        Assert.Equal([passed.Groups["tcpInode"].Value], SocketInodesOnPort(relay.ProcessId, "tcp", tcp.Port));

        using (var health = await Http.GetAsync(new Uri($"http://{tcp}/health"), TestTimeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var pair = await TunnelPair.BindAsync(udp, "tcp");
        try
        {
            var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
            var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
            var write = Task.Run(() => TestPayload.WriteAsync(opened.Output, seed: 70, 256 * 1024));
            var read = Task.Run(() => TestPayload.ReadToEndAsync(accepted.Stream.Input));
            await Task.WhenAll(write, read).WaitAsync(TestTimeouts.Default);
            Assert.Equal(256 * 1024, (await read).Length);
            Assert.Equal(await write, (await read).Sha256);
        }
        finally
        {
            await pair.DisposeAsync();
        }

        var exitCode = await relay.TerminateAsync();
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; log:\n{relay.Log}");
    }

    [Fact]
    public async Task PublishedBinary_SocketActivation_PassedSocketMatchingNoAddress_ExitsWithConfigError()
    {
        var start = new ProcessStartInfo(_launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[PublishedRelay.FindBinary(), "--quic-addr", "127.0.0.1:0", "--api-addr", "@tcp", "--log-format", "text"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestTimeouts.Token());
        var errors = process.StandardError.ReadToEndAsync(TestTimeouts.Token());
        await process.WaitForExitAsync(TestTimeouts.Token());
        var log = await output + await errors;

        Assert.True(process.ExitCode == 2, $"exit code {process.ExitCode}; log:\n{log}");
        var udp = LauncherLine().Match(log).Groups["udp"].Value;
        Assert.Contains(
            $"Cannot use the inherited sockets: inherited descriptor 3 ('quic') is bound to UDP {udp}, which is not in quic_addrs (127.0.0.1:0)",
            log,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Relay ready", log, StringComparison.Ordinal);
    }

    // Inodes of the sockets in the relay's network namespace bound to a local port (TCP: listening ones only).
    private static List<string> SocketInodesOnPort(int processId, string protocol, int port)
    {
        var portHex = port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadAllLines($"/proc/{processId}/net/{protocol}")
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[1].EndsWith(":" + portHex, StringComparison.Ordinal) && (protocol == "udp" || f[3] == "0A"))
            .Select(f => f[9])
            .ToList();
    }

    [GeneratedRegex(@"launcher: udp (?<udp>\S+) inode (?<udpInode>\d+) tcp (?<tcp>\S+) inode (?<tcpInode>\d+)")]
    private static partial Regex LauncherLine();
}
