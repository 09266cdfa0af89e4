using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// A GnuTLS client session that does no I/O of its own: the caller hands it what arrived from the server
/// (<see cref="Receive"/>) and sends what it wrote (<see cref="TakeOutbound"/>), so the socket work stays
/// asynchronous and in managed code. It owns the session, its credentials and the handle GnuTLS's transport
/// callbacks use, and frees them once, in <see cref="Dispose"/>.
/// </summary>
/// <remarks>Not thread-safe: one caller at a time (<see cref="TlsClientStream"/> serialises).</remarks>
internal sealed unsafe class TlsClientSession : IDisposable
{
    private const int Eagain = 11;

    private readonly byte[] _inbound = new byte[32 * 1024];
    private int _inboundStart;
    private int _inboundEnd;
    private byte[] _outbound = new byte[4 * 1024];
    private int _outboundLength;
    private bool _starved;
    private GCHandle _self;
    private void* _session;
    private void* _credentials;

    private TlsClientSession()
    {
    }

    /// <summary>Bytes that <see cref="Receive"/> can take now.</summary>
    internal int ReceiveRoom => _inbound.Length - (_inboundEnd - _inboundStart);

    /// <summary>
    /// A session for <paramref name="serverName"/> (sent as SNI when <paramref name="sendServerName"/>) offering
    /// ALPN http/1.1, with the system's CA certificates loaded when <paramref name="loadSystemTrust"/> so that
    /// <see cref="VerifyPeer"/> can judge the chain.
    /// </summary>
    internal static TlsClientSession Create(string serverName, bool sendServerName, bool loadSystemTrust)
    {
        var session = new TlsClientSession();
        try
        {
            session.Initialise(serverName, sendServerName, loadSystemTrust);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the handshake as far as the bytes received allow; true once it is complete.</summary>
    /// <exception cref="IOException">The handshake failed (the message says why, with the server's alert).</exception>
    internal bool Handshake()
    {
        while (true)
        {
            _starved = false;
            var result = GnuTls.gnutls_handshake(Session);
            if (result == 0)
            {
                return true;
            }

            if (!IsRetry(result))
            {
                // A warning alert does not end the handshake.
                if (GnuTls.gnutls_error_is_fatal(result) != 0)
                {
                    throw Failure("TLS handshake", result);
                }
            }
            else if (_starved)
            {
                return false;
            }
        }
    }

    /// <summary>Adds bytes from the server; at most <see cref="ReceiveRoom"/>.</summary>
    internal void Receive(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length > ReceiveRoom)
        {
            throw new InvalidOperationException("More bytes than the receive buffer has room for.");
        }

        if (_inbound.Length - _inboundEnd < ciphertext.Length)
        {
            _inbound.AsSpan(_inboundStart, _inboundEnd - _inboundStart).CopyTo(_inbound);
            _inboundEnd -= _inboundStart;
            _inboundStart = 0;
        }

        ciphertext.CopyTo(_inbound.AsSpan(_inboundEnd));
        _inboundEnd += ciphertext.Length;
    }

    /// <summary>
    /// Decrypts into <paramref name="plaintext"/>: the byte count, 0 when the server closed the session
    /// (close_notify), or -1 when more bytes must be received first.
    /// </summary>
    /// <exception cref="IOException">The session failed (a fatal alert or a corrupt record).</exception>
    internal int Decrypt(Span<byte> plaintext)
    {
        while (true)
        {
            nint result;
            _starved = false;
            fixed (byte* destination = plaintext)
            {
                result = GnuTls.gnutls_record_recv(Session, destination, (nuint)plaintext.Length);
            }

            if (result >= 0)
            {
                return (int)result;
            }

            // "Try again" after a record that carried no data (a TLS 1.3 session ticket) while received bytes remain:
            // read on, or those bytes would wait for more to arrive.
            if (IsRetry((int)result))
            {
                if (_starved)
                {
                    return -1;
                }

                continue;
            }

            // Warning alerts and renegotiation requests are not failures: read on.
            if (GnuTls.gnutls_error_is_fatal((int)result) != 0)
            {
                throw Failure("TLS receive", (int)result);
            }
        }
    }

    /// <summary>Encrypts all of <paramref name="plaintext"/> into records waiting in <see cref="TakeOutbound"/>.</summary>
    internal void Encrypt(ReadOnlySpan<byte> plaintext)
    {
        fixed (byte* source = plaintext)
        {
            var offset = 0;
            while (offset < plaintext.Length)
            {
                // Push never refuses, so every error here, "try again" included, is a failure.
                var result = GnuTls.gnutls_record_send(Session, source + offset, (nuint)(plaintext.Length - offset));
                if (result < 0)
                {
                    throw Failure("TLS send", (int)result);
                }

                offset += (int)result;
            }
        }
    }

    /// <summary>True when records wait in <see cref="TakeOutbound"/>.</summary>
    internal bool HasOutbound => _outboundLength > 0;

    /// <summary>The bytes written for the server since the last call, or null when there are none.</summary>
    internal byte[]? TakeOutbound()
    {
        if (_outboundLength == 0)
        {
            return null;
        }

        var bytes = _outbound.AsSpan(0, _outboundLength).ToArray();
        _outboundLength = 0;
        return bytes;
    }

    /// <summary>The server's leaf certificate (DER), or null when it sent none.</summary>
    internal byte[]? PeerCertificate() => Native.PeerCertificate.Leaf(Session);

    /// <summary>
    /// Checks the server's chain against the system's CA certificates and <paramref name="hostName"/> (a DNS name
    /// or an IP address); null when it verifies, otherwise why not.
    /// </summary>
    internal string? VerifyPeer(string hostName)
    {
        var result = Native.PeerCertificate.Verify(Session, hostName, out var status);
        if (result < 0)
        {
            return NativeErrors.GnuTlsMessage(result);
        }

        return status == 0 ? null : NativeErrors.CertificateStatusText(status);
    }

    public void Dispose()
    {
        if (_session != null)
        {
            GnuTls.gnutls_deinit(_session);
            _session = null;
        }

        if (_credentials != null)
        {
            GnuTls.gnutls_certificate_free_credentials(_credentials);
            _credentials = null;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private void* Session => _session != null ? _session : throw new ObjectDisposedException(nameof(TlsClientSession));

    private static bool IsRetry(int result) => result is GnuTls.GNUTLS_E_AGAIN or GnuTls.GNUTLS_E_INTERRUPTED;

    private void Initialise(string serverName, bool sendServerName, bool loadSystemTrust)
    {
        void* credentials;
        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_certificate_allocate_credentials(&credentials), "gnutls_certificate_allocate_credentials");
        _credentials = credentials;
        if (loadSystemTrust)
        {
            var loaded = GnuTls.gnutls_certificate_set_x509_system_trust(_credentials);
            if (loaded <= 0)
            {
                var why = loaded < 0 ? NativeErrors.GnuTlsMessage(loaded) : "none found";
                throw new IOException($"the system's CA certificates could not be loaded ({why}); install ca-certificates");
            }
        }

        void* session;
        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_init(&session, GnuTls.GNUTLS_CLIENT | GnuTls.GNUTLS_NONBLOCK), "gnutls_init");
        _session = session;
        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_set_default_priority(session), "gnutls_set_default_priority");
        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_credentials_set(session, GnuTls.GNUTLS_CRD_CERTIFICATE, _credentials), "gnutls_credentials_set");
        if (sendServerName)
        {
            var name = Encoding.ASCII.GetBytes(serverName);
            fixed (byte* namePointer = name)
            {
                NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_server_name_set(session, GnuTls.GNUTLS_NAME_DNS, namePointer, (nuint)name.Length), "gnutls_server_name_set");
            }
        }

        var alpn = "http/1.1"u8;
        fixed (byte* alpnPointer = alpn)
        {
            var protocol = new gnutls_datum_t { data = alpnPointer, size = (uint)alpn.Length };
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_alpn_set_protocols(session, &protocol, 1, 0), "gnutls_alpn_set_protocols");
        }

        _self = GCHandle.Alloc(this);
        GnuTls.gnutls_transport_set_ptr(session, (void*)GCHandle.ToIntPtr(_self));
        GnuTls.gnutls_transport_set_push_function(session, &Push);
        GnuTls.gnutls_transport_set_pull_function(session, &Pull);
        GnuTls.gnutls_transport_set_pull_timeout_function(session, &PullTimeout);
    }

    private IOException Failure(string operation, int result)
    {
        var message = $"{operation} failed: {NativeErrors.GnuTlsMessage(result)}";
        if (result == GnuTls.GNUTLS_E_FATAL_ALERT_RECEIVED)
        {
            var name = Marshal.PtrToStringUTF8((nint)GnuTls.gnutls_alert_get_name(GnuTls.gnutls_alert_get(Session)));
            message += $" (the server sent: {name})";
        }

        return new IOException(message);
    }

    private static TlsClientSession From(void* transport) => (TlsClientSession)GCHandle.FromIntPtr((nint)transport).Target!;

    // GnuTLS writes a record: keep it for the caller to send.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Push(void* transport, void* data, nuint size)
    {
        var self = From(transport);
        var needed = self._outboundLength + (int)size;
        if (needed > self._outbound.Length)
        {
            Array.Resize(ref self._outbound, Math.Max(needed, self._outbound.Length * 2));
        }

        new ReadOnlySpan<byte>(data, (int)size).CopyTo(self._outbound.AsSpan(self._outboundLength));
        self._outboundLength = needed;
        return (nint)size;
    }

    // GnuTLS wants bytes: give what has been received, or say "try again" so the caller receives more.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Pull(void* transport, void* data, nuint size)
    {
        var self = From(transport);
        var available = self._inboundEnd - self._inboundStart;
        if (available == 0)
        {
            self._starved = true;
            GnuTls.gnutls_transport_set_errno(self._session, Eagain);
            return -1;
        }

        var count = Math.Min(available, (int)Math.Min(size, int.MaxValue));
        self._inbound.AsSpan(self._inboundStart, count).CopyTo(new Span<byte>(data, count));
        self._inboundStart += count;
        return count;
    }

    // Never waits: the session is non-blocking, so "nothing yet" ends the call and the caller receives more.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PullTimeout(void* transport, uint milliseconds)
    {
        var self = From(transport);
        return self._inboundEnd > self._inboundStart ? 1 : 0;
    }
}
