using System.Text;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>Creation of the native state (held by <see cref="NativeConnectionHandle"/>) and the connection's end.</summary>
public sealed unsafe partial class QuicConnection
{
    /// <summary>The ngtcp2_conn; null before it is created and once the connection is freed.</summary>
    internal void* NativeConnection => _native is null ? null : _native.Connection;

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
            _native = new NativeConnectionHandle(this, remote[..remoteLength]);

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
                Ngtcp2.NGTCP2_TRANSPORT_PARAMS_V1, &parameters, null, _native.UserData);
            NativeErrors.ThrowIfNgtcp2Failed(rv, "ngtcp2_conn_client_new");
            _native.AttachConnection(conn);
            ReserveInitialCredit();
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
        _native = new NativeConnectionHandle(this, new ReadOnlySpan<byte>(source, sourceLength));
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
            Ngtcp2.NGTCP2_TRANSPORT_PARAMS_V1, &parameters, null, _native.UserData);
        NativeErrors.ThrowIfNgtcp2Failed(rv, "ngtcp2_conn_server_new");
        _native.AttachConnection(conn);
        ReserveInitialCredit();
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

    private void ConfigureConnection()
    {
        if (_settings.KeepAliveInterval > TimeSpan.Zero)
        {
            Ngtcp2.ngtcp2_conn_set_keep_alive_timeout(NativeConnection, MonotonicClock.ToNanoseconds(_settings.KeepAliveInterval));
        }
    }

    private ngtcp2_path CurrentPath() => new()
    {
        local = new ngtcp2_addr { addr = _endpoint.LocalAddress, addrlen = (uint)_endpoint.LocalAddressLength },
        remote = new ngtcp2_addr { addr = _native!.RemoteAddress, addrlen = (uint)_native.RemoteAddressLength },
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
        var credentials = TlsCredentials.CreateClient(options.TrustedCaPem);
        _native!.AttachClientCredentials(credentials);
        if (!options.SkipCertificateValidation && options.PinnedCertificateSha256 is null && options.TrustedCaPem is null)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_certificate_set_x509_system_trust(credentials.Handle), "Loading the system CA store");
        }

        var session = CreateSession(GnuTls.GNUTLS_CLIENT, credentials);
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
        _native!.AttachSession(session);
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

        GnuTls.gnutls_session_set_ptr(session, _native!.ConnectionRef);
        Ngtcp2.ngtcp2_conn_set_tls_native_handle(_native.Connection, session);
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

        MoveTo(ConnectionState.Freed);
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

        _native?.Free();

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
