using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// One static [UnmanagedCallersOnly] trampoline per ngtcp2 callback the engine implements. user_data is a GCHandle
/// to the owning <see cref="QuicConnection"/>; each trampoline dispatches to a Handle* method on it. An exception
/// escaping an unmanaged callback would kill the process, so every trampoline catches everything and returns
/// NGTCP2_ERR_CALLBACK_FAILURE, which makes ngtcp2 close just that connection.
/// All of these run on the connection's loop thread, inside an ngtcp2 call made by the engine.
/// </summary>
internal static unsafe class ConnectionCallbacks
{
    /// <summary>The callback table for one role. Static memory: built once, never freed.</summary>
    internal static ngtcp2_callbacks* Server { get; } = Build(server: true);

    internal static ngtcp2_callbacks* Client { get; } = Build(server: false);

    private static ngtcp2_callbacks* Build(bool server)
    {
        var table = (ngtcp2_callbacks*)NativeMemory.AllocZeroed((nuint)sizeof(ngtcp2_callbacks));
        if (server)
        {
            table->recv_client_initial = (delegate* unmanaged[Cdecl]<void*, ngtcp2_cid*, void*, int>)CryptoCallbacks.RecvClientInitial;
        }
        else
        {
            table->client_initial = (delegate* unmanaged[Cdecl]<void*, void*, int>)CryptoCallbacks.ClientInitial;
            table->recv_retry = (delegate* unmanaged[Cdecl]<void*, ngtcp2_pkt_hd*, void*, int>)CryptoCallbacks.RecvRetry;
        }

        table->recv_crypto_data = (delegate* unmanaged[Cdecl]<void*, int, ulong, byte*, nuint, void*, int>)CryptoCallbacks.RecvCryptoData;
        table->encrypt = (delegate* unmanaged[Cdecl]<byte*, void*, void*, byte*, nuint, byte*, nuint, byte*, nuint, int>)CryptoCallbacks.Encrypt;
        table->decrypt = (delegate* unmanaged[Cdecl]<byte*, void*, void*, byte*, nuint, byte*, nuint, byte*, nuint, int>)CryptoCallbacks.Decrypt;
        table->hp_mask = (delegate* unmanaged[Cdecl]<byte*, void*, void*, byte*, int>)CryptoCallbacks.HpMask;
        table->update_key = (delegate* unmanaged[Cdecl]<void*, byte*, byte*, void*, byte*, void*, byte*, byte*, byte*, nuint, void*, int>)CryptoCallbacks.UpdateKey;
        table->delete_crypto_aead_ctx = (delegate* unmanaged[Cdecl]<void*, void*, void*, void>)CryptoCallbacks.DeleteCryptoAeadCtx;
        table->delete_crypto_cipher_ctx = (delegate* unmanaged[Cdecl]<void*, void*, void*, void>)CryptoCallbacks.DeleteCryptoCipherCtx;
        table->get_path_challenge_data = (delegate* unmanaged[Cdecl]<void*, byte*, void*, int>)CryptoCallbacks.GetPathChallengeData;
        table->version_negotiation = (delegate* unmanaged[Cdecl]<void*, uint, ngtcp2_cid*, void*, int>)CryptoCallbacks.VersionNegotiation;

        table->rand = (delegate* unmanaged[Cdecl]<byte*, nuint, void*, void>)&Rand;
        table->get_new_connection_id = (delegate* unmanaged[Cdecl]<void*, ngtcp2_cid*, byte*, nuint, void*, int>)&GetNewConnectionId;
        table->remove_connection_id = (delegate* unmanaged[Cdecl]<void*, ngtcp2_cid*, void*, int>)&RemoveConnectionId;
        table->handshake_completed = (delegate* unmanaged[Cdecl]<void*, void*, int>)&HandshakeCompleted;
        table->recv_stream_data = (delegate* unmanaged[Cdecl]<void*, uint, long, ulong, byte*, nuint, void*, void*, int>)&RecvStreamData;
        table->acked_stream_data_offset = (delegate* unmanaged[Cdecl]<void*, long, ulong, ulong, void*, void*, int>)&AckedStreamDataOffset;
        table->stream_open = (delegate* unmanaged[Cdecl]<void*, long, void*, int>)&StreamOpen;
        table->stream_close = (delegate* unmanaged[Cdecl]<void*, uint, long, ulong, void*, void*, int>)&StreamClose;
        table->stream_reset = (delegate* unmanaged[Cdecl]<void*, long, ulong, ulong, void*, void*, int>)&StreamReset;
        // stream_stop_sending is not set: ngtcp2 calls it for our own read shutdowns, not for the peer's STOP_SENDING.
        table->extend_max_local_streams_bidi = (delegate* unmanaged[Cdecl]<void*, ulong, void*, int>)&ExtendMaxLocalStreams;
        table->extend_max_local_streams_uni = (delegate* unmanaged[Cdecl]<void*, ulong, void*, int>)&ExtendMaxLocalStreams;
        table->extend_max_stream_data = (delegate* unmanaged[Cdecl]<void*, long, ulong, void*, void*, int>)&ExtendMaxStreamData;
        table->recv_datagram = (delegate* unmanaged[Cdecl]<void*, uint, byte*, nuint, void*, int>)&RecvDatagram;
        table->recv_stateless_reset = (delegate* unmanaged[Cdecl]<void*, ngtcp2_pkt_stateless_reset*, void*, int>)&RecvStatelessReset;
        return table;
    }

    private static QuicConnection Connection(void* userData) => (QuicConnection)GCHandle.FromIntPtr((nint)userData).Target!;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Rand(byte* dest, nuint length, void* randCtx) =>
        CryptoRandom.Fill(new Span<byte>(dest, (int)length));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetNewConnectionId(void* conn, ngtcp2_cid* cid, byte* token, nuint cidLength, void* userData)
    {
        try
        {
            return Connection(userData).HandleGetNewConnectionId(cid, token, (int)cidLength);
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RemoveConnectionId(void* conn, ngtcp2_cid* cid, void* userData)
    {
        try
        {
            Connection(userData).HandleRemoveConnectionId(cid);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int HandshakeCompleted(void* conn, void* userData)
    {
        try
        {
            return Connection(userData).HandleHandshakeCompleted();
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RecvStreamData(void* conn, uint flags, long streamId, ulong offset, byte* data, nuint length, void* userData, void* streamUserData)
    {
        try
        {
            Connection(userData).HandleRecvStreamData(flags, streamId, new ReadOnlySpan<byte>(data, (int)length));
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int AckedStreamDataOffset(void* conn, long streamId, ulong offset, ulong length, void* userData, void* streamUserData)
    {
        try
        {
            Connection(userData).HandleAckedStreamData(streamId, offset, length);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int StreamOpen(void* conn, long streamId, void* userData)
    {
        try
        {
            Connection(userData).HandleStreamOpen(streamId);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int StreamClose(void* conn, uint flags, long streamId, ulong appErrorCode, void* userData, void* streamUserData)
    {
        try
        {
            Connection(userData).HandleStreamClose(streamId, (flags & Ngtcp2.NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) != 0, appErrorCode);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int StreamReset(void* conn, long streamId, ulong finalSize, ulong appErrorCode, void* userData, void* streamUserData)
    {
        try
        {
            Connection(userData).HandleStreamReset(streamId, appErrorCode);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ExtendMaxLocalStreams(void* conn, ulong maxStreams, void* userData)
    {
        try
        {
            Connection(userData).HandleExtendMaxLocalStreams();
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ExtendMaxStreamData(void* conn, long streamId, ulong maxData, void* userData, void* streamUserData)
    {
        try
        {
            Connection(userData).HandleExtendMaxStreamData(streamId);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RecvDatagram(void* conn, uint flags, byte* data, nuint length, void* userData)
    {
        try
        {
            Connection(userData).HandleRecvDatagram(new ReadOnlySpan<byte>(data, (int)length));
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RecvStatelessReset(void* conn, ngtcp2_pkt_stateless_reset* reset, void* userData)
    {
        try
        {
            Connection(userData).HandleRecvStatelessReset();
            return 0;
        }
        catch (Exception e)
        {
            return Fail(userData, e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void* GetConnection(ngtcp2_crypto_conn_ref* connRef) =>
        ((QuicConnection)GCHandle.FromIntPtr((nint)connRef->user_data).Target!).NativeConnection;

    /// <summary>GnuTLS certificate verification hook for client sessions: 0 accepts, anything else aborts the handshake.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int VerifyServerCertificate(void* session)
    {
        var connRef = (ngtcp2_crypto_conn_ref*)GnuTls.gnutls_session_get_ptr(session);
        try
        {
            return ((QuicConnection)GCHandle.FromIntPtr((nint)connRef->user_data).Target!).HandleVerifyServerCertificate(session);
        }
        catch (Exception e)
        {
            Fail(connRef->user_data, e);
            return -1;
        }
    }

    private static int Fail(void* userData, Exception e)
    {
        try
        {
            Connection(userData).OnCallbackException(e);
        }
        catch (Exception)
        {
            // Reporting failed too; the error code below still closes the connection.
        }

        return Ngtcp2.NGTCP2_ERR_CALLBACK_FAILURE;
    }
}
