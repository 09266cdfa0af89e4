using System.Text;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>
/// Handlers behind the ngtcp2 callback trampolines (Native/ConnectionCallbacks.cs). They run on the loop thread
/// inside an ngtcp2 call: they must not call back into ngtcp2 functions that are not re-entrant (opening streams,
/// writing packets) and must never free the connection — such work is deferred to <see cref="AfterNgtcp2Call"/>.
/// </summary>
public sealed unsafe partial class QuicConnection
{
    internal int HandleGetNewConnectionId(ngtcp2_cid* cid, byte* token, int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        do
        {
            CryptoRandom.Fill(bytes);
        }
        while (!_endpoint.Route(bytes, this));

        _localConnectionIds.Add(bytes.ToArray());
        *cid = ngtcp2_cid.From(bytes);
        return _endpoint.GenerateStatelessResetToken(token, cid) == 0 ? 0 : Ngtcp2.NGTCP2_ERR_CALLBACK_FAILURE;
    }

    internal void HandleRemoveConnectionId(ngtcp2_cid* cid)
    {
        var id = cid->AsSpan();
        _endpoint.Unroute(id, this);
        for (var i = 0; i < _localConnectionIds.Count; i++)
        {
            if (id.SequenceEqual(_localConnectionIds[i]))
            {
                _localConnectionIds.RemoveAt(i);
                break;
            }
        }
    }

    internal int HandleHandshakeCompleted()
    {
        gnutls_datum_t selected;
        var alpn = GnuTls.gnutls_alpn_get_selected_protocol(_native!.Session, &selected) == 0
            ? Encoding.ASCII.GetString(selected.data, (int)selected.size)
            : "";
        if (alpn != _alpn)
        {
            _handshakeFailure = $"the peer negotiated ALPN '{alpn}' instead of '{_alpn}'";
            _handshakeFailureError = QuicError.AlpnMismatch;
            return Ngtcp2.NGTCP2_ERR_CALLBACK_FAILURE;
        }

        Volatile.Write(ref _negotiatedAlpn, alpn);
        var remote = Ngtcp2.ngtcp2_conn_get_remote_transport_params(NativeConnection);
        if (remote != null && remote->stateless_reset_token_present != 0)
        {
            _peerResetToken = new ReadOnlySpan<byte>(remote->stateless_reset_token, Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN).ToArray();
            _endpoint.RegisterPeerResetToken(_peerResetToken, this);
        }

        _handshakeCompleted = true;
        MoveTo(ConnectionState.Established);
        LeaveHalfOpen();
        UpdateMaxDatagramSize((int)Ngtcp2.ngtcp2_conn_get_path_max_tx_udp_payload_size(NativeConnection));
        if (_isServer)
        {
            _endpoint.Listener?.OnConnectionEstablished(this);
        }
        else
        {
            _connected!.TrySetResult(this);
        }

        return 0;
    }

    internal void HandleStreamOpen(long streamId)
    {
        // ngtcp2 reports only peer-initiated streams here.
        var stream = new QuicStream(this, streamId, isServer: _isServer, _settings.StreamSendBufferLimit, _settings.StreamSendUnsentLimit);
        _streams.Add(streamId, stream);
        _incomingStreams.Writer.TryWrite(stream);
    }

    internal void HandleRecvStreamData(uint flags, long streamId, ReadOnlySpan<byte> data)
    {
        if (!_streams.TryGetValue(streamId, out var stream))
        {
            return;
        }

        var accepted = stream.OnDataReceived(data, (flags & Ngtcp2.NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
        if (data.Length == 0)
        {
            return;
        }

        if (!accepted)
        {
            // Nobody reads this stream any more: its stream credit comes back at once.
            Ngtcp2.ngtcp2_conn_extend_max_stream_offset(NativeConnection, streamId, (ulong)data.Length);
        }

        // Stream credit waits for the reader (QuicStream.OnInputConsumed); connection credit does not.
        OnCreditTaken(data.Length);
    }

    internal void HandleAckedStreamData(long streamId, ulong offset, ulong length)
    {
        if (_streams.TryGetValue(streamId, out var stream))
        {
            stream.OnDataAcknowledged(offset + length);
        }
    }

    internal void HandleStreamClose(long streamId, bool hasErrorCode, ulong errorCode)
    {
        if (_streams.Remove(streamId, out var stream))
        {
            stream.OnNativeClosed(hasErrorCode ? (long)errorCode : null);
            if (!stream.IsLocallyInitiated)
            {
                // ngtcp2 never raises the peer's stream limit by itself: one closed, one more allowed.
                if (stream.IsBidirectional)
                {
                    Ngtcp2.ngtcp2_conn_extend_max_streams_bidi(NativeConnection, 1);
                }
                else
                {
                    Ngtcp2.ngtcp2_conn_extend_max_streams_uni(NativeConnection, 1);
                }
            }
        }
    }

    internal void HandleStreamReset(long streamId, ulong errorCode)
    {
        if (_streams.TryGetValue(streamId, out var stream))
        {
            stream.OnPeerReset((long)errorCode);
        }
    }

    internal void HandleExtendMaxLocalStreams() => _retryBlockedOpens = true;

    internal void HandleExtendMaxStreamData(long streamId)
    {
        if (_streams.TryGetValue(streamId, out var stream) && stream.IsFlowControlBlocked)
        {
            stream.ClearFlowControlBlocked();
            EnqueueSend(stream);
        }
    }

    internal void HandleRecvStatelessReset() => _statelessResetReceived = true;

    /// <summary>GnuTLS verify hook (client): pinned fingerprint and/or CA chain + host name. 0 accepts.</summary>
    internal int HandleVerifyServerCertificate(void* session)
    {
        var options = _clientOptions!;
        if (options.PinnedCertificateSha256 is { } pinned)
        {
            if (PeerCertificate.Leaf(session) is not { } leaf)
            {
                return RejectCertificate("the server sent no certificate");
            }

            var actual = ServerCertificate.Fingerprint(leaf);
            if (!string.Equals(NormalizeFingerprint(pinned), actual.Replace(":", "", StringComparison.Ordinal), StringComparison.Ordinal))
            {
                return RejectCertificate($"the server certificate fingerprint {actual} does not match the pinned {pinned}");
            }

            if (options.TrustedCaPem is null)
            {
                return 0;
            }
        }

        var rv = PeerCertificate.Verify(session, options.ServerName, out var status);
        if (rv < 0)
        {
            return RejectCertificate($"certificate verification failed: {NativeErrors.GnuTlsMessage(rv)}");
        }

        return status == 0 ? 0 : RejectCertificate($"the server certificate is not trusted ({NativeErrors.CertificateStatusText(status)})");
    }

    private int RejectCertificate(string reason)
    {
        _handshakeFailure = reason;
        _handshakeFailureError = QuicError.CertificateRejected;
        return -1;
    }

    private static string NormalizeFingerprint(string fingerprint) =>
        fingerprint.Replace(":", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
}
