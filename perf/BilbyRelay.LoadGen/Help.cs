namespace BilbyRelay.LoadGen;

internal static class Help
{
    public const string Text = """
        bilbyrelay-loadgen COMMAND [--option value ...]

        Load tests for a bilbycast relay (this one or any other implementation): simulated edges connect to it,
        bind tunnels and push streams and datagrams through it. Every loop is bounded in count and in time.

        Scenarios against any relay
          tcp                    --tunnels K (2) x --streams S (list, per tunnel: 1,4) bulk streams for --seconds (5),
                                 at most --bytes (64G) per step: goodput and per-stream fairness (Jain's index)
          udp                    --tunnels T (4) of paced --payload (1316)-byte datagrams at --rate (10M bit/s) each for
                                 --seconds (5): loss, one-way latency p50/p99/p99.9/max, jitter
          ramp                   doubles the datagram rate from --start-pps (1000) over --tunnels (1) until a step of
                                 --step-seconds (3) loses more than --max-loss (0.1) %, or --max-pps (200000); then
                                 --refine (3) bisection steps: the highest rate within the loss limit
          mixed                  udp alone, then again while --bulk-streams (8) TCP streams between two other edges
                                 saturate the relay: loss and latency p99 side by side
          churn                  a watcher edge binds every tunnel; --cycles (3) times, --edges (10) edges connect,
                                 bind --tunnels (5) each, unbind and disconnect: handshakes/s, binds/s, notification
                                 latency at the watcher, errors
          native-udp             (see below)

          Where:   --relay HOST:PORT     a running relay (edges' QUIC address); without it the binary from
                                         --relay-bin (or $BILBYRELAY_BIN, or out/bilbyrelay) is started on free
                                         loopback ports with its per-edge limits lifted
                   --compare A,B         two relays in the same run, each an address or a binary to start;
                                         interleaved (A then B, B then A for further --rounds); ratios B/A
                   --rounds N (1)        repeat; figures are medians
                   --relay-pid PID       with an address: the relay's process, for RSS and CPU over time
          Output:  figures on stdout (--json: one JSON document), step lines on stderr, a live progress line on
                   stderr when it is a terminal; --report DIR writes DIR/index.html (self-contained, SVG charts)
                   and DIR/summary.json. Ctrl-C stops and prints what was measured (exit 130).
          Relays given by address keep their own limits: churn needs --edges + 1 connections from this host
          and --edges x --tunnels tunnels on the watcher's connection; binds need bind authorisation off.

        Relay against direct path (the same QUIC stack with and without the relay in between; one JSON line on
        stdout, a readable summary on stderr, all traffic on 127.0.0.1)
          direct                 every direct-path scenario (spawns a direct-server child)
          relay                  every relay-path scenario (spawns the relay and a relay-peer child)
          direct-goodput  direct-datagrams  direct-handshakes
          direct-streams  relay-streams     (short streams one after another)
          relay-goodput   relay-datagrams   relay-handshakes   relay-binds   relay-startup
          relay-memory           --streams streams (--bytes, --seconds) and max-rate datagrams (--dgram-seconds)
                                 at once, then the relay's VmRSS 5, 10, 20 and 30 s after the load, edges connected
          relay-stalled          stalled receivers: --stalled-pairs senders each write into --streams streams for
                                 --seconds (and on until every sender is blocked, at most --settle-seconds more)
                                 into a receiver that accepts them and never reads, one healthy tunnel
                                 alongside (and alone for --solo-seconds before); relay RSS peak, bytes accepted per
                                 sender, ping/pong and a 1 MiB stream on a second tunnel per stalled sender, healthy
                                 throughput vs solo, buffered bytes and datagram drops from /metrics, relay RSS 30 s
                                 after every edge left (about a minute)
          relay-attack           relay-stalled with 200 pairs, --max-buffered-bytes 256M and, once the streams
                                 are blocked, max-rate datagrams into the stalled tunnels for --dgram-seconds
          native-udp             media datagrams (--size 1316) for --seconds 10 through a trivial forwarder (one
                                 recvfrom + sendto per datagram), a batched forwarder (recvmmsg, sendmmsg with
                                 GSO, no session logic: the kernel's floor), then the relay's native UDP plane; at
                                 most --window 256 in flight; datagrams/s, Mbit/s, loss, CPU per GB, and the ratio.
                                 --udp-relay HOST:PORT measures a running relay's native plane instead (its CPU
                                 with --relay-pid); --relay-only leaves the forwarders out; --relay-threads N
                                 starts the relay with N loops;
                                 --kernel-baseline adds a kernel-only path (nftables DNAT; root, inside unshare -n)
          soak                   spawns the relay with a short idle timeout and runs mixed load for --minutes 60
                                 (or --seconds): a long-lived edge pair (a verified --stream-bytes 4M stream each
                                 way every --stream-interval 1 s, --rate 1000 datagrams/s of --payload 1200) and
                                 --churn-workers 4 that every --churn-period 5 s connect two edges, bind, move
                                 --churn-bytes 1M each way and --churn-datagrams 100, then vanish without CLOSE;
                                 samples the relay's RSS, fds, threads, CPU and /metrics every --sample-seconds 5;
                                 --idle-timeout 6 --keep-alive 2; writes --results DIR (perf/results/soak-<time>);
                                 exits 1 unless there were no crashes, byte errors or failed transfers, every edge
                                 was cleaned up, and RSS, fds and threads stayed flat (see docs/reliability.md)
          soak-report --dir DIR  the report of a soak's results again (index.html, soak-resources.svg,
                                 soak-load.svg) from DIR/samples.json, judged by the current rule
          udp-forwarder          those forwarders (started by native-udp): --listen ip:port [--batched]
          direct-server          the direct path's far side: sinks streams, echoes datagrams
                                 --listen 127.0.0.1:0   prints "LISTENING ip:port"
          relay-peer             edge B: binds --stream-tunnel UUID (tcp) and --dgram-tunnel UUID (udp) as
                                 egress on --relay ip:port, prints "BOUND", then sinks and echoes
          stalled-peer, stalled-senders   the two sides of relay-stalled (started by it)
          summarize DIR          median and min-max of every figure in DIR/*.json, relay/direct ratios;
                                 writes DIR/summary.json and DIR/summary.md

        Options (defaults)
          --scenarios goodput,streams,datagrams,handshakes,binds   (direct and relay)
          --relay-bin out/bilbyrelay  (or $BILBYRELAY_BIN)  --relay ip:port  use a running relay instead
          --relay-pid PID        with --relay: the relay's pid, for memory and CPU figures
          --server ip:port       use a running direct-server instead of spawning one
          --bytes 1G --seconds 10 --streams 8              goodput: whichever limit comes first
          --stream-opens 2000 --stream-seconds 10              streams
          --rates 5000,20000,50000,max --dgram-seconds 5 --payload 1316
          --handshakes 500 --handshake-seconds 5 --concurrency 16
          --idle-edges 200       binds: idle edges (one ping each) connected first, for the relay's RSS per edge
          --tunnels 1000         binds: tunnels bound by two edges
          --stalled-pairs 20 (attack 200) --streams 8 --seconds 10 --settle-seconds 20 --solo-seconds 5
          --datagrams --dgram-seconds 5   stalled: max-rate datagrams into the stalled tunnels once the streams
                                 are blocked (always on in attack)
          --max-buffered-bytes N sets the spawned relay's BILBYRELAY_MAX_BUFFERED_BYTES (attack: 256M)
          --rss-limit 4G         stalled, attack: stop the senders early if the relay's RSS passes this
          --relay-api ip:port    with --relay: its stats endpoint (stalled, attack scrape /metrics)
          --relay-log-level info
        """;
}
