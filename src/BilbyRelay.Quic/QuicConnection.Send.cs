using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>
/// The send path: fills packets from queued datagrams, streams with data, and ngtcp2's own frames, and hands them
/// to the socket in GSO batches of equal-sized segments (the last may be shorter).
/// </summary>
public sealed unsafe partial class QuicConnection
{
    private const int MaxVectorsPerWrite = 16;

    // How often streams blocked by the peer's flow control are tried again (RetryFlowControlBlockedStreams).
    private const ulong FlowControlBlockedRetryNanoseconds = 100_000_000;

    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    /// <summary>UDP payload bytes sent for this connection.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>UDP payload bytes received for this connection.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Loop thread: writes everything ngtcp2 lets us send now (congestion control and pacing permitting).</summary>
    internal void WritePackets(ulong now)
    {
        if (_state != ConnectionState.Handshaking && _state != ConnectionState.Established)
        {
            return;
        }

        TopUpDeferredCredit();
        var maxUdp = (int)Ngtcp2.ngtcp2_conn_get_path_max_tx_udp_payload_size(NativeConnection);
        if (maxUdp != _datagramSizePathLimit && _handshakeCompleted)
        {
            // Path MTU discovery raised (or a new path lowered) the packet size: media-sized
            // datagrams (1316-byte SRT payloads) only fit once the probe above 1200 bytes succeeded.
            _datagramSizePathLimit = maxUdp;
            UpdateMaxDatagramSize(maxUdp);
        }

        // Packets are written into buffers of the configured maximum size, not the current path size:
        // ngtcp2 keeps ordinary packets within the path size but needs the room for path MTU probes.
        var maxPacket = (int)Ngtcp2.ngtcp2_conn_get_max_tx_udp_payload_size(NativeConnection);
        var quantum = (int)Ngtcp2.ngtcp2_conn_get_send_quantum(NativeConnection);
        var maxPerBatch = Math.Min(UdpBatchSocket.MaxGsoSegments, ((UdpBatchSocket.MaxGsoBytes - maxPacket) / maxUdp) + 1);
        var budget = Math.Clamp(quantum / maxUdp, 1, maxPerBatch);
        var buffer = _endpoint.SendBuffer;
        var batchBytes = 0;
        var batchPackets = 0;

        // The batch's GSO segment size: the size of its first packet. Packets of one kind (media datagrams, say) are
        // often all the same size below the path's maximum, and still leave in one sendmsg.
        var segment = 0;
        var total = 0;
        var vectors = stackalloc ngtcp2_vec[MaxVectorsPerWrite];

        while (total < budget)
        {
            var written = WriteOnePacket(buffer + batchBytes, maxPacket, vectors, now);
            if (written < 0)
            {
                FlushBatch(buffer, batchBytes, batchPackets, segment);
                CloseWithError((int)written, now);
                return;
            }

            if (written == 0)
            {
                break;
            }

            total++;
            if (written > maxUdp)
            {
                // A path MTU probe: larger than the GSO segment size, so it goes out on its own.
                FlushBatch(buffer, batchBytes, batchPackets, segment);
                if (!_endpoint.IsSendBlocked)
                {
                    SendPackets(buffer + batchBytes, (int)written, 0, 1);
                }

                batchBytes = 0;
                batchPackets = 0;
                if (WaitForWritableSocket())
                {
                    break;
                }

                continue;
            }

            if (batchPackets > 0 && written > segment)
            {
                // GSO segments are equal but for a shorter last one: a longer packet cannot join. The batch goes
                // first and the packet starts the next one (if the socket just filled up, it is lost like a probe
                // above, and QUIC recovers it).
                FlushBatch(buffer, batchBytes, batchPackets, segment);
                Buffer.MemoryCopy(buffer + batchBytes, buffer, written, written);
                batchBytes = 0;
                batchPackets = 0;
            }

            if (batchPackets == 0)
            {
                segment = (int)written;
            }

            batchBytes += (int)written;
            batchPackets++;
            if (written < segment || batchPackets == maxPerBatch)
            {
                // A shorter packet ends the batch.
                FlushBatch(buffer, batchBytes, batchPackets, segment);
                batchBytes = 0;
                batchPackets = 0;
                if (WaitForWritableSocket())
                {
                    break;
                }
            }
        }

        FlushBatch(buffer, batchBytes, batchPackets, segment);
        Ngtcp2.ngtcp2_conn_update_pkt_tx_time(NativeConnection, now);
        AfterNgtcp2Call(now);
    }

    /// <summary>
    /// True when the socket's send buffer filled up: the endpoint keeps what it refused, and this connection writes
    /// again (it stays dirty) once the socket is writable, instead of producing packets that would be dropped.
    /// </summary>
    private bool WaitForWritableSocket()
    {
        if (!_endpoint.IsSendBlocked)
        {
            return false;
        }

        _endpoint.MarkDirty(this);
        return true;
    }

    private void FlushBatch(byte* buffer, int bytes, int packets, int segmentSize)
    {
        if (packets > 0)
        {
            SendPackets(buffer, bytes, packets > 1 ? segmentSize : 0, packets);
        }
    }

    /// <summary>Sends to the path ngtcp2 wrote the packets for (it fills the endpoint's write path).</summary>
    private void SendPackets(byte* data, int length, int segmentSize, int packets)
    {
        var path = _endpoint.WritePath;
        var remote = path->path.remote.addrlen > 0 ? (byte*)path->path.remote.addr : _native!.RemoteAddress;
        var remoteLength = path->path.remote.addrlen > 0 ? (int)path->path.remote.addrlen : _native!.RemoteAddressLength;
        _endpoint.Send(data, length, remote, remoteLength, segmentSize, packets);
        Interlocked.Add(ref _packetsSent, packets);
        Interlocked.Add(ref _bytesSent, length);
    }

    /// <summary>
    /// Builds one packet: datagrams first (latency-sensitive, never retransmitted), then stream data round-robin,
    /// coalescing frames while ngtcp2 reports WRITE_MORE. Returns the packet size, 0 when nothing may be sent, or a
    /// fatal ngtcp2 error.
    /// </summary>
    private nint WriteOnePacket(byte* dest, int destLength, ngtcp2_vec* vectors, ulong now)
    {
        var path = &_endpoint.WritePath->path;
        ngtcp2_pkt_info info = default;
        while (true)
        {
            if (_state == ConnectionState.Established && _datagramQueue.TryPeek(out var datagram))
            {
                int accepted;
                var vector = new ngtcp2_vec { @base = datagram.Pointer, len = (nuint)datagram.Length };
                var n = Ngtcp2.ngtcp2_conn_writev_datagram_versioned(
                    NativeConnection, path, Ngtcp2.NGTCP2_PKT_INFO_V1, &info, dest, (nuint)destLength, &accepted,
                    Ngtcp2.NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &vector, 1, now);
                if (n == Ngtcp2.NGTCP2_ERR_WRITE_MORE)
                {
                    if (accepted != 0)
                    {
                        CompleteHeadDatagram(sent: true);
                    }

                    continue;
                }

                if (n == Ngtcp2.NGTCP2_ERR_INVALID_ARGUMENT || n == Ngtcp2.NGTCP2_ERR_INVALID_STATE)
                {
                    // Larger than the peer allows, or the peer does not accept datagrams at all.
                    CompleteHeadDatagram(sent: false);
                    continue;
                }

                if (n < 0)
                {
                    return n;
                }

                if (accepted != 0)
                {
                    CompleteHeadDatagram(sent: true);
                }
                else if (datagram.Length > _maxDatagramSize)
                {
                    // The path shrank below it after it was queued: it will never fit.
                    CompleteHeadDatagram(sent: false);
                    if (n == 0)
                    {
                        continue;
                    }
                }

                return n;
            }

            if (_sendQueue.TryPeek(out var stream))
            {
                if (!stream.TryGetSendData(vectors, MaxVectorsPerWrite, out var vectorCount, out var dataLength, out var fin))
                {
                    stream.InSendQueue = false;
                    _sendQueue.Dequeue();
                    continue;
                }

                nint accepted;
                var flags = Ngtcp2.NGTCP2_WRITE_STREAM_FLAG_MORE | (fin ? Ngtcp2.NGTCP2_WRITE_STREAM_FLAG_FIN : 0);
                var n = Ngtcp2.ngtcp2_conn_writev_stream_versioned(
                    NativeConnection, path, Ngtcp2.NGTCP2_PKT_INFO_V1, &info, dest, (nuint)destLength, &accepted,
                    flags, stream.StreamId, vectors, (nuint)vectorCount, now);
                if (accepted >= 0)
                {
                    stream.OnDataSent(accepted, fin && accepted == dataLength);
                }

                switch (n)
                {
                    case Ngtcp2.NGTCP2_ERR_WRITE_MORE:
                        continue;
                    case Ngtcp2.NGTCP2_ERR_STREAM_DATA_BLOCKED:
                        stream.OnPeerFlowControlBlocked();
                        stream.InSendQueue = false;
                        _sendQueue.Dequeue();
                        continue;
                    case Ngtcp2.NGTCP2_ERR_STREAM_SHUT_WR:
                    case Ngtcp2.NGTCP2_ERR_STREAM_NOT_FOUND:
                        if (stream.WriteAbort is null)
                        {
                            stream.OnPeerStopSending();
                        }

                        stream.InSendQueue = false;
                        _sendQueue.Dequeue();
                        continue;
                }

                if (n < 0)
                {
                    return n;
                }

                if (n > 0 && _sendQueue.Count > 1)
                {
                    // Round-robin: the next packet starts with the next stream.
                    _sendQueue.Dequeue();
                    _sendQueue.Enqueue(stream);
                }

                return n;
            }

            nint none;
            return Ngtcp2.ngtcp2_conn_writev_stream_versioned(
                NativeConnection, path, Ngtcp2.NGTCP2_PKT_INFO_V1, &info, dest, (nuint)destLength, &none, 0, -1, null, 0, now);
        }
    }

    /// <summary>
    /// Loop thread: puts streams blocked by the peer's flow control back into the send queue, at most once per
    /// <see cref="FlowControlBlockedRetryNanoseconds"/>. ngtcp2 1.11 reports a peer's STOP_SENDING only as
    /// NGTCP2_ERR_STREAM_SHUT_WR when the stream is written, and a blocked stream is not written; without this, a writer
    /// (or a splice) into a stream whose reader stopped would wait until the stream closed, which may be never.
    /// </summary>
    private void RetryFlowControlBlockedStreams(ulong now)
    {
        if (now - _lastFlowControlBlockedRetry < FlowControlBlockedRetryNanoseconds || _state != ConnectionState.Established)
        {
            return;
        }

        _lastFlowControlBlockedRetry = now;
        foreach (var stream in _streams.Values)
        {
            if (stream.IsFlowControlBlocked)
            {
                stream.ClearFlowControlBlocked();
                EnqueueSend(stream);
            }
        }
    }

    /// <summary>Loop thread: puts a stream with data (or a FIN) to send into the round-robin queue.</summary>
    internal void EnqueueSend(QuicStream stream)
    {
        if (!stream.InSendQueue && !stream.IsFlowControlBlocked && _state != ConnectionState.Freed)
        {
            stream.InSendQueue = true;
            _sendQueue.Enqueue(stream);
        }

        _endpoint.MarkDirty(this);
    }
}
