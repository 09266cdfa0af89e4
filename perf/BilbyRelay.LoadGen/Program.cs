using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.LoadGen;
using BilbyRelay.LoadGen.Operator;

// bilbyrelay-loadgen: the relay path against the direct path over the same QUIC stack. See docs/perf.md.
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Error.WriteLine(Help.Text);
    return args.Length == 0 ? 2 : 0;
}

var command = args[0];
Options options;
try
{
    var rest = args[1..];
    if (command == "summarize" && rest.Length > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
    {
        rest = ["--dir", .. rest];
    }

    options = Options.Parse(rest);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"bilbyrelay-loadgen: {e.Message}");
    return 2;
}

try
{
    return command switch
    {
        "direct-server" => await Sinks.RunDirectServerAsync(options),
        "relay-peer" => await Sinks.RunRelayPeerAsync(options),
        "stalled-peer" => await StalledPeer.RunAsync(options),
        "stalled-senders" => await StalledSenders.RunAsync(options),
        "summarize" => Summary.Run(options),
        "native-udp" => await NativeUdpScenario.RunAsync(options),
        "soak" => await SoakScenario.RunAsync(options),
        "soak-report" => SoakReport.Run(options),
        "udp-forwarder" => NativeUdpScenario.RunForwarder(options),
        _ when ScenarioRegistry.All.TryGetValue(command, out var scenario) => await ScenarioCommand.RunAsync(scenario, options, Console.Out, handleSignals: true),
        "direct" => await Runner.RunAsync("direct", command, options, null),
        "relay" => await Runner.RunAsync("relay", command, options, null),
        _ when command.StartsWith("direct-", StringComparison.Ordinal) => await Runner.RunAsync("direct", command, options, command["direct-".Length..]),
        _ when command.StartsWith("relay-", StringComparison.Ordinal) => await Runner.RunAsync("relay", command, options, command["relay-".Length..]),
        _ => Unknown(command),
    };
}
catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or TimeoutException)
{
    Console.Error.WriteLine($"bilbyrelay-loadgen {command}: {e.Message}");
    return 1;
}

static int Unknown(string command)
{
    Console.Error.WriteLine($"bilbyrelay-loadgen: unknown command '{command}'\n\n{Help.Text}");
    return 2;
}

namespace BilbyRelay.LoadGen
{
    /// <summary>Sets up one path (spawning the server, the relay and the far edge as needed) and runs the scenarios.</summary>
    internal static class Runner
    {
        private static readonly string[] s_allScenarios = ["goodput", "streams", "datagrams", "handshakes", "binds"];

        // Not in the default set: each takes a minute or more and several processes of its own.
        private static readonly string[] s_relayOnlyScenarios = ["memory", "stalled", "attack"];

        public static async Task<int> RunAsync(string pathName, string command, Options options, string? only)
        {
            var scenarios = only is null ? options.List("scenarios", string.Join(',', s_allScenarios)).ToHashSet() : [only];
            var known = s_allScenarios.Concat(s_relayOnlyScenarios).Append("startup");
            if (scenarios.FirstOrDefault(s => !known.Contains(s)) is { } bad)
            {
                throw new ArgumentException($"unknown scenario '{bad}' (known: {string.Join(", ", known)})");
            }

            if (pathName == "direct")
            {
                scenarios.Remove("binds");
                scenarios.ExceptWith(s_relayOnlyScenarios);
            }

            var report = new RunReport { Command = command, Path = pathName };
            Console.Error.WriteLine($"bilbyrelay-loadgen {command} ({Environment.ProcessorCount} cores, load {report.LoadAverage})");
            var streamTunnel = Guid.NewGuid();
            var datagramTunnel = Guid.NewGuid();
            var helpers = new List<ChildProcess>();
            ChildProcess? relay = null;
            try
            {
                IPEndPoint target;
                IPEndPoint? api = null;
                var peerPids = new List<int>();
                if (pathName == "direct")
                {
                    target = options.EndPoint("server") ?? await StartDirectServerAsync(helpers);
                    peerPids.AddRange(helpers.Select(h => h.Pid));
                }
                else
                {
                    var budget = options.Has("max-buffered-bytes") ? options.Bytes("max-buffered-bytes", 0)
                        : scenarios.Contains("attack") ? StalledScenario.AttackBudgetBytes : (long?)null;
                    (target, api, relay) = await StartRelayAsync(options, report, budget);
                    if (relay is not null)
                    {
                        await Task.Delay(500);
                        report.Add("relay_rss_idle_MiB", relay.Memory().RssMiB);
                    }

                    if (scenarios.Contains("startup") && scenarios.Count == 1)
                    {
                        return Finish(report);
                    }
                }

                var relayPid = relay?.Pid ?? (options.Has("relay-pid") ? options.Int("relay-pid", 0) : (int?)null);
                var peers = new Peers(peerPids, relayPid);
                foreach (var stall in new[] { "stalled", "attack" }.Where(scenarios.Contains))
                {
                    if (relayPid is not { } stallPid || api is null)
                    {
                        throw new ArgumentException($"{stall} needs the relay's pid and stats endpoint (--relay-pid and --relay-api with --relay)");
                    }

                    Console.Error.WriteLine(stall);
                    await StalledScenario.RunAsync(target, api, stallPid, options, report, attack: stall == "attack");
                }
                if (scenarios.Contains("binds") && relayPid is { } bindPid)
                {
                    Console.Error.WriteLine("binds");
                    await Scenarios.IdleEdgesAsync(target, report, bindPid, options.Int("idle-edges", 200));
                    await Scenarios.BindsAsync(target, report, bindPid, options.Int("tunnels", 1000));
                }


                if (scenarios.Overlaps(["goodput", "streams", "datagrams", "memory"]))
                {
                    await using var path = await ConnectPathAsync(pathName, target, streamTunnel, datagramTunnel, helpers, peerPids);
                    if (scenarios.Contains("goodput"))
                    {
                        var bytes = options.Bytes("bytes", 1L << 30);
                        var seconds = options.Double("seconds", 10);
                        var streams = options.Int("streams", 8);
                        await using (var sampler = Sample(relayPid))
                        {
                            Console.Error.WriteLine("goodput, 1 stream");
                            await Scenarios.GoodputAsync(path, report, peers, "goodput_1stream", 1, bytes, seconds);
                            Console.Error.WriteLine($"goodput, {streams} streams");
                            await Scenarios.GoodputAsync(path, report, peers, $"goodput_{streams}streams", streams, bytes, seconds);
                            await Peak(sampler, report, "relay_rss_peak_goodput_MiB");
                        }
                    }

                    if (scenarios.Contains("streams"))
                    {
                        Console.Error.WriteLine("short streams, one after another");
                        await Scenarios.StreamOpensAsync(path, report, options.Int("stream-opens", 2000), options.Double("stream-seconds", 10));
                    }

                    if (scenarios.Contains("datagrams"))
                    {
                        var payload = options.Int("payload", 1316);
                        for (var wait = 0; wait < 30 && path.Connection.MaxDatagramSize < 16 + payload; wait++)
                        {
                            await Task.Delay(100);
                        }

                        if (path.Connection.MaxDatagramSize < 16 + payload)
                        {
                            report.Note($"{payload}-byte payload + 16-byte UUID exceeds the engine's MaxDatagramSize ({path.Connection.MaxDatagramSize}) on edge A; measured with {path.Connection.MaxDatagramSize - 16}-byte payloads instead");
                            payload = path.Connection.MaxDatagramSize - 16;
                        }

                        report.Add("dgram_payload_bytes", payload);
                        if (!await Scenarios.WarmUpDatagramsAsync(path, payload, TimeSpan.FromSeconds(10)))
                        {
                            report.Note($"no {payload}-byte datagram came back within 10 s (max datagram size on edge A: {path.Connection.MaxDatagramSize})");
                        }
                        else
                        {
                            await using var sampler = Sample(relayPid);
                            foreach (var rate in options.List("rates", "5000,20000,50000,max"))
                            {
                                var perSecond = rate == "max" ? 0 : int.Parse(rate, System.Globalization.CultureInfo.InvariantCulture);
                                var label = rate == "max" ? "max" : perSecond % 1000 == 0 ? $"{perSecond / 1000}k" : rate;
                                Console.Error.WriteLine($"datagrams, {payload}-byte payload, {(rate == "max" ? "max rate" : $"{rate}/s")}");
                                await Scenarios.DatagramsAsync(path, report, peers, label, perSecond, options.Double("dgram-seconds", 5), payload);
                                await Task.Delay(500);
                            }

                            await Peak(sampler, report, "relay_rss_peak_datagrams_MiB");
                        }
                    }

                    if (scenarios.Contains("memory") && relayPid is { } loadedPid)
                    {
                        var streams = options.Int("streams", 8);
                        Console.Error.WriteLine($"memory: {streams} streams and max-rate datagrams at once, then idle");
                        await MemoryScenario.RunAsync(path, report, peers, loadedPid, streams, options.Bytes("bytes", 1L << 30),
                            options.Double("seconds", 10), options.Double("dgram-seconds", 5), options.Int("payload", 1316));
                    }
                }

                if (scenarios.Contains("handshakes"))
                {
                    Console.Error.WriteLine("handshakes");
                    await Scenarios.HandshakesAsync(target, report, options.Int("handshakes", 500), options.Double("handshake-seconds", 5), options.Int("concurrency", 16));
                }

                if (relayPid is { } memoryPid)
                {
                    report.Add("relay_rss_end_MiB", ProcStats.Memory(memoryPid).RssMiB);
                    report.Add("relay_hwm_MiB", ProcStats.Memory(memoryPid).HwmMiB);
                }

                if (pathName == "direct" && helpers.Count > 0)
                {
                    report.Add("far_side_hwm_MiB", helpers[0].Memory().HwmMiB);
                }

                return Finish(report);
            }
            finally
            {
                foreach (var helper in helpers)
                {
                    await helper.DisposeAsync();
                }

                if (relay is not null)
                {
                    var exit = await relay.StopAsync();
                    if (exit != 0)
                    {
                        Console.Error.WriteLine($"relay exited with {exit} after SIGTERM:\n{relay.Tail()}");
                    }

                    await relay.DisposeAsync();
                }
            }
        }

        private static MemorySampler? Sample(int? pid) => pid is { } p ? new MemorySampler(p) : null;

        private static async Task Peak(MemorySampler? sampler, RunReport report, string name)
        {
            if (sampler is not null)
            {
                await sampler.DisposeAsync();
                report.Add(name, sampler.PeakRssMiB);
            }
        }

        private static int Finish(RunReport report)
        {
            Console.WriteLine(report.ToJsonLine());
            return 0;
        }

        private static async Task<IPEndPoint> StartDirectServerAsync(List<ChildProcess> helpers)
        {
            var server = ChildProcess.StartSelf(["direct-server", "--listen", "127.0.0.1:0"]);
            helpers.Add(server);
            var (_, line) = await server.WaitForLineAsync("LISTENING ", TimeSpan.FromSeconds(20));
            return IPEndPoint.Parse(line["LISTENING ".Length..].Trim());
        }

        internal static async Task<TestPath> ConnectPathAsync(
            string pathName, IPEndPoint target, Guid streamTunnel, Guid datagramTunnel, List<ChildProcess> helpers, List<int> peerPids)
        {
            if (pathName == "direct")
            {
                return await DirectPath.ConnectAsync(target, datagramTunnel);
            }

            var peer = ChildProcess.StartSelf(["relay-peer", "--relay", target.ToString(), "--stream-tunnel", streamTunnel.ToString(), "--dgram-tunnel", datagramTunnel.ToString()]);
            helpers.Add(peer);
            peerPids.Add(peer.Pid);
            await peer.WaitForLineAsync("BOUND", TimeSpan.FromSeconds(20));
            return await RelayPath.ConnectAsync(target, streamTunnel, datagramTunnel);
        }

        /// <summary>
        /// Spawns the relay binary on free loopback ports (unless --relay names a running one) and records start-up:
        /// exec to the first 200 from /health, to the "Relay ready" log line, and to the first completed QUIC handshake
        /// (attempted as soon as /health answered). Returns the QUIC and the stats endpoint.
        /// </summary>
        private static async Task<(IPEndPoint Quic, IPEndPoint? Api, ChildProcess?)> StartRelayAsync(Options options, RunReport report, long? maxBufferedBytes)
        {
            if (options.EndPoint("relay") is { } external)
            {
                report.Note($"external relay at {external}: no start-up figures");
                return (external, options.EndPoint("relay-api"), null);
            }

            var binary = RelayLaunch.Binary(options);
            if (maxBufferedBytes is { } budget)
            {
                report.Add("relay_max_buffered_bytes_set_MiB", budget / 1048576.0);
            }

            await StartupProbe.WarmUpClientAsync();
            var (relay, quic, api) = RelayLaunch.Start(binary, options.Get("relay-log-level", "info"), maxBufferedBytes);
            try
            {
                var health = await StartupProbe.WaitForHealthAsync(api, () => relay.Elapsed, TimeSpan.FromSeconds(30));
                var connection = await Scenarios.ConnectOnceAsync(quic);
                var firstHandshake = relay.Elapsed;
                await connection.DisposeAsync();
                var (ready, _) = await relay.WaitForLineAsync("Relay ready", TimeSpan.FromSeconds(30));
                var (listening, _) = await relay.WaitForLineAsync("listening for edges", TimeSpan.FromSeconds(1));
                report.Add("relay_start_to_health_ms", health.TotalMilliseconds);
                report.Add("relay_start_to_ready_ms", ready.TotalMilliseconds);
                report.Add("relay_start_to_listening_ms", listening.TotalMilliseconds);
                report.Add("relay_start_to_first_handshake_ms", firstHandshake.TotalMilliseconds);
                return (quic, api, relay);
            }
            catch
            {
                await relay.DisposeAsync();
                throw;
            }
        }
    }
}
