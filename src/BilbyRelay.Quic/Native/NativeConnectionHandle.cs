using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// The native objects behind one QUIC connection: the ngtcp2_conn, its GnuTLS session, the ngtcp2_crypto_conn_ref
/// GnuTLS hands back to ngtcp2, the GCHandle that is ngtcp2's user_data, a copy of the peer's sockaddr, and for
/// clients their own GnuTLS credentials. This type is their only owner: <see cref="Free"/> releases each exactly
/// once, in the order ngtcp2 and GnuTLS need (the connection before the session it uses, the conn_ref and GCHandle
/// last because callbacks reach the owner through them).
/// </summary>
/// <remarks>Loop thread only, like everything that touches ngtcp2; never freed from inside an ngtcp2 callback.</remarks>
internal sealed unsafe class NativeConnectionHandle
{
    private GCHandle _owner;
    private ngtcp2_crypto_conn_ref* _connectionRef;
    private byte* _remoteAddress;
    private void* _connection;
    private void* _session;
    private TlsCredentials? _clientCredentials;

    /// <summary>Allocates the GCHandle to <paramref name="owner"/>, the conn_ref and the peer address copy.</summary>
    internal NativeConnectionHandle(QuicConnection owner, ReadOnlySpan<byte> remoteAddress)
    {
        if (remoteAddress.Length > SocketAddressCodec.MaxLength)
        {
            throw new ArgumentException("The peer address is longer than any sockaddr.", nameof(remoteAddress));
        }

        _owner = GCHandle.Alloc(owner);
        NativeResourceCounters.GcHandleCreated();
        _connectionRef = (ngtcp2_crypto_conn_ref*)NativeMemory.AllocZeroed((nuint)sizeof(ngtcp2_crypto_conn_ref));
        NativeResourceCounters.ConnectionRefCreated();
        _connectionRef->get_conn = &ConnectionCallbacks.GetConnection;
        _connectionRef->user_data = UserData;
        _remoteAddress = (byte*)NativeMemory.AllocZeroed(SocketAddressCodec.MaxLength);
        remoteAddress.CopyTo(new Span<byte>(_remoteAddress, SocketAddressCodec.MaxLength));
        RemoteAddressLength = remoteAddress.Length;
    }

    /// <summary>The ngtcp2 user_data and conn_ref user_data: the GCHandle of the owning connection.</summary>
    internal void* UserData => (void*)GCHandle.ToIntPtr(_owner);

    /// <summary>The ngtcp2_conn once <see cref="AttachConnection"/> ran; null before and after <see cref="Free"/>.</summary>
    internal void* Connection => _connection;

    /// <summary>The GnuTLS session once attached; null before and after <see cref="Free"/>.</summary>
    internal void* Session => _session;

    internal ngtcp2_crypto_conn_ref* ConnectionRef => _connectionRef;

    /// <summary>The peer's sockaddr, stable for the connection's life (ngtcp2 keeps pointers to it in its path).</summary>
    internal byte* RemoteAddress => _remoteAddress;

    internal int RemoteAddressLength { get; }

    internal bool IsFreed => _connectionRef == null;

    /// <summary>Takes ownership of a freshly created ngtcp2_conn.</summary>
    internal void AttachConnection(void* connection)
    {
        ThrowIfAttached(_connection, "ngtcp2_conn");
        _connection = connection;
        NativeResourceCounters.ConnectionCreated();
    }

    /// <summary>Takes ownership of a freshly initialised GnuTLS session.</summary>
    internal void AttachSession(void* session)
    {
        ThrowIfAttached(_session, "GnuTLS session");
        _session = session;
        NativeResourceCounters.TlsSessionCreated();
    }

    /// <summary>Takes ownership of a client connection's own credentials.</summary>
    internal void AttachClientCredentials(TlsCredentials credentials)
    {
        if (_clientCredentials is not null)
        {
            throw new InvalidOperationException("The connection already owns client credentials.");
        }

        _clientCredentials = credentials;
    }

    /// <summary>Releases every native object that was attached; later calls do nothing.</summary>
    internal void Free()
    {
        if (_connection != null)
        {
            Ngtcp2.ngtcp2_conn_del(_connection);
            _connection = null;
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
        if (_connectionRef != null)
        {
            NativeMemory.Free(_connectionRef);
            _connectionRef = null;
            NativeResourceCounters.ConnectionRefFreed();
        }

        if (_remoteAddress != null)
        {
            NativeMemory.Free(_remoteAddress);
            _remoteAddress = null;
        }

        if (_owner.IsAllocated)
        {
            _owner.Free();
            NativeResourceCounters.GcHandleFreed();
        }
    }

    private static void ThrowIfAttached(void* current, string what)
    {
        if (current != null)
        {
            throw new InvalidOperationException($"The connection already owns its {what}.");
        }
    }
}
