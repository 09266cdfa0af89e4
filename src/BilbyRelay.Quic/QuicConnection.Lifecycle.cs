using System.Text;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>Packet input, timers, and the ways a connection ends (closing, draining, idle, reset, shutdown).</summary>
public sealed unsafe partial class QuicConnection
{
    private const int CloseRetransmitEvery = 4;

    /// <summary>Loop thread: feeds one received datagram to ngtcp2.</summary>
    internal void ReceivePacket(byte* data, int length, byte* source, int sourceLength, ulong now)
    {
        Interlocked.Increment(ref _packetsReceived);
        Interlocked.Add(ref _bytesReceived, length);
        switch (_state)
        {
            case ConnectionState.Closing:
                ResendClosePacket();
                return;
            case ConnectionState.Draining:
            case ConnectionState.Freed:
                return;
        }

        var path = new ngtcp2_path
        {
            local = new ngtcp2_addr { addr = _endpoint.LocalAddress, addrlen = (uint)_endpoint.LocalAddressLength },
            remote = new ngtcp2_addr { addr = source, addrlen = (uint)sourceLength },
        };
        ngtcp2_pkt_info info = default;
        var rv = Ngtcp2.ngtcp2_conn_read_pkt_versioned(NativeConnection, &path, Ngtcp2.NGTCP2_PKT_INFO_V1, &info, data, (nuint)length, now);
        if (rv != 0)
        {
            HandleReadError(rv, now);
            return;
        }

        AfterNgtcp2Call(now);
    }

    /// <summary>Work deferred out of callbacks (ngtcp2 is not re-entrant).</summary>
    private void AfterNgtcp2Call(ulong now)
    {
        if (_retryBlockedOpens)
        {
            _retryBlockedOpens = false;
            RetryBlockedOpens();
        }

        RetryFlowControlBlockedStreams(now);
    }

    private void HandleReadError(int rv, ulong now)
    {
        switch (rv)
        {
            case Ngtcp2.NGTCP2_ERR_DRAINING:
                EnterDraining(now);
                return;
            case Ngtcp2.NGTCP2_ERR_CLOSING:
                return;
            case Ngtcp2.NGTCP2_ERR_DROP_CONN:
                ReportClosed(new QuicConnectionCloseInfo(
                    IsEstablishedOrWas ? QuicCloseReason.TransportError : QuicCloseReason.HandshakeFailure, null, null, NativeErrors.Ngtcp2Message(rv)));
                Free();
                return;
            case Ngtcp2.NGTCP2_ERR_DISCARD_PKT:
            case Ngtcp2.NGTCP2_ERR_RETRY:
                return;
            default:
                CloseWithError(rv, now);
                return;
        }
    }

    private bool IsEstablishedOrWas => _handshakeCompleted;

    /// <summary>The peer closed (or reset): report why, then stay silent for 3×PTO before freeing.</summary>
    private void EnterDraining(ulong now)
    {
        QuicConnectionCloseInfo info;
        if (_statelessResetReceived)
        {
            info = new QuicConnectionCloseInfo(QuicCloseReason.StatelessReset, null, null, null);
        }
        else
        {
            var ccerr = Ngtcp2.ngtcp2_conn_get_ccerr(NativeConnection);
            var reason = ccerr->reasonlen > 0 ? Encoding.UTF8.GetString(ccerr->reason, (int)ccerr->reasonlen) : null;
            info = ccerr->type switch
            {
                Ngtcp2.NGTCP2_CCERR_TYPE_APPLICATION => new QuicConnectionCloseInfo(QuicCloseReason.PeerClose, (long)ccerr->error_code, null, reason),
                Ngtcp2.NGTCP2_CCERR_TYPE_IDLE_CLOSE => new QuicConnectionCloseInfo(QuicCloseReason.IdleTimeout, null, null, reason),
                _ when !_handshakeCompleted => new QuicConnectionCloseInfo(QuicCloseReason.HandshakeFailure, null, (long)ccerr->error_code, reason),
                _ when ccerr->error_code == 0 => new QuicConnectionCloseInfo(QuicCloseReason.PeerClose, null, 0, reason),
                _ => new QuicConnectionCloseInfo(QuicCloseReason.TransportError, null, (long)ccerr->error_code, reason),
            };
        }

        MoveTo(ConnectionState.Draining);
        _closeDeadline = now + (3 * Ngtcp2.ngtcp2_conn_get_pto(NativeConnection));
        ReportClosed(info);
        _endpoint.Reschedule(this);
    }

    /// <summary>Loop thread: the application asked to close.</summary>
    private void CloseLocally(CloseRequest request, ulong now)
    {
        var reason = Encoding.UTF8.GetBytes(request.Reason);
        ngtcp2_ccerr ccerr;
        Ngtcp2.ngtcp2_ccerr_default(&ccerr);
        fixed (byte* reasonPtr = reason)
        {
            Ngtcp2.ngtcp2_ccerr_set_application_error(&ccerr, (ulong)request.Code, reasonPtr, (nuint)reason.Length);
            ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.LocalClose, request.Code, null, request.Reason));
            EnterClosing(&ccerr, now);
        }
    }

    /// <summary>Loop thread: ngtcp2 reported a fatal error; tell the peer (TLS alert for crypto failures) and close.</summary>
    private void CloseWithError(int liberr, ulong now)
    {
        ngtcp2_ccerr ccerr;
        Ngtcp2.ngtcp2_ccerr_default(&ccerr);
        if (liberr == Ngtcp2.NGTCP2_ERR_CRYPTO)
        {
            Ngtcp2.ngtcp2_ccerr_set_tls_alert(&ccerr, Ngtcp2.ngtcp2_conn_get_tls_alert(NativeConnection), null, 0);
        }
        else
        {
            Ngtcp2.ngtcp2_ccerr_set_liberr(&ccerr, liberr, null, 0);
        }

        var reason = _handshakeFailure ?? NativeErrors.Ngtcp2Message(liberr);
        ReportClosed(new QuicConnectionCloseInfo(
            _handshakeCompleted ? QuicCloseReason.TransportError : QuicCloseReason.HandshakeFailure, null, (long)ccerr.error_code, reason));
        EnterClosing(&ccerr, now);
    }

    /// <summary>Sends CONNECTION_CLOSE and keeps the connection for 3×PTO to answer retransmissions; frees at once if nothing could be sent.</summary>
    private void EnterClosing(ngtcp2_ccerr* ccerr, ulong now)
    {
        var path = _endpoint.WritePath;
        ngtcp2_pkt_info info = default;
        var maxUdp = (int)Ngtcp2.ngtcp2_conn_get_path_max_tx_udp_payload_size(NativeConnection);
        var written = Ngtcp2.ngtcp2_conn_write_connection_close_versioned(
            NativeConnection, &path->path, Ngtcp2.NGTCP2_PKT_INFO_V1, &info, _endpoint.SendBuffer, (nuint)maxUdp, ccerr, now);
        if (written <= 0)
        {
            Free();
            return;
        }

        _closePacket = new ReadOnlySpan<byte>(_endpoint.SendBuffer, (int)written).ToArray();
        SendPackets(_endpoint.SendBuffer, (int)written, 0, 1);
        MoveTo(ConnectionState.Closing);
        _closeDeadline = now + (3 * Ngtcp2.ngtcp2_conn_get_pto(NativeConnection));
        _endpoint.Reschedule(this);
    }

    private void ResendClosePacket()
    {
        // Answer a peer that has not seen our close yet, but not one for one (RFC 9000 §10.2.1).
        if (_closePacket is { } packet && ++_packetsSinceCloseSent % CloseRetransmitEvery == 1)
        {
            fixed (byte* data = packet)
            {
                SendPackets(data, packet.Length, 0, 1);
            }
        }
    }

    /// <summary>Loop thread: the endpoint is stopping. Best-effort CONNECTION_CLOSE, then free immediately.</summary>
    internal void CloseForShutdown(ulong now, bool silently)
    {
        if (!silently && (_state == ConnectionState.Handshaking || _state == ConnectionState.Established))
        {
            ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.EndpointShutdown, 0, null, "endpoint shutdown"));
            var reason = "endpoint shutdown"u8;
            ngtcp2_ccerr ccerr;
            Ngtcp2.ngtcp2_ccerr_default(&ccerr);
            fixed (byte* reasonPtr = reason)
            {
                Ngtcp2.ngtcp2_ccerr_set_application_error(&ccerr, 0, reasonPtr, (nuint)reason.Length);
                EnterClosing(&ccerr, now);
            }
        }

        ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.EndpointShutdown, null, null, "endpoint shutdown"));
        Free();
    }

    /// <summary>Loop thread: when the endpoint's timer for this connection should fire next.</summary>
    internal ulong NextExpiry() => _state switch
    {
        ConnectionState.Closing or ConnectionState.Draining => _closeDeadline,
        ConnectionState.Freed => ulong.MaxValue,
        _ => Ngtcp2.ngtcp2_conn_get_expiry(NativeConnection),
    };

    /// <summary>Loop thread: a timer fired (loss detection, ACK delay, pacing, keep-alive, idle, end of closing period).</summary>
    internal void OnTimer(ulong now)
    {
        if (_state == ConnectionState.Closing || _state == ConnectionState.Draining)
        {
            if (now >= _closeDeadline)
            {
                Free();
            }

            return;
        }

        var rv = Ngtcp2.ngtcp2_conn_handle_expiry(NativeConnection, now);
        if (rv == 0)
        {
            AfterNgtcp2Call(now);
            return;
        }

        switch (rv)
        {
            case Ngtcp2.NGTCP2_ERR_IDLE_CLOSE:
                if (!_handshakeCompleted)
                {
                    _handshakeFailureError ??= QuicError.ConnectionTimeout;
                }

                ReportClosed(_handshakeCompleted
                    ? new QuicConnectionCloseInfo(QuicCloseReason.IdleTimeout, null, null, null)
                    : new QuicConnectionCloseInfo(QuicCloseReason.HandshakeFailure, null, null, "no response from the peer"));
                Free();
                return;
            case Ngtcp2.NGTCP2_ERR_HANDSHAKE_TIMEOUT:
                _handshakeFailureError ??= QuicError.ConnectionTimeout;
                ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.HandshakeFailure, null, null, "handshake timed out"));
                Free();
                return;
            default:
                CloseWithError(rv, now);
                return;
        }
    }

    /// <summary>Loop thread: an engine bug surfaced while serving this connection; drop it rather than the loop.</summary>
    internal void OnLoopException(Exception e)
    {
        _endpoint.Emit(QuicLogLevel.Error, Id, $"Internal error on {this}: {e}");
        ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.TransportError, null, null, "internal error"));
        Free();
    }

    /// <summary>Loop thread, inside a callback: remember the failure; ngtcp2 then fails the call with CALLBACK_FAILURE.</summary>
    internal void OnCallbackException(Exception e)
    {
        _handshakeFailure ??= e.Message;
        _endpoint.Emit(QuicLogLevel.Error, Id, $"Callback failed on {this}: {e}");
    }

    /// <summary>
    /// Records how the connection ended (first report wins) and fails everything the application may be waiting on.
    /// Native state is untouched: it is freed later by <see cref="Free"/>.
    /// </summary>
    private void ReportClosed(QuicConnectionCloseInfo info)
    {
        if (_closeInfo is not null)
        {
            return;
        }

        _closeInfo = info;
        var exception = NativeErrors.ConnectionEnded(info);
        if (_connected is not null && !_connected.Task.IsCompleted)
        {
            _connected.TrySetException(CreateConnectFailure(info));
        }

        _incomingStreams.Writer.TryComplete(exception);
        foreach (var stream in _streams.Values)
        {
            stream.OnConnectionClosed(info);
        }

        FailPendingOpens();
        _closed.TrySetResult(info);
        if (info.Reason == QuicCloseReason.HandshakeFailure)
        {
            _endpoint.OnHandshakeFailed(this, NativeErrors.Describe(info));
        }

        if (_state == ConnectionState.Established || _handshakeCompleted)
        {
            _endpoint.Emit(QuicLogLevel.Debug, Id, $"{this} ended: {NativeErrors.Describe(info)}");
        }
    }

    private QuicException CreateConnectFailure(QuicConnectionCloseInfo info)
    {
        var error = _handshakeFailureError;
        if (error is null && info.TransportErrorCode == NativeErrors.CryptoErrorBase + NativeErrors.TlsAlertNoApplicationProtocol)
        {
            error = QuicError.AlpnMismatch;
        }

        if (error is null && info.Reason == QuicCloseReason.PeerClose && info.TransportErrorCode is null)
        {
            error = QuicError.ConnectionClosed;
        }

        if (error is null && info.TransportErrorCode == (long)NativeErrors.TransportConnectionRefused)
        {
            error = QuicError.ConnectionRefused;
        }

        var detail = NativeErrors.Describe(info);
        if (_handshakeFailure is { } failure && !detail.Contains(failure, StringComparison.Ordinal))
        {
            detail += $" ({failure})";
        }

        return NativeErrors.ConnectionEnded(info, error ?? QuicError.HandshakeFailed, $"Connecting to {RemoteEndPoint} failed: {detail}");
    }
}
