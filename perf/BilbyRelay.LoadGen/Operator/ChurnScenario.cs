using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// <c>churn</c>: edges coming and going. A watcher edge binds every tunnel as egress and stays; then, <c>--cycles</c>
/// times, <c>--edges</c> edges connect at once, each binds <c>--tunnels</c> of them as ingress, unbinds them and
/// disconnects. Handshakes/s, binds/s, how long the watcher waits for the tunnel_ready and tunnel_down notifications
/// each bind and unbind cause, and every error (failed handshake, refused bind, notification that never came).
/// </summary>
public sealed class ChurnScenario : IScenario
{
    private static readonly TimeSpan s_phaseTimeout = TimeSpan.FromSeconds(20);

    public string Name => "churn";

    public async Task RunAsync(ScenarioRun run)
    {
        var edges = run.Count("edges", 10, 10_000);
        var perEdge = run.Count("tunnels", 5, 1000);
        var cycles = run.Count("cycles", 3, 10_000);
        var relay = run.Target.Quic;
        var ids = Enumerable.Range(0, edges).Select(_ => Enumerable.Range(0, perEdge).Select(_ => Guid.NewGuid()).ToArray()).ToArray();
        await using var watcher = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { OwnSocket = true }, run.Stop).ConfigureAwait(false);
        await TunnelBinding.BindAllAsync(watcher, ids.SelectMany(t => t).ToList(), "egress", peerBound: false, s_phaseTimeout, "udp").ConfigureAwait(false);
        var watch = new NotificationWatch(watcher);

        var handshakeMs = new List<double>();
        var readyMs = new List<double>();
        var downMs = new List<double>();
        long errors = 0, binds = 0;
        double connectSeconds = 0, bindSeconds = 0;
        var completed = 0;
        using var progress = new ProgressLine("churn", cycles, () => $"cycle {Volatile.Read(ref completed) + 1} of {cycles}, {Interlocked.Read(ref errors)} errors");
        for (var cycle = 0; cycle < cycles && !run.Stop.IsCancellationRequested; cycle++)
        {
            // Connect every edge at once.
            var start = Stopwatch.GetTimestamp();
            var connected = await Task.WhenAll(Enumerable.Range(0, edges).Select(async _ =>
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    var edge = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { OwnSocket = true }, run.Stop).ConfigureAwait(false);
                    return (Edge: edge, Ms: Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Exception e) when (e is BilbyRelay.Quic.QuicException or OperationCanceledException or IOException)
                {
                    Interlocked.Increment(ref errors);
                    return (Edge: (SimulatedEdge?)null, Ms: double.NaN);
                }
            })).ConfigureAwait(false);
            connectSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            handshakeMs.AddRange(connected.Where(c => c.Edge is not null).Select(c => c.Ms));
            try
            {
                // Bind: each edge's replies, and the watcher's tunnel_ready for each of them.
                var live = connected.Select((c, i) => (c.Edge, Ids: ids[i])).Where(c => c.Edge is not null).ToList();
                var allIds = live.SelectMany(c => c.Ids).ToList();
                start = Stopwatch.GetTimestamp();
                var readyNotified = watch.Expect("tunnel_ready", allIds, readyMs);
                var replies = await Task.WhenAll(live.Select(c => BindAsync(c.Edge!, c.Ids, run.Stop))).ConfigureAwait(false);
                binds += replies.Sum(r => r.Ready);
                Interlocked.Add(ref errors, replies.Sum(r => r.Errors));
                Interlocked.Add(ref errors, await readyNotified.ConfigureAwait(false));
                bindSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;

                // Unbind: the watcher hears tunnel_down for each.
                var downNotified = watch.Expect("tunnel_down", allIds, downMs);
                foreach (var (edge, edgeIds) in live)
                {
                    foreach (var id in edgeIds)
                    {
                        watch.Sent(id);
                        await edge!.UnbindAsync(id, run.Stop).ConfigureAwait(false);
                    }
                }

                Interlocked.Add(ref errors, await downNotified.ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                foreach (var (edge, _) in connected)
                {
                    if (edge is not null)
                    {
                        await edge.DisposeAsync().ConfigureAwait(false);
                    }
                }

                Interlocked.Increment(ref completed);
            }

            async Task<(int Ready, int Errors)> BindAsync(SimulatedEdge edge, Guid[] edgeIds, CancellationToken ct)
            {
                foreach (var id in edgeIds)
                {
                    watch.Sent(id);
                    await edge.BindAsync(id, "ingress", "udp", ct: ct).ConfigureAwait(false);
                }

                var ready = 0;
                var failed = 0;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(s_phaseTimeout);
                for (var i = 0; i < edgeIds.Length; i++)
                {
                    try
                    {
                        var reply = await edge.ReceiveControlAsync(timeout.Token).ConfigureAwait(false);
                        if (reply.Type == "tunnel_ready")
                        {
                            ready++;
                        }
                        else
                        {
                            failed++;
                            run.Note($"bind answered {reply}");
                        }
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        failed += edgeIds.Length - i;
                        break;
                    }
                }

                return (ready, failed);
            }
        }

        handshakeMs.Sort();
        readyMs.Sort();
        downMs.Sort();
        run.Figure("churn_cycles", Volatile.Read(ref completed), "cycles");
        run.Figure("churn_handshakes_per_s", handshakeMs.Count / connectSeconds, "handshakes/s");
        run.Figure("churn_handshake_p50_ms", Quantile(handshakeMs, 0.5), "ms");
        run.Figure("churn_handshake_p99_ms", Quantile(handshakeMs, 0.99), "ms");
        run.Figure("churn_binds_per_s", binds / bindSeconds, "binds/s");
        run.Figure("churn_ready_notification_p50_ms", Quantile(readyMs, 0.5), "ms");
        run.Figure("churn_ready_notification_p99_ms", Quantile(readyMs, 0.99), "ms");
        run.Figure("churn_down_notification_p50_ms", Quantile(downMs, 0.5), "ms");
        run.Figure("churn_down_notification_p99_ms", Quantile(downMs, 0.99), "ms");
        run.Figure("churn_errors", Interlocked.Read(ref errors), "errors");
        run.Document.DistributionChart("edge handshake time", "ms").Add("handshake", handshakeMs.ToArray());
        run.Document.DistributionChart("notification latency at the peer edge", "ms").Add("tunnel_ready", readyMs.ToArray());
        run.Document.DistributionChart("notification latency at the peer edge", "ms").Add("tunnel_down", downMs.ToArray());
    }

    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>
    /// The watcher's notifications: when each tunnel's bind or unbind was sent and when the notification it causes came;
    /// <see cref="Expect"/> completes with the number that never came within the phase timeout.
    /// </summary>
    private sealed class NotificationWatch
    {
        private readonly ConcurrentDictionary<string, long> _sentAt = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private string _type = "";
        private HashSet<string> _waiting = [];
        private List<double> _latencies = [];
        private TaskCompletionSource _all = new();

        public NotificationWatch(SimulatedEdge watcher) => _ = Task.Run(() => PumpAsync(watcher));

        public void Sent(Guid id) => _sentAt[id.ToString("D")] = Stopwatch.GetTimestamp();

        public async Task<int> Expect(string type, IEnumerable<Guid> ids, List<double> latencies)
        {
            Task all;
            lock (_lock)
            {
                _type = type;
                _waiting = ids.Select(id => id.ToString("D")).ToHashSet(StringComparer.Ordinal);
                _latencies = latencies;
                _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                all = _all.Task;
                if (_waiting.Count == 0)
                {
                    _all.TrySetResult();
                }
            }

            try
            {
                await all.WaitAsync(s_phaseTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            lock (_lock)
            {
                var missing = _waiting.Count;
                _waiting = [];
                return missing;
            }
        }

        private async Task PumpAsync(SimulatedEdge watcher)
        {
            try
            {
                while (true)
                {
                    var message = await watcher.ReceiveNotificationAsync().ConfigureAwait(false);
                    var now = Stopwatch.GetTimestamp();
                    lock (_lock)
                    {
                        if (message.Type == _type && message.TunnelId is { } id && _waiting.Remove(id) && _sentAt.TryGetValue(id, out var sent))
                        {
                            _latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                            if (_waiting.Count == 0)
                            {
                                _all.TrySetResult();
                            }
                        }
                    }
                }
            }
            catch (Exception e) when (e is System.Threading.Channels.ChannelClosedException or OperationCanceledException or IOException)
            {
                // The watcher disconnected: the scenario is over.
            }
        }
    }
}
