using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BilbyRelay.LoadGen.Operator;

namespace BilbyRelay.LoadGen;

/// <summary>
/// <c>native-udp</c>: media datagrams through the relay's native UDP plane against the same traffic through a
/// trivial forwarder (one <c>recvfrom</c> and one <c>sendto</c> per datagram, no session logic) and a batched one
/// (<see cref="BatchedUdpForwarder"/>, the floor under the relay's own batched I/O). One sender edge and
/// one receiver edge on their own loopback addresses; the sender keeps at most <c>--window</c> datagrams in flight,
/// so the figure is what the forwarder sustains, not how much the kernel drops. With <c>--kernel-baseline</c> (root, in
/// a network namespace of its own: it adds an nftables table there) a third path forwards in the kernel alone: a DNAT
/// rule sends the sender's datagrams straight to the receiver, with no process in between. <c>--relay-threads N</c>
/// starts the relay with <c>--quic-threads N</c>. <c>--udp-relay HOST:PORT</c> measures a running relay's native plane
/// instead of starting one (its CPU only with <c>--relay-pid</c>; the forwarder, a local baseline, only when that
/// address is on this host's loopback). <c>--relay-only</c> leaves the forwarders out.
/// </summary>
public static class NativeUdpScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var report = await MeasureAsync(options);
        Console.WriteLine(report.ToJsonLine());
        return 0;
    }

    public static async Task<RunReport> MeasureAsync(Options options)
    {
        var size = options.Int("size", 1316);
        var seconds = double.Parse(options.Get("seconds", "10"), System.Globalization.CultureInfo.InvariantCulture);
        var window = options.Int("window", 256);
        var runningRelay = options.Get("udp-relay") is { } address ? await RelayTarget.ResolveAsync(address, CancellationToken.None) : null;
        var binary = options.Get("relay-bin") ?? Environment.GetEnvironmentVariable("BILBYRELAY_BIN") ?? "out/bilbyrelay";
        if (runningRelay is null && !File.Exists(binary))
        {
            throw new ArgumentException($"relay binary '{binary}' not found (--relay-bin PATH or BILBYRELAY_BIN, or --udp-relay HOST:PORT)");
        }

        var report = new RunReport { Command = "native-udp", Path = "relay" };
        Console.Error.WriteLine($"bilbyrelay-loadgen native-udp ({Environment.ProcessorCount} cores, load {report.LoadAverage}), {size}-byte datagrams, {seconds} s each");

        var local = runningRelay is null || IPAddress.IsLoopback(runningRelay.Address);
        if (local && !options.Has("relay-only"))
        {
            await MeasureForwarderAsync(report, "forwarder", [], size, seconds, window);
            await MeasureForwarderAsync(report, "batched", ["--batched"], size, seconds, window);
        }

        if (runningRelay is not null)
        {
            Func<double>? relayCpu = options.Has("relay-pid") ? () => ProcStats.CpuSeconds(options.Int("relay-pid", 0)) : null;
            await MeasureAsync(report, "relay", runningRelay, relayCpu, size, seconds, window);
            AddRatios(report);
            return report;
        }

        var relayPort = ChildProcess.FreePort(ProtocolType.Udp);
        var quic = ChildProcess.FreePort(ProtocolType.Udp);
        var api = ChildProcess.FreePort(ProtocolType.Tcp);
        string[] relayArguments = ["--quic-addr", $"127.0.0.1:{quic}", "--api-addr", $"127.0.0.1:{api}", "--udp-relay-addrs", $"127.0.0.1:{relayPort}"];
        if (options.Get("relay-threads") is { } threads)
        {
            relayArguments = [.. relayArguments, "--quic-threads", threads];
        }

        await using (var relay = ChildProcess.Start(binary, relayArguments))
        {
            await relay.WaitForLineAsync("Relay ready", TimeSpan.FromSeconds(30));
            await MeasureAsync(report, "relay", new IPEndPoint(IPAddress.Loopback, relayPort), relay.CpuSeconds, size, seconds, window);
        }

        if (options.Has("kernel-baseline"))
        {
            var kernelPort = ChildProcess.FreePort(ProtocolType.Udp);
            await MeasureAsync(report, "kernel", new IPEndPoint(IPAddress.Loopback, kernelPort), null, size, seconds, window, KernelForwarding(kernelPort));
            report.Add("native_udp_relay_to_kernel_ratio", report.Figures["native_udp_relay_dgram_per_s"] / report.Figures["native_udp_kernel_dgram_per_s"]);
        }

        AddRatios(report);
        return report;
    }

    private static async Task MeasureForwarderAsync(RunReport report, string name, string[] arguments, int size, double seconds, int window)
    {
        var port = ChildProcess.FreePort(ProtocolType.Udp);
        await using var forwarder = ChildProcess.StartSelf(["udp-forwarder", "--listen", $"127.0.0.1:{port}", .. arguments]);
        await forwarder.WaitForLineAsync("forwarding", TimeSpan.FromSeconds(30));
        await MeasureAsync(report, name, new IPEndPoint(IPAddress.Loopback, port), forwarder.CpuSeconds, size, seconds, window);
    }

    /// <summary>Relay against each forwarder, for the figures both paths have.</summary>
    private static void AddRatios(RunReport report)
    {
        var figures = report.Figures;
        foreach (var baseline in (string[])["forwarder", "batched"])
        {
            if (figures.TryGetValue($"native_udp_{baseline}_dgram_per_s", out var baselineRate))
            {
                report.Add($"native_udp_relay_to_{baseline}_ratio", figures["native_udp_relay_dgram_per_s"] / baselineRate);
            }

            if (figures.TryGetValue("native_udp_relay_cpu_us_per_dgram", out var relayCpu)
                && figures.TryGetValue($"native_udp_{baseline}_cpu_us_per_dgram", out var baselineCpu))
            {
                report.Add($"native_udp_relay_to_{baseline}_cpu_ratio", relayCpu / baselineCpu);
            }
        }
    }

    /// <summary>
    /// A forwarder with no session logic: the first two source addresses are the two ends. One <c>recvfrom</c> and one
    /// <c>sendto</c> per datagram, or with <c>--batched</c> the batched floor (<see cref="BatchedUdpForwarder"/>).
    /// </summary>
    public static int RunForwarder(Options options)
    {
        var listen = options.EndPoint("listen") ?? throw new ArgumentException("--listen ADDR is required");
        if (options.Has("batched"))
        {
            return BatchedUdpForwarder.Run(listen, at => Console.Error.WriteLine($"forwarding (batched) on {at}"), CancellationToken.None);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 32 * 1024 * 1024;
        socket.SendBufferSize = 32 * 1024 * 1024;
        socket.Bind(listen);
        Console.Error.WriteLine($"forwarding on {socket.LocalEndPoint}");
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        IPEndPoint? first = null, second = null;
        while (true)
        {
            var length = socket.ReceiveFrom(buffer, ref any);
            var from = (IPEndPoint)any;
            if (first is null || first.Equals(from))
            {
                first ??= new IPEndPoint(from.Address, from.Port);
                if (second is not null)
                {
                    socket.SendTo(buffer.AsSpan(0, length), second);
                }
            }
            else
            {
                second ??= new IPEndPoint(from.Address, from.Port);
                if (second.Equals(from))
                {
                    socket.SendTo(buffer.AsSpan(0, length), first);
                }
            }
        }
    }

    /// <summary>
    /// Installs a DNAT rule for datagrams to 127.0.0.1:<paramref name="port"/> towards the receiver (the rule is
    /// removed when the table is deleted at the end of the measurement). Runs <c>nft</c>; needs CAP_NET_ADMIN.
    /// </summary>
    private static Func<Socket, Func<Task>> KernelForwarding(int port) => receiver =>
    {
        var to = (IPEndPoint)receiver.LocalEndPoint!;
        Nft("add table ip bilbyrelay_loadgen");
        Nft("add chain ip bilbyrelay_loadgen out { type nat hook output priority -100 ; }");
        Nft($"add rule ip bilbyrelay_loadgen out ip daddr 127.0.0.1 udp dport {port} dnat to {to}");
        return () =>
        {
            Nft("delete table ip bilbyrelay_loadgen");
            return Task.CompletedTask;
        };
    };

    private static void Nft(string command)
    {
        var start = new ProcessStartInfo("nft") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in command.Split(' '))
        {
            start.ArgumentList.Add(word);
        }

        using var nft = Process.Start(start) ?? throw new InvalidOperationException("cannot start nft");
        var error = nft.StandardError.ReadToEnd();
        nft.WaitForExit();
        if (nft.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft {command} failed ({nft.ExitCode}): {error.Trim()}; --kernel-baseline needs root in a network namespace of its own (unshare -n)");
        }
    }

    /// <param name="forwarderCpu">CPU seconds used so far by what forwards; null for the kernel path (its work is done in
    /// the sender's and receiver's system calls) and for a running relay given without its pid.</param>
    /// <param name="kernelPath">For the kernel path: sets up forwarding to the receiver socket (no registers) and
    /// returns its removal.</param>
    private static async Task MeasureAsync(RunReport report, string name, IPEndPoint target, Func<double>? forwarderCpu, int size, double seconds, int window, Func<Socket, Func<Task>>? kernelPath = null)
    {
        var tunnel = Guid.NewGuid();
        // Two loopback addresses make two distinct ends for a local relay; a remote one sees this host's address.
        var loopback = IPAddress.IsLoopback(target.Address);
        using var egress = Bind(loopback ? "127.0.0.2" : "0.0.0.0");
        using var ingress = Bind(loopback ? "127.0.0.3" : "0.0.0.0");
        Func<Task>? removeKernelPath = null;
        if (kernelPath is not null)
        {
            removeKernelPath = kernelPath(ingress);
        }
        else
        {
            // Registers (the forwarder ignores their meaning and learns the two ends from them).
            await RegisterAsync(ingress, target, tunnel, "ingress");
            await RegisterAsync(egress, target, tunnel, "egress");
        }

        try
        {
            MeasureFlow(report, name, target, forwarderCpu, egress, ingress, tunnel, size, seconds, window);
        }
        finally
        {
            if (removeKernelPath is not null)
            {
                await removeKernelPath();
            }
        }
    }

    private static void MeasureFlow(RunReport report, string name, IPEndPoint target, Func<double>? forwarderCpu, Socket egress, Socket ingress, Guid tunnel, int size, double seconds, int window)
    {
        var datagram = new byte[size];
        tunnel.TryWriteBytes(datagram, bigEndian: true, out _);
        Random.Shared.NextBytes(datagram.AsSpan(16));
        long sent = 0, received = 0;
        var receiving = true;
        var receiver = new Thread(() =>
        {
            var buffer = new byte[65536];
            ingress.ReceiveTimeout = 1000;
            while (Volatile.Read(ref receiving))
            {
                try
                {
                    // Only the flow's own datagrams count: a late or repeated control reply (a register ack) is not one.
                    var length = ingress.Receive(buffer);
                    if (length == size && buffer.AsSpan(0, 16).SequenceEqual(datagram.AsSpan(0, 16)))
                    {
                        Interlocked.Increment(ref received);
                    }
                }
                catch (SocketException)
                {
                }
            }
        }) { IsBackground = true };
        receiver.Start();

        var cpuBefore = forwarderCpu?.Invoke() ?? 0;
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (sent - Interlocked.Read(ref received) >= window)
            {
                Thread.Yield();
                continue;
            }

            egress.SendTo(datagram, target);
            sent++;
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = (forwarderCpu?.Invoke() ?? 0) - cpuBefore;
        Volatile.Write(ref receiving, false);
        receiver.Join();
        var delivered = Interlocked.Read(ref received);
        var gigabytes = delivered * (double)size / 1e9;
        report.Add($"native_udp_{name}_dgram_per_s", delivered / elapsed);
        report.Add($"native_udp_{name}_Mbit_per_s", delivered * (double)size * 8 / 1e6 / elapsed);
        report.Add($"native_udp_{name}_loss_pct", sent == 0 ? 0 : 100.0 * (sent - delivered) / sent);
        var line = $"  {name}: {delivered / elapsed:0} datagrams/s, {delivered * (double)size * 8 / 1e6 / elapsed:0} Mbit/s";
        if (forwarderCpu is not null)
        {
            report.Add($"native_udp_{name}_cpu_s_per_GB", gigabytes == 0 ? 0 : cpu / gigabytes);
            var microsecondsPerDatagram = delivered == 0 ? 0 : cpu * 1e6 / delivered;
            report.Add($"native_udp_{name}_cpu_us_per_dgram", microsecondsPerDatagram);
            line += $", {cpu / elapsed * 100:0}% of a core, {microsecondsPerDatagram:0.00} µs CPU per datagram";
        }

        Console.Error.WriteLine(line);
    }

    private static Socket Bind(string ip)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 * 1024 * 1024 };
        socket.Bind(new IPEndPoint(IPAddress.Parse(ip), 0));
        return socket;
    }

    private static async Task RegisterAsync(Socket socket, IPEndPoint target, Guid tunnel, string direction)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"type\":\"register\",\"tunnel_id\":\"{tunnel}\",\"direction\":\"{direction}\",\"protocol_version\":2}}");
        var register = new byte[16 + body.Length];
        body.CopyTo(register, 16);
        await socket.SendToAsync(register, target);

        // The relay acks; the forwarder has nobody to send it to yet (first end) or echoes it to the other end.
        if (direction == "ingress")
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await socket.ReceiveAsync(new byte[2048], timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
