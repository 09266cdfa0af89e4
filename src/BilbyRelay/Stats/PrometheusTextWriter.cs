using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace BilbyRelay.Stats;

/// <summary>
/// Renders <c>/metrics</c> in the Prometheus text exposition format 0.0.4: every family has
/// <c># HELP</c> and <c># TYPE</c>; counters end in <c>_total</c> and gauges do not, except
/// <c>bilbycast_relay_tunnels_total</c>, a gauge kept under the name upstream dashboards query.
/// Writes bytes straight into the given buffer; no intermediate strings.
/// </summary>
internal static class PrometheusTextWriter
{
    public static void Write(IBufferWriter<byte> output, string version, MetricsSnapshot metrics)
    {
        WriteHeader(output, "bilbycast_relay_info"u8, "Relay server information."u8, Gauge);
        output.Write("bilbycast_relay_info{version=\""u8);
        WriteLabelValue(output, version);
        output.Write("\"} 1\n"u8);

        WriteFamily(output, "bilbycast_relay_uptime_seconds"u8, "Relay uptime in seconds."u8, Gauge, metrics.UptimeSeconds);
        WriteFamily(output, "bilbycast_relay_edges_connected"u8, "Number of connected edge nodes."u8, Gauge, metrics.EdgesConnected);
        WriteFamily(output, "bilbycast_relay_tunnels_total"u8, "Total number of tunnels (active + pending)."u8, Gauge, metrics.TunnelsTotal);
        WriteFamily(output, "bilbycast_relay_tunnels_active"u8, "Number of active tunnels."u8, Gauge, metrics.TunnelsActive);
        WriteFamily(output, "bilbycast_relay_bytes_forwarded_total"u8, "Total bytes forwarded (ingress + egress) across all tunnels."u8, Counter, metrics.BytesForwardedTotal);
        WriteFamily(output, "bilbycast_relay_bytes_ingress_total"u8, "Total bytes received from ingress edges."u8, Counter, metrics.BytesIngressTotal);
        WriteFamily(output, "bilbycast_relay_bytes_egress_total"u8, "Total bytes received from egress edges."u8, Counter, metrics.BytesEgressTotal);
        WriteFamily(output, "bilbycast_relay_tcp_streams_total"u8, "Total TCP streams forwarded."u8, Counter, metrics.TcpStreamsTotal);
        WriteFamily(output, "bilbycast_relay_tcp_streams_active"u8, "Currently active TCP streams being forwarded."u8, Gauge, metrics.TcpStreamsActive);
        WriteFamily(output, "bilbycast_relay_udp_datagrams_total"u8, "Total UDP datagrams forwarded."u8, Counter, metrics.UdpDatagramsTotal);
        WriteFamily(output, "bilbycast_relay_connections_total"u8, "Total QUIC connections accepted since startup."u8, Counter, metrics.ConnectionsTotal);
        WriteFamily(output, "bilbycast_relay_peak_tunnels"u8, "Peak number of concurrent active tunnels."u8, Gauge, metrics.PeakTunnels);
        WriteFamily(output, "bilbycast_relay_peak_edges"u8, "Peak number of concurrent connected edges."u8, Gauge, metrics.PeakEdges);
        WriteFamily(output, "bilbycast_relay_connections_rejected_total"u8, "Edge connections closed at once by the per-IP cap (max_connections_per_ip)."u8, Counter, metrics.ConnectionsRejectedTotal);

        WriteReasonFamily(output, "bilbycast_relay_datagram_drops_total"u8, "Datagrams dropped instead of forwarded, by reason."u8, metrics.DatagramDrops);
        WriteReasonFamily(output, "bilbycast_relay_stream_refusals_total"u8, "Data streams refused before forwarding, by reason."u8, metrics.StreamRefusals);

        WriteFamily(output, "bilbycast_relay_event_queue_depth"u8, "Events queued for delivery to the manager."u8, Gauge, metrics.EventQueueDepth);
        WriteFamily(output, "bilbycast_relay_events_dropped_total"u8, "Events discarded because the bounded event queue was full."u8, Counter, metrics.EventsDroppedTotal);
        WriteFamily(output, "bilbycast_relay_buffered_bytes"u8, "Bytes held for edges: stream buffers, unacknowledged stream data and datagram queues."u8, Gauge, metrics.BufferedBytes);
        WriteFamily(output, "bilbycast_relay_max_buffered_bytes"u8, "The memory budget for buffered bytes (max_buffered_bytes)."u8, Gauge, metrics.MaxBufferedBytes);
        WriteFamily(output, "bilbycast_relay_gc_heap_bytes"u8, "Bytes allocated on the managed heap and not yet collected."u8, Gauge, metrics.GcHeapBytes);

        WriteNativeUdp(output, metrics.NativeUdp);

        // Only with a manager configured: a relay without one must not look permanently disconnected.
        if (metrics.Manager is { } manager)
        {
            WriteFamily(output, "bilbycast_relay_manager_connected"u8, "1 while the manager link is up and authenticated, else 0."u8, Gauge, manager.Connected ? 1 : 0);
            WriteFamily(output, "bilbycast_relay_manager_disconnected_seconds"u8, "Seconds since the manager link went down (since start if it never came up); 0 while connected."u8, Gauge, manager.DisconnectedSecs);
        }

        if (metrics.EventLog is { } eventLog)
        {
            WriteFamily(output, "bilbycast_relay_event_log_queue_depth"u8, "Events waiting to be written to the structured event log."u8, Gauge, eventLog.QueueDepth);
            WriteFamily(output, "bilbycast_relay_event_log_written_total"u8, "Events written to the structured event log."u8, Counter, eventLog.WrittenTotal);
            WriteFamily(output, "bilbycast_relay_event_log_dropped_total"u8, "Events discarded because the structured event log's queue was full."u8, Counter, eventLog.DroppedTotal);
            WriteFamily(output, "bilbycast_relay_event_log_write_errors_total"u8, "Events lost because the structured event log's output refused them."u8, Counter, eventLog.WriteErrorsTotal);
        }

        var loops = metrics.Loops;
        WriteLoopFamily(output, "bilbycast_relay_quic_packets_received_total"u8, "UDP datagrams received by the QUIC loop, dropped ones included."u8, loops, static l => l.PacketsReceived);
        WriteLoopFamily(output, "bilbycast_relay_quic_packets_sent_total"u8, "QUIC packets sent by the QUIC loop."u8, loops, static l => l.PacketsSent);
        WriteLoopFamily(output, "bilbycast_relay_quic_bytes_received_total"u8, "UDP payload bytes received by the QUIC loop."u8, loops, static l => l.BytesReceived);
        WriteLoopFamily(output, "bilbycast_relay_quic_bytes_sent_total"u8, "UDP payload bytes sent by the QUIC loop."u8, loops, static l => l.BytesSent);
        WriteLoopFamily(output, "bilbycast_relay_quic_receive_errors_total"u8, "UDP receive calls that failed."u8, loops, static l => l.ReceiveErrors);
        WriteLoopFamily(output, "bilbycast_relay_quic_receive_drops_total"u8, "Received datagrams dropped before reaching a connection (truncated, not QUIC, unroutable, refused)."u8, loops, static l => l.ReceiveDrops);
        WriteLoopFamily(output, "bilbycast_relay_quic_send_drops_total"u8, "Packets not sent: offered while earlier ones waited for the socket, or refused by a socket error."u8, loops, static l => l.SendDrops);
        WriteLoopFamily(output, "bilbycast_relay_quic_send_waits_total"u8, "Times the socket send buffer was full and packets waited for it to become writable."u8, loops, static l => l.SendWaits);
        WriteHeader(output, "bilbycast_relay_quic_loop_busy_seconds_total"u8, "Seconds the QUIC loop spent working rather than waiting; its rate is the busy fraction."u8, Counter);
        foreach (LoopMetrics loop in loops)
        {
            WriteLoopSampleName(output, "bilbycast_relay_quic_loop_busy_seconds_total"u8, loop);
            WriteSeconds(output, loop.BusySeconds);
        }

        WriteLoopFamily(output, "bilbycast_relay_quic_handshakes_completed_total"u8, "QUIC handshakes completed with edges."u8, loops, static l => l.HandshakesCompleted);
        WriteLoopFamily(output, "bilbycast_relay_quic_handshakes_failed_total"u8, "QUIC connections that ended before their handshake completed."u8, loops, static l => l.HandshakesFailed);
        WriteLoopFamily(output, "bilbycast_relay_quic_handshakes_retried_total"u8, "QUIC connection attempts answered with Retry to validate the client's address."u8, loops, static l => l.HandshakesRetried);
        WriteLoopFamily(output, "bilbycast_relay_quic_half_open_connections"u8, "QUIC connections whose handshake has not completed."u8, loops, static l => l.HalfOpenConnections, Gauge);
        WriteHeader(output, "bilbycast_relay_quic_handshakes_refused_total"u8, "QUIC connection attempts refused before any state was kept, by reason."u8, Counter);
        foreach (LoopMetrics loop in loops)
        {
            WriteLoopReasonSample(output, "bilbycast_relay_quic_handshakes_refused_total"u8, loop, "half_open_cap"u8, loop.HandshakesRefusedHalfOpenCap);
            WriteLoopReasonSample(output, "bilbycast_relay_quic_handshakes_refused_total"u8, loop, "invalid_token"u8, loop.HandshakesRefusedInvalidToken);
        }
    }

    private static void WriteNativeUdp(IBufferWriter<byte> output, NativeUdpMetricsSnapshot udp)
    {
        // Upstream's four families keep their names for dashboards; udp_sessions_total is a gauge as upstream has it.
        WriteFamily(output, "bilbycast_relay_udp_sessions_total"u8, "Native UDP sessions (active + waiting)."u8, Gauge, udp.SessionsTotal);
        WriteFamily(output, "bilbycast_relay_udp_sessions_active"u8, "Native UDP sessions with both slots latched."u8, Gauge, udp.SessionsActive);
        WriteFamily(output, "bilbycast_relay_udp_bytes_forwarded_total"u8, "Bytes the native UDP plane sent onwards."u8, Counter, udp.BytesForwardedTotal);
        WriteFamily(output, "bilbycast_relay_udp_datagrams_forwarded_total"u8, "Datagrams the native UDP plane sent onwards."u8, Counter, udp.DatagramsForwardedTotal);
        WriteFamily(output, "bilbycast_relay_udp_bytes_received_total"u8, "Media bytes received from latched native UDP slots, forwarded or not."u8, Counter, udp.BytesReceivedTotal);
        WriteReasonFamily(output, "bilbycast_relay_udp_dropped_total"u8, "Native UDP datagrams dropped instead of forwarded, by reason."u8, udp.Dropped);
        WriteReasonFamily(output, "bilbycast_relay_udp_register_rejected_total"u8, "Native UDP registers refused, by reason."u8, udp.RegisterRejected);
        WriteFamily(output, "bilbycast_relay_udp_registers_total"u8, "Native UDP registers accepted."u8, Counter, udp.RegistersTotal);
        WriteFamily(output, "bilbycast_relay_udp_sessions_reaped_total"u8, "Native UDP sessions removed after silence."u8, Counter, udp.SessionsReapedTotal);
        WriteHeader(output, "bilbycast_relay_udp_socket_buffer_bytes"u8, "Socket buffer the kernel granted each native UDP socket, by direction."u8, Gauge);
        foreach (SocketBufferGauge buffer in udp.SocketBuffers)
        {
            WriteBufferSample(output, buffer.Address, "receive"u8, buffer.ReceiveBytes);
            WriteBufferSample(output, buffer.Address, "send"u8, buffer.SendBytes);
        }
    }

    private static void WriteBufferSample(IBufferWriter<byte> output, string address, ReadOnlySpan<byte> direction, long value)
    {
        output.Write("bilbycast_relay_udp_socket_buffer_bytes{addr=\""u8);
        WriteLabelValue(output, address);
        output.Write("\",dir=\""u8);
        output.Write(direction);
        output.Write("\"} "u8);
        WriteValue(output, value);
    }

    private static ReadOnlySpan<byte> Gauge => "gauge"u8;

    private static ReadOnlySpan<byte> Counter => "counter"u8;

    private static void WriteFamily(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> help, ReadOnlySpan<byte> type, long value)
    {
        WriteHeader(output, name, help, type);
        output.Write(name);
        output.Write(" "u8);
        WriteValue(output, value);
    }

    private static void WriteReasonFamily(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> help, IReadOnlyList<ReasonCount> counts)
    {
        WriteHeader(output, name, help, Counter);
        foreach (ReasonCount count in counts)
        {
            output.Write(name);
            output.Write("{reason=\""u8);
            WriteLabelValue(output, count.Reason);
            output.Write("\"} "u8);
            WriteValue(output, count.Count);
        }
    }

    private static void WriteLoopFamily(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> help, IReadOnlyList<LoopMetrics> loops, Func<LoopMetrics, long> value) =>
        WriteLoopFamily(output, name, help, loops, value, Counter);

    private static void WriteLoopFamily(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> help, IReadOnlyList<LoopMetrics> loops, Func<LoopMetrics, long> value, ReadOnlySpan<byte> type)
    {
        WriteHeader(output, name, help, type);
        foreach (LoopMetrics loop in loops)
        {
            WriteLoopSampleName(output, name, loop);
            WriteValue(output, value(loop));
        }
    }

    private static void WriteLoopReasonSample(IBufferWriter<byte> output, ReadOnlySpan<byte> name, in LoopMetrics loop, ReadOnlySpan<byte> reason, long value)
    {
        output.Write(name);
        output.Write("{loop=\""u8);
        WriteLabelValue(output, loop.Loop);
        output.Write("\",reason=\""u8);
        output.Write(reason);
        output.Write("\"} "u8);
        WriteValue(output, value);
    }

    private static void WriteLoopSampleName(IBufferWriter<byte> output, ReadOnlySpan<byte> name, in LoopMetrics loop)
    {
        output.Write(name);
        output.Write("{loop=\""u8);
        WriteLabelValue(output, loop.Loop);
        output.Write("\"} "u8);
    }

    private static void WriteHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> help, ReadOnlySpan<byte> type)
    {
        output.Write("# HELP "u8);
        output.Write(name);
        output.Write(" "u8);
        output.Write(help);
        output.Write("\n# TYPE "u8);
        output.Write(name);
        output.Write(" "u8);
        output.Write(type);
        output.Write("\n"u8);
    }

    private static void WriteValue(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(21);
        Utf8Formatter.TryFormat(value, span, out int written);
        span[written] = (byte)'\n';
        output.Advance(written + 1);
    }

    /// <summary>Fixed-point with microseconds: no exponent, and finer than any scrape interval needs.</summary>
    private static void WriteSeconds(IBufferWriter<byte> output, double seconds)
    {
        Span<byte> span = output.GetSpan(32);
        Utf8Formatter.TryFormat(seconds, span, out int written, new StandardFormat('F', 6));
        span[written] = (byte)'\n';
        output.Advance(written + 1);
    }

    /// <summary>Label values escape backslash, double quote and line feed (format 0.0.4); everything else is UTF-8 as is.</summary>
    private static void WriteLabelValue(IBufferWriter<byte> output, string value)
    {
        foreach (Rune rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '\\':
                    output.Write("\\\\"u8);
                    break;
                case '"':
                    output.Write("\\\""u8);
                    break;
                case '\n':
                    output.Write("\\n"u8);
                    break;
                default:
                    Span<byte> span = output.GetSpan(4);
                    output.Advance(rune.EncodeToUtf8(span));
                    break;
            }
        }
    }
}
