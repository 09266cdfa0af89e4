using System.Runtime.InteropServices;
using System.Text;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>Creation and destruction of the native state (ngtcp2_conn, TLS session, conn_ref, GCHandle).</summary>
public sealed unsafe partial class QuicConnection
{
    // loop: native state owned by this connection (see the class remarks for who frees what).
    private void* _conn;
    private void* _session;
    private ngtcp2_crypto_conn_ref* _connRef;
    private byte* _remoteAddress;

    // loop: a server connection counted in its endpoint's half-open connections.
    private bool _halfOpen;

    internal void* NativeConnection => _conn;

    // TLS 1.3 only; AES-128-GCM first (cheapest per byte), no middlebox compatibility mode (QUIC forbids it).
    private static readonly byte[] s_priority =
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:%DISABLE_TLS13_COMPAT_MODE\0"u8.ToArray();

    /// <summary>Loop thread: creates the server side of a connection for a client Initial. Null when that failed.</summary>
    /// <param name="originalDcid">
    /// The DCID of the client's first Initial when this one carries a valid Retry token (<paramref name="header"/>'s
    /// DCID is then the Retry's SCID); null without Retry.
    /// </param>
    internal static QuicConnection? CreateServer(QuicEndpoint endpoint, QuicListener listener, ngtcp2_pkt_hd* header, ngtcp2_cid* originalDcid, byte* source, int sourceLength, ulong now)
    {
        var remote = SocketAddressCodec.Read(new ReadOnlySpan<byte>(source, sourceLength));
        var connection = new QuicConnection(endpoint, isServer: true, listener.Options.Transport, listener.Options.Alpn, null, remote);
        try
        {
            connection.InitializeServer(listener, header, originalDcid, source, sourceLength, now);
            endpoint.AddConnection(connection);
            connection._halfOpen = true;
            endpoint.OnHalfOpenStarted();
            return connection;
        }
        catch (Exception e)
        {
            endpoint.Emit(QuicLogLevel.Warning, connection.Id, $"Could not create a connection for {remote}: {e.Message}");
            connection.ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.HandshakeFailure, null, null, e.Message));
            connection.Free();
            return null;
        }
    }

    /// <summary>Loop thread: creates the client side and sends the first Initial.</summary>
    private void StartClient()
    {
        try
        {
            var options = _clientOptions!;
            Span<byte> remote = stackalloc byte[SocketAddressCodec.MaxLength];
            var remoteLength = SocketAddressCodec.Write(options.RemoteEndPoint, remote);
            fixed (byte* remotePtr = remote)
            {
                AllocateCommon(remotePtr, remoteLength);
            }

            var now = MonotonicClock.NowNanoseconds;
            var dcid = RandomConnectionId();
            var scid = RandomConnectionId();
            var path = CurrentPath();
            var settings = CreateSettings(now);
            var parameters = CreateTransportParameters();
            void* conn;
            var rv = Ngtcp2.ngtcp2_conn_client_new_versioned(
                &conn, &dcid, &scid, &path, Ngtcp2.NGTCP2_PROTO_VER_V1,
                Ngtcp2.NGTCP2_CALLBACKS_V1, ConnectionCallbacks.Client, Ngtcp2.NGTCP2_SETTINGS_V2, &settings,
                Ngtcp2.NGTCP2_TRANSPORT_PARAMS_V1, &parameters, null, (void*)GCHandle.ToIntPtr(_self));
            NativeErrors.ThrowIfNgtcp2Failed(rv, "ngtcp2_conn_client_new");
            _conn = conn;
            ReserveInitialCredit();
            NativeResourceCounters.ConnectionCreated();
            _endpoint.AddConnection(this);
            AddLocalConnectionId(scid.AsSpan());
            ConfigureConnection();
            CreateClientSession(options);
            _endpoint.MarkDirty(this);
        }
        catch (Exception e)
        {
            var info = new QuicConnectionCloseInfo(QuicCloseReason.HandshakeFailure, null, null, e.Message);
            _handshakeFailure = e.Message;
            ReportClosed(info);
            Free();
        }
    }

    private void InitializeServer(QuicListener listener, ngtcp2_pkt_hd* header, ngtcp2_cid* originalDcid, byte* source, int sourceLength, ulong now)
    {
        AllocateCommon(source, sourceLength);
        var scid = RandomConnectionId();
        var path = CurrentPath();
        var settings = CreateSettings(now);
        var parameters = CreateTransportParameters();
        parameters.original_dcid = header->dcid;
        parameters.original_dcid_present = 1;
        if (originalDcid != null)
        {
            // RFC 9000 §7.3: after a Retry the client checks both the first DCID it used and the Retry's SCID.
            parameters.original_dcid = *originalDcid;
            parameters.retry_scid = header->dcid;
            parameters.retry_scid_present = 1;
            settings.token = header->token;
            settings.tokenlen = header->tokenlen;
            settings.token_type = Ngtcp2.NGTCP2_TOKEN_TYPE_RETRY;
        }

        parameters.disable_active_migration = 1;
        NativeErrors.ThrowIfNgtcp2Failed(_endpoint.GenerateStatelessResetToken(parameters.stateless_reset_token, &scid), "ngtcp2_crypto_generate_stateless_reset_token");
        parameters.stateless_reset_token_present = 1;
        void* conn;
        var rv = Ngtcp2.ngtcp2_conn_server_new_versioned(
            &conn, &header->scid, &scid, &path, header->version,
            Ngtcp2.NGTCP2_CALLBACKS_V1, ConnectionCallbacks.Server, Ngtcp2.NGTCP2_SETTINGS_V2, &settings,
            Ngtcp2.NGTCP2_TRANSPORT_PARAMS_V1, &parameters, null, (void*)GCHandle.ToIntPtr(_self));
        NativeErrors.ThrowIfNgtcp2Failed(rv, "ngtcp2_conn_server_new");
        _conn = conn;
        ReserveInitialCredit();
        NativeResourceCounters.ConnectionCreated();
        AddLocalConnectionId(header->dcid.AsSpan());
        AddLocalConnectionId(scid.AsSpan());
        ConfigureConnection();
        CreateServerSession(listener.Credentials);
    }

    /// <summary>Loop thread: the connection no longer counts as half-open (its handshake completed, or it is freed).</summary>
    private void LeaveHalfOpen()
    {
        if (_halfOpen)
        {
            _halfOpen = false;
            _endpoint.OnHalfOpenEnded();
        }
    }

    private void AllocateCommon(byte* remote, int remoteLength)
    {
        _self = GCHandle.Alloc(this);
        NativeResourceCounters.GcHandleCreated();
        _connRef = (ngtcp2_crypto_conn_ref*)NativeMemory.AllocZeroed((nuint)sizeof(ngtcp2_crypto_conn_ref));
        NativeResourceCounters.ConnectionRefCreated();
        _connRef->get_conn = &ConnectionCallbacks.GetConnection;
        _connRef->user_data = (void*)GCHandle.ToIntPtr(_self);
        _remoteAddress = (byte*)NativeMemory.AllocZeroed(SocketAddressCodec.MaxLength);
        new ReadOnlySpan<byte>(remote, remoteLength).CopyTo(new Span<byte>(_remoteAddress, SocketAddressCodec.MaxLength));
        _remoteAddressLength = remoteLength;
    }

    private void ConfigureConnection()
    {
        if (_settings.KeepAliveInterval > TimeSpan.Zero)
        {
            Ngtcp2.ngtcp2_conn_set_keep_alive_timeout(_conn, MonotonicClock.ToNanoseconds(_settings.KeepAliveInterval));
        }
    }

    private ngtcp2_path CurrentPath() => new()
    {
        local = new ngtcp2_addr { addr = _endpoint.LocalAddress, addrlen = (uint)_endpoint.LocalAddressLength },
        remote = new ngtcp2_addr { addr = _remoteAddress, addrlen = (uint)_remoteAddressLength },
    };

    private ngtcp2_settings CreateSettings(ulong now)
    {
        ngtcp2_settings settings;
        Ngtcp2.ngtcp2_settings_default_versioned(Ngtcp2.NGTCP2_SETTINGS_V2, &settings);
        settings.initial_ts = now;
        settings.cc_algo = Ngtcp2.NGTCP2_CC_ALGO_CUBIC;
        settings.max_stream_window = (ulong)_settings.StreamReceiveWindow;
        // No connection-window auto-tuning: every byte of connection credit is granted, and reserved, by us.
        settings.max_window = 0;
        settings.handshake_timeout = MonotonicClock.ToNanoseconds(_settings.HandshakeTimeout);
        return settings;
    }

    private ngtcp2_transport_params CreateTransportParameters()
    {
        ngtcp2_transport_params parameters;
        Ngtcp2.ngtcp2_transport_params_default_versioned(Ngtcp2.NGTCP2_TRANSPORT_PARAMS_V1, &parameters);
        // ngtcp2 grows a stream's window from here up to max_stream_window while its reader keeps up.
        var initialStreamWindow = (ulong)InitialStreamReceiveWindow;
        parameters.initial_max_stream_data_bidi_local = initialStreamWindow;
        parameters.initial_max_stream_data_bidi_remote = initialStreamWindow;
        parameters.initial_max_stream_data_uni = initialStreamWindow;
        // The rest of the connection window follows once the budget is asked (QuicConnection.Credit).
        parameters.initial_max_data = (ulong)InitialConnectionCredit;
        parameters.initial_max_streams_bidi = (ulong)_settings.MaxBidirectionalStreams;
        parameters.initial_max_streams_uni = (ulong)_settings.MaxUnidirectionalStreams;
        parameters.max_idle_timeout = MonotonicClock.ToNanoseconds(_settings.IdleTimeout);
        parameters.max_datagram_frame_size = (ulong)_settings.MaxDatagramFrameSize;
        parameters.active_connection_id_limit = 8;
        return parameters;
    }

    internal static ngtcp2_cid RandomConnectionId()
    {
        Span<byte> bytes = stackalloc byte[QuicEndpoint.LocalConnectionIdLength];
        CryptoRandom.Fill(bytes);
        return ngtcp2_cid.From(bytes);
    }

    private void AddLocalConnectionId(ReadOnlySpan<byte> id)
    {
        if (_endpoint.Route(id, this))
        {
            _localConnectionIds.Add(id.ToArray());
        }
    }

    private void CreateServerSession(TlsCredentials credentials)
    {
        var session = CreateSession(GnuTls.GNUTLS_SERVER, credentials);
        NativeErrors.ThrowIfGnuTlsFailed(Ngtcp2Crypto.ngtcp2_crypto_gnutls_configure_server_session(session), "ngtcp2_crypto_gnutls_configure_server_session");
        SetAlpnAndAttach(session);
    }

    private void CreateClientSession(QuicClientOptions options)
    {
        _clientCredentials = TlsCredentials.CreateClient(options.TrustedCaPem);
        if (!options.SkipCertificateValidation && options.PinnedCertificateSha256 is null && options.TrustedCaPem is null)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_certificate_set_x509_system_trust(_clientCredentials.Handle), "Loading the system CA store");
        }

        var session = CreateSession(GnuTls.GNUTLS_CLIENT, _clientCredentials);
        NativeErrors.ThrowIfGnuTlsFailed(Ngtcp2Crypto.ngtcp2_crypto_gnutls_configure_client_session(session), "ngtcp2_crypto_gnutls_configure_client_session");
        if (options.ServerName is { Length: > 0 } serverName)
        {
            var name = Encoding.ASCII.GetBytes(serverName);
            fixed (byte* namePtr = name)
            {
                NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_server_name_set(session, GnuTls.GNUTLS_NAME_DNS, namePtr, (nuint)name.Length), "gnutls_server_name_set");
            }
        }

        if (!options.SkipCertificateValidation)
        {
            GnuTls.gnutls_session_set_verify_function(session, &ConnectionCallbacks.VerifyServerCertificate);
        }

        SetAlpnAndAttach(session);
    }

    private void* CreateSession(uint role, TlsCredentials credentials)
    {
        void* session;
        NativeErrors.ThrowIfGnuTlsFailed(
            GnuTls.gnutls_init(&session, role | GnuTls.GNUTLS_ENABLE_EARLY_DATA | GnuTls.GNUTLS_NO_END_OF_EARLY_DATA), "gnutls_init");
        _session = session;
        NativeResourceCounters.TlsSessionCreated();
        fixed (byte* priority = s_priority)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_priority_set_direct(session, priority, null), "gnutls_priority_set_direct");
        }

        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_credentials_set(session, GnuTls.GNUTLS_CRD_CERTIFICATE, credentials.Handle), "gnutls_credentials_set");
        return session;
    }

    private void SetAlpnAndAttach(void* session)
    {
        var alpn = Encoding.ASCII.GetBytes(_alpn);
        fixed (byte* alpnPtr = alpn)
        {
            var datum = new gnutls_datum_t { data = alpnPtr, size = (uint)alpn.Length };
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_alpn_set_protocols(session, &datum, 1, GnuTls.GNUTLS_ALPN_MANDATORY), "gnutls_alpn_set_protocols");
        }

        GnuTls.gnutls_session_set_ptr(session, _connRef);
        Ngtcp2.ngtcp2_conn_set_tls_native_handle(_conn, session);
    }

    /// <summary>
    /// Loop thread, outside any ngtcp2 call: releases every native object exactly once, un-routes all connection IDs
    /// and fails whatever still waits on this connection.
    /// </summary>
    private void Free()
    {
        if (_state == ConnectionState.Freed)
        {
            return;
        }

        _state = ConnectionState.Freed;
        LeaveHalfOpen();
        ReportClosed(new QuicConnectionCloseInfo(QuicCloseReason.LocalClose, null, null, null));
        foreach (var id in _localConnectionIds)
        {
            _endpoint.Unroute(id, this);
        }

        _localConnectionIds.Clear();
        if (_peerResetToken is not null)
        {
            _endpoint.UnregisterPeerResetToken(_peerResetToken, this);
        }

        _endpoint.RemoveConnection(this);
        ReturnOutstandingCredit();
        if (_clientOptions is { UseDedicatedEndpoint: true })
        {
            _ = _endpoint.StopAsync();
        }

        if (_conn != null)
        {
            Ngtcp2.ngtcp2_conn_del(_conn);
            _conn = null;
            NativeResourceCounters.ConnectionFreed();
        }

        if (_session != null)
        {
            GnuTls.gnutls_deinit(_session);
            _session = null;
            NativeResourceCounters.TlsSessionFreed();
        }

        _clientCredentials?.Dispose();
        _clientCredentials = null;
        if (_connRef != null)
        {
            NativeMemory.Free(_connRef);
            _connRef = null;
            NativeResourceCounters.ConnectionRefFreed();
        }

        if (_remoteAddress != null)
        {
            NativeMemory.Free(_remoteAddress);
            _remoteAddress = null;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
            NativeResourceCounters.GcHandleFreed();
        }

        // ngtcp2 no longer references stream output memory: release it.
        foreach (var stream in _streams.Values)
        {
            stream.OnConnectionFreed();
        }

        _streams.Clear();
        _sendQueue.Clear();
        _closePacket = null;
        FailPendingOpens();
        DrainDatagramQueue();
    }
}
