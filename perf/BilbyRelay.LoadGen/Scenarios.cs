using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>The far-side processes whose CPU a figure includes, and the relay when there is one.</summary>
public sealed record Peers(IReadOnlyList<int> Pids, int? RelayPid);

/// <summary>The measurements. Each adds named figures to the report; names are identical on both paths.</summary>
public static class Scenarios
{
    /// <summary>Offered on both paths, so the TLS handshakes are identical.</summary>
    public const string Alpn = "bilbycast-relay";

    private const int HeaderBytes = 16;

    // ---------------------------------------------------------------- stream goodput

    /// <summary>
    /// <paramref name="streams"/> streams share <paramref name="bytes"/>; each ends with FIN once its share is written
    /// or <paramref name="seconds"/> have passed, and the clock stops when the last far-side byte count came back.
    /// </summary>
    public static async Task GoodputAsync(TestPath path, RunReport report, Peers peers, string name, int streams, long bytes, double seconds)
    {
        var perStream = bytes / streams;
        var cpuBefore = CpuOf(peers);
        var threadsBefore = peers.RelayPid is { } rp ? ProcStats.ThreadCpu(rp) : null;
        var endsBefore = EndThreads(peers);
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(seconds * Stopwatch.Frequency);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => SendStreamAsync(path.OpenStreamAsync, perStream, deadline, cts.Token))).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuAfter = CpuOf(peers);
        ReportEndThreads(report, name, peers, endsBefore, elapsed);

        var sent = results.Sum(r => r.Sent);
        var acknowledged = results.Sum(r => r.Received);
        if (sent != acknowledged)
        {
            report.Note($"{name}: sent {sent} bytes but the far side counted {acknowledged}");
        }

        var gb = acknowledged / 1e9;
        report.Add($"{name}_MBps", acknowledged / 1e6 / elapsed);
        report.Add($"{name}_Mbit_per_s", acknowledged * 8 / 1e6 / elapsed);
        report.Add($"{name}_cpu_s_per_GB", (cpuAfter.Total - cpuBefore.Total) / gb);
        if (peers.RelayPid is { } relayPid)
        {
            report.Add($"{name}_relay_cpu_s_per_GB", (cpuAfter.Relay - cpuBefore.Relay) / gb);
            var (thread, pct) = ProcStats.BusiestThread(threadsBefore!, ProcStats.ThreadCpu(relayPid), elapsed);
            report.Add($"{name}_relay_busiest_thread_pct", pct);
            Console.Error.WriteLine($"  busiest relay thread '{thread}' at {pct:0}% of one core");
        }
    }

    /// <summary>
    /// Short streams one after another (open, 1 KiB, FIN, wait for the far end's count): the setup cost of a TCP
    /// tunnel connection. Stops after <paramref name="count"/> streams or <paramref name="seconds"/>.
    /// </summary>
    public static async Task StreamOpensAsync(TestPath path, RunReport report, int count, double seconds)
    {
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(seconds * Stopwatch.Frequency);
        var done = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (done < count)
            {
                var (sent, received) = await SendStreamAsync(path.OpenStreamAsync, 1024, long.MaxValue, cts.Token).ConfigureAwait(false);
                if (sent != received)
                {
                    report.Note($"stream_opens: stream {done} sent {sent} bytes, far end counted {received}");
                    break;
                }

                done++;
            }
        }
        catch (OperationCanceledException)
        {
            if (done < count)
            {
                report.Note($"stream_opens: stalled after {done} streams on one connection (no stream completed within the remaining time)");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        report.Add("stream_opens_per_s", done / elapsed);
        report.Add("stream_opens_completed", done);
    }

    /// <summary>
    /// Opens a stream, writes <paramref name="bytes"/> (or until <paramref name="deadline"/>), sends FIN and waits for the
    /// far side's 8-byte count of what it received.
    /// </summary>
    /// <remarks>
    /// Writing also ends when <paramref name="stopWriting"/> is cancelled (an interrupted run still collects the far side's
    /// count); <paramref name="written"/> sees every chunk as it is written (for a live rate).
    /// </remarks>
    internal static async Task<(long Sent, long Received)> SendStreamAsync(
        Func<CancellationToken, Task<QuicStream>> open, long bytes, long deadline, CancellationToken ct,
        CancellationToken stopWriting = default, Action<int>? written = null)
    {
        var stream = await open(ct).ConfigureAwait(false);
        long sent = 0;
        while (sent < bytes && Stopwatch.GetTimestamp() < deadline && !stopWriting.IsCancellationRequested)
        {
            var memory = stream.Output.GetMemory(64 * 1024);
            var n = (int)Math.Min(memory.Length, bytes - sent);
            stream.Output.Advance(n);
            await stream.Output.FlushAsync(ct).ConfigureAwait(false);
            sent += n;
            written?.Invoke(n);
        }

        await stream.Output.CompleteAsync().ConfigureAwait(false);
        long received = -1;
        var count = new byte[8];
        while (true)
        {
            var result = await stream.Input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 8 && received < 0)
            {
                buffer.Slice(0, 8).CopyTo(count);
                received = BinaryPrimitives.ReadInt64LittleEndian(count);
            }

            stream.Input.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await stream.Input.CompleteAsync().ConfigureAwait(false);
        return (sent, received);
    }

    // ---------------------------------------------------------------- datagrams

    /// <summary>
    /// Sends <c>UUID | seq | timestamp | padding</c> datagrams at <paramref name="rate"/> per second (0 = as fast as the
    /// engine accepts them) for <paramref name="seconds"/>; the far side echoes them, so RTT covers the path twice.
    /// </summary>
    public static async Task DatagramsAsync(TestPath path, RunReport report, Peers peers, string label, int rate, double seconds, int payload)
    {
        var datagramLength = HeaderBytes + payload;
        var planned = rate > 0 ? (long)(rate * seconds) : (long)(400_000 * seconds);
        var rtts = new long[planned];
        long received = 0, duplicates = 0;
        path.SetDatagramObserver(datagram =>
        {
            if (datagram.Length < HeaderBytes + 16)
            {
                return;
            }

            var seq = BinaryPrimitives.ReadUInt64LittleEndian(datagram[HeaderBytes..]);
            if (seq >= (ulong)rtts.Length)
            {
                return; // warm-up
            }

            if (rtts[seq] != 0)
            {
                duplicates++;
                return;
            }

            rtts[seq] = Math.Max(1, Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(datagram[(HeaderBytes + 8)..]));
            Interlocked.Increment(ref received);
        });

        var cpuBefore = CpuOf(peers);
        var threadsBefore = peers.RelayPid is { } rp ? ProcStats.ThreadCpu(rp) : null;
        var endsBefore = EndThreads(peers);
        var sender = new DatagramSender(path, datagramLength, rate, planned, seconds);
        var thread = new Thread(sender.Run) { Name = "loadgen-sender", IsBackground = true };
        thread.Start();
        await Task.Run(thread.Join).ConfigureAwait(false);

        // Stragglers: wait until every accepted datagram came back or 500 ms of silence.
        var last = Interlocked.Read(ref received);
        for (var i = 0; i < 50 && Interlocked.Read(ref received) < sender.Accepted; i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
            var now = Interlocked.Read(ref received);
            if (now == last && i >= 5)
            {
                break;
            }

            last = now;
        }

        var wall = sender.Elapsed.TotalSeconds;
        var cpuAfter = CpuOf(peers);
        ReportEndThreads(report, $"dgram_{label}", peers, endsBefore, wall);
        path.SetDatagramObserver(null);

        var got = Interlocked.Read(ref received);
        var offered = sender.Sent;
        var samples = new long[got];
        var k = 0;
        for (var i = 0; i < offered && i < rtts.Length && k < samples.Length; i++)
        {
            if (rtts[i] != 0)
            {
                samples[k++] = rtts[i];
            }
        }

        Array.Sort(samples, 0, k);
        var prefix = $"dgram_{label}";
        report.Add($"{prefix}_offered_pps", offered / wall);
        report.Add($"{prefix}_echoed_pps", got / wall);
        report.Add($"{prefix}_loss_pct", offered == 0 ? 100 : 100.0 * (offered - got) / offered);
        report.Add($"{prefix}_local_refused", sender.Refused);
        report.Add($"{prefix}_rtt_p50_us", Percentile(samples, k, 0.50));
        report.Add($"{prefix}_rtt_p99_us", Percentile(samples, k, 0.99));
        report.Add($"{prefix}_rtt_p999_us", Percentile(samples, k, 0.999));
        report.Add($"{prefix}_cpu_s_per_GB", (cpuAfter.Total - cpuBefore.Total) / (2.0 * got * datagramLength / 1e9));
        if (duplicates > 0)
        {
            report.Note($"{prefix}: {duplicates} duplicate echoes");
        }

        if (peers.RelayPid is { } relayPid)
        {
            var (name, pct) = ProcStats.BusiestThread(threadsBefore!, ProcStats.ThreadCpu(relayPid), wall);
            report.Add($"{prefix}_relay_busiest_thread_pct", pct);
            report.Add($"{prefix}_relay_cpu_pct", 100.0 * (cpuAfter.Relay - cpuBefore.Relay) / wall);

            // Every echoed datagram crossed the relay twice; datagrams lost on the way count for nothing, so this
            // is at most the true cost per forward.
            report.Add($"{prefix}_relay_cpu_us_per_forward", got == 0 ? 0 : 1e6 * (cpuAfter.Relay - cpuBefore.Relay) / (2.0 * got));
            report.Add($"{prefix}_relay_rss_MiB", ProcStats.Memory(relayPid).RssMiB);
            Console.Error.WriteLine($"  busiest relay thread '{name}' at {pct:0}% of one core");
        }
    }

    /// <summary>Waits until full-size datagrams make the round trip (path MTU discovery must have raised the limit on every hop).</summary>
    public static async Task<bool> WarmUpDatagramsAsync(TestPath path, int payload, TimeSpan timeout)
    {
        var echoed = 0;
        path.SetDatagramObserver(datagram =>
        {
            if (datagram.Length == HeaderBytes + payload)
            {
                Interlocked.Increment(ref echoed);
            }
        });
        var buffer = new byte[HeaderBytes + payload];
        path.DatagramTunnel.TryWriteBytes(buffer, bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(HeaderBytes), ulong.MaxValue);
        var start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref echoed) < 20 && Stopwatch.GetElapsedTime(start) < timeout)
        {
            path.SendDatagram(buffer);
            await Task.Delay(10).ConfigureAwait(false);
        }

        path.SetDatagramObserver(null);
        return Volatile.Read(ref echoed) >= 20;
    }

    private static double Percentile(long[] sorted, int count, double q)
    {
        if (count == 0)
        {
            return double.NaN;
        }

        var index = Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1);
        return sorted[Math.Max(0, index)] * 1e6 / Stopwatch.Frequency;
    }

    /// <summary>Paces datagrams on its own thread in 1 ms steps (sleeping, never spinning: the machine is shared).</summary>
    private sealed class DatagramSender(TestPath path, int length, int rate, long planned, double seconds)
    {
        public long Sent { get; private set; }

        public long Accepted { get; private set; }

        public long Refused { get; private set; }

        public TimeSpan Elapsed { get; private set; }

        public void Run()
        {
            var buffer = new byte[length];
            path.DatagramTunnel.TryWriteBytes(buffer, bigEndian: true, out _);
            var start = Stopwatch.GetTimestamp();
            var limit = TimeSpan.FromSeconds(seconds);
            while (Sent < planned)
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (elapsed >= limit && (rate == 0 || elapsed >= limit + TimeSpan.FromSeconds(1)))
                {
                    break;
                }

                var due = rate > 0 ? Math.Min(planned, (long)(rate * elapsed.TotalSeconds) + 1) : Math.Min(planned, Sent + 4096);
                while (Sent < due)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(HeaderBytes), (ulong)Sent);
                    BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(HeaderBytes + 8), Stopwatch.GetTimestamp());
                    if (path.SendDatagram(buffer))
                    {
                        Accepted++;
                    }
                    else
                    {
                        Refused++;
                        if (rate == 0)
                        {
                            break; // "max": the send queue is full; retry this sequence number after the pause
                        }
                    }

                    Sent++;
                }

                Thread.Sleep(1);
            }

            Elapsed = Stopwatch.GetElapsedTime(start);
            if (rate == 0)
            {
                // In "max" a refusal is back-pressure, not loss: count only what the engine accepted.
                Sent = Accepted;
            }
        }
    }

    // ---------------------------------------------------------------- handshakes

    /// <summary>Full QUIC + TLS 1.3 handshakes, one at a time and then <paramref name="concurrency"/> at a time.</summary>
    public static async Task HandshakesAsync(IPEndPoint server, RunReport report, int count, double seconds, int concurrency)
    {
        var closes = new List<Task>();
        var latencies = new List<double>();
        var start = Stopwatch.GetTimestamp();
        var limit = TimeSpan.FromSeconds(seconds);
        while (latencies.Count < count && Stopwatch.GetElapsedTime(start) < limit)
        {
            var t0 = Stopwatch.GetTimestamp();
            var connection = await ConnectOnceAsync(server).ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            connection.Close(0, "");
            closes.Add(connection.Closed);
        }

        var sequential = latencies.Count / Stopwatch.GetElapsedTime(start).TotalSeconds;
        latencies.Sort();
        report.Add("handshakes_sequential_per_s", sequential);
        report.Add("handshake_p50_ms", latencies[latencies.Count / 2]);
        report.Add("handshake_p99_ms", latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))]);
        await Task.WhenAll(closes).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        closes.Clear();

        var done = 0;
        var failed = 0;
        start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref done) <= count && Stopwatch.GetElapsedTime(start) < limit)
            {
                try
                {
                    var connection = await ConnectOnceAsync(server).ConfigureAwait(false);
                    connection.Close(0, "");
                    lock (closes)
                    {
                        closes.Add(connection.Closed);
                    }
                }
                catch (QuicException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        report.Add($"handshakes_concurrent{concurrency}_per_s", closes.Count / elapsed);
        if (failed > 0)
        {
            report.Note($"{failed} concurrent handshakes failed");
        }

        await Task.WhenAll(closes).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    public static async Task<QuicConnection> ConnectOnceAsync(IPEndPoint server, TimeSpan? handshakeTimeout = null)
    {
        return await QuicConnection.ConnectAsync(new QuicClientOptions
        {
            RemoteEndPoint = server,
            Alpn = Alpn,
            ServerName = "bilbycast-relay",
            SkipCertificateValidation = true,
            Transport = new QuicTransportSettings { HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10) },
        }).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- binds (relay only)

    /// <summary>
    /// The relay's resident memory per idle edge: <paramref name="edges"/> edges connect, each says one ping on its
    /// control stream and waits for the pong (so the relay holds the connection and its control stream), then all stay
    /// idle while the relay's RSS is read; they leave before the binds.
    /// </summary>
    public static async Task IdleEdgesAsync(IPEndPoint relay, RunReport report, int relayPid, int edges)
    {
        const int connectingAtOnce = 50;
        var rssBefore = ProcStats.Memory(relayPid).RssMiB;
        var connected = new List<SimulatedEdge>(edges);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            for (var first = 0; first < edges; first += connectingAtOnce)
            {
                var group = Enumerable.Range(0, Math.Min(connectingAtOnce, edges - first)).Select(_ => ConnectIdleEdgeAsync(relay, connected, cts.Token));
                await Task.WhenAll(group).ConfigureAwait(false);
            }

            // Let the relay's loops settle (timers, freed handshake state) before reading its memory.
            await Task.Delay(300).ConfigureAwait(false);
            var rssAfter = ProcStats.Memory(relayPid).RssMiB;
            report.Add("relay_rss_per_idle_edge_KiB", (rssAfter - rssBefore) * 1024 / edges);
            report.Add("relay_rss_with_idle_edges_MiB", rssAfter);
            Console.Error.WriteLine($"  idle edges: {edges} connected, relay RSS {rssBefore:0.0} -> {rssAfter:0.0} MiB");
        }
        finally
        {
            await Task.WhenAll(connected.Select(edge => edge.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    private static async Task ConnectIdleEdgeAsync(IPEndPoint relay, List<SimulatedEdge> connected, CancellationToken ct)
    {
        var edge = await SimulatedEdge.ConnectAsync(relay, ct: ct).ConfigureAwait(false);
        lock (connected)
        {
            connected.Add(edge);
        }

        await edge.PingAsync(ct).ConfigureAwait(false);
        var reply = await edge.ReceiveControlAsync(ct).ConfigureAwait(false);
        if (reply.Type != "pong")
        {
            throw new InvalidOperationException($"idle edges: expected a pong, got {reply}");
        }
    }

    /// <summary>
    /// Two fresh edges bind <paramref name="tunnels"/> tunnels, one as ingress and one as egress, all at once; the clock
    /// stops when both have seen every tunnel_ready. Also the relay's resident memory per bound tunnel.
    /// </summary>
    public static async Task BindsAsync(IPEndPoint relay, RunReport report, int relayPid, int tunnels)
    {
        await using var a = await SimulatedEdge.ConnectAsync(relay).ConfigureAwait(false);
        await using var b = await SimulatedEdge.ConnectAsync(relay).ConfigureAwait(false);
        var ids = Enumerable.Range(0, tunnels).Select(_ => Guid.NewGuid()).ToArray();
        await Task.Delay(300).ConfigureAwait(false);
        var rssBefore = ProcStats.Memory(relayPid).RssMiB;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var start = Stopwatch.GetTimestamp();
        var readyA = CountReadyAsync(a, tunnels, report, cts.Token);
        var readyB = CountReadyAsync(b, tunnels, report, cts.Token);
        await Task.WhenAll(BindAllAsync(a, ids, "ingress", cts.Token), BindAllAsync(b, ids, "egress", cts.Token)).ConfigureAwait(false);
        var all = await Task.WhenAll(readyA, readyB).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (all.Sum() != 2 * tunnels)
        {
            report.Note($"binds: only {all.Sum()} of {2 * tunnels} tunnel_ready seen within 20 s");
        }

        await Task.Delay(300).ConfigureAwait(false);
        var rssAfter = ProcStats.Memory(relayPid).RssMiB;
        report.Add("binds_per_s", all.Sum() / elapsed);
        report.Add("binds_all_ready_ms", elapsed * 1000);
        report.Add("relay_rss_per_tunnel_KiB", (rssAfter - rssBefore) * 1024 / tunnels);
        report.Add("relay_rss_with_tunnels_MiB", rssAfter);
        await cts.CancelAsync().ConfigureAwait(false);
    }

    private static async Task BindAllAsync(SimulatedEdge edge, Guid[] ids, string direction, CancellationToken ct)
    {
        foreach (var id in ids)
        {
            await edge.BindAsync(id, direction, "udp", ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>Counts tunnel_ready from both paths (control replies and notifications) until <paramref name="expected"/>.</summary>
    private static async Task<int> CountReadyAsync(SimulatedEdge edge, int expected, RunReport report, CancellationToken ct)
    {
        var ready = 0;
        var downs = 0;
        var viaNotification = 0;
        Func<CancellationToken, ValueTask<EdgeMessage>> control = edge.ReceiveControlAsync;
        Func<CancellationToken, ValueTask<EdgeMessage>> notifications = edge.ReceiveNotificationAsync;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task PumpAsync(Func<CancellationToken, ValueTask<EdgeMessage>> receive)
        {
            try
            {
                while (true)
                {
                    var message = await receive(ct).ConfigureAwait(false);
                    if (message.Type == "tunnel_ready")
                    {
                        if (receive == notifications)
                        {
                            Interlocked.Increment(ref viaNotification);
                        }

                        if (Interlocked.Increment(ref ready) == expected)
                        {
                            done.TrySetResult();
                        }
                    }
                    else if (message.Type == "tunnel_down" && Interlocked.Increment(ref downs) == 1)
                    {
                        report.Note($"binds: {message}");
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException or IOException)
            {
                done.TrySetResult();
            }
        }

        _ = Task.WhenAll(PumpAsync(control), PumpAsync(notifications));
        await done.Task.ConfigureAwait(false);
        Console.Error.WriteLine($"  binds: edge saw {Volatile.Read(ref ready)} tunnel_ready, {Volatile.Read(ref viaNotification)} of them as notifications");
        return Volatile.Read(ref ready);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Per-thread CPU of this process (edge A) and of the far side (server or edge B).</summary>
    private static (Dictionary<int, (string, double)> Self, Dictionary<int, (string, double)>? Far) EndThreads(Peers peers) =>
        (ProcStats.ThreadCpu(Environment.ProcessId), peers.Pids.Count > 0 ? ProcStats.ThreadCpu(peers.Pids[0]) : null);

    /// <summary>Busiest thread of each end: shows whether the load generator itself was the limit.</summary>
    private static void ReportEndThreads(RunReport report, string prefix,
        Peers peers, (Dictionary<int, (string, double)> Self, Dictionary<int, (string, double)>? Far) before, double wall)
    {
        var (selfName, selfPct) = ProcStats.BusiestThread(before.Self, ProcStats.ThreadCpu(Environment.ProcessId), wall);
        report.Add($"{prefix}_edge_a_busiest_thread_pct", selfPct);
        var detail = $"edge A '{selfName}' {selfPct:0}%";
        if (before.Far is { } far)
        {
            var (farName, farPct) = ProcStats.BusiestThread(far, ProcStats.ThreadCpu(peers.Pids[0]), wall);
            report.Add($"{prefix}_far_end_busiest_thread_pct", farPct);
            detail += $", far end '{farName}' {farPct:0}%";
        }

        Console.Error.WriteLine($"  busiest threads: {detail}");
    }

    private static (double Total, double Relay) CpuOf(Peers peers)
    {
        var relay = peers.RelayPid is { } pid ? ProcStats.CpuSeconds(pid) : 0;
        return (ProcStats.SelfCpuSeconds() + peers.Pids.Sum(ProcStats.CpuSeconds) + relay, relay);
    }

    public static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
