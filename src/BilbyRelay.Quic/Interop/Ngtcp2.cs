using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>Raw libngtcp2 entry points and constants used by the engine. Signatures follow ngtcp2.h 1.11.</summary>
internal static unsafe partial class Ngtcp2
{
    internal const string Library = "ngtcp2";

    internal const int NGTCP2_MAX_CIDLEN = 20;
    internal const int NGTCP2_STATELESS_RESET_TOKENLEN = 16;
    internal const uint NGTCP2_PROTO_VER_V1 = 1;

    /// <summary>ngtcp2_token_type: the token in ngtcp2_settings came from a Retry packet.</summary>
    internal const int NGTCP2_TOKEN_TYPE_RETRY = 1;
    internal const int NGTCP2_SETTINGS_V2 = 2;
    internal const int NGTCP2_TRANSPORT_PARAMS_V1 = 1;
    internal const int NGTCP2_CALLBACKS_V1 = 1;
    internal const int NGTCP2_PKT_INFO_V1 = 1;
    internal const int NGTCP2_CC_ALGO_CUBIC = 1;
    internal const int NGTCP2_CC_ALGO_BBR = 2;

    internal const int NGTCP2_ERR_INVALID_ARGUMENT = -201;
    internal const int NGTCP2_ERR_NOBUF = -202;
    internal const int NGTCP2_ERR_PROTO = -203;
    internal const int NGTCP2_ERR_INVALID_STATE = -204;
    internal const int NGTCP2_ERR_STREAM_ID_BLOCKED = -206;
    internal const int NGTCP2_ERR_STREAM_IN_USE = -207;
    internal const int NGTCP2_ERR_STREAM_DATA_BLOCKED = -208;
    internal const int NGTCP2_ERR_CRYPTO = -213;
    internal const int NGTCP2_ERR_STREAM_SHUT_WR = -219;
    internal const int NGTCP2_ERR_STREAM_NOT_FOUND = -220;
    internal const int NGTCP2_ERR_STREAM_STATE = -221;
    internal const int NGTCP2_ERR_RECV_VERSION_NEGOTIATION = -222;
    internal const int NGTCP2_ERR_CLOSING = -223;
    internal const int NGTCP2_ERR_DRAINING = -224;
    internal const int NGTCP2_ERR_DISCARD_PKT = -226;
    internal const int NGTCP2_ERR_WRITE_MORE = -230;
    internal const int NGTCP2_ERR_RETRY = -231;
    internal const int NGTCP2_ERR_DROP_CONN = -232;
    internal const int NGTCP2_ERR_VERSION_NEGOTIATION = -235;
    internal const int NGTCP2_ERR_HANDSHAKE_TIMEOUT = -236;
    internal const int NGTCP2_ERR_IDLE_CLOSE = -238;
    internal const int NGTCP2_ERR_CALLBACK_FAILURE = -502;

    internal const int NGTCP2_CCERR_TYPE_TRANSPORT = 0;
    internal const int NGTCP2_CCERR_TYPE_APPLICATION = 1;
    internal const int NGTCP2_CCERR_TYPE_VERSION_NEGOTIATION = 2;
    internal const int NGTCP2_CCERR_TYPE_IDLE_CLOSE = 3;

    internal const uint NGTCP2_STREAM_DATA_FLAG_FIN = 0x01;
    internal const uint NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET = 0x01;
    internal const uint NGTCP2_WRITE_STREAM_FLAG_MORE = 0x01;
    internal const uint NGTCP2_WRITE_STREAM_FLAG_FIN = 0x02;
    internal const uint NGTCP2_WRITE_DATAGRAM_FLAG_MORE = 0x01;

    [LibraryImport(Library)]
    internal static partial ngtcp2_info* ngtcp2_version(int least_version);

    [LibraryImport(Library)]
    internal static partial byte* ngtcp2_strerror(int liberr);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_settings_default_versioned(int settings_version, ngtcp2_settings* settings);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_transport_params_default_versioned(int transport_params_version, ngtcp2_transport_params* @params);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_server_new_versioned(
        void** pconn, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_path* path, uint client_chosen_version,
        int callbacks_version, ngtcp2_callbacks* callbacks, int settings_version, ngtcp2_settings* settings,
        int transport_params_version, ngtcp2_transport_params* @params, void* mem, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_client_new_versioned(
        void** pconn, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_path* path, uint client_chosen_version,
        int callbacks_version, ngtcp2_callbacks* callbacks, int settings_version, ngtcp2_settings* settings,
        int transport_params_version, ngtcp2_transport_params* @params, void* mem, void* user_data);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_del(void* conn);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_read_pkt_versioned(
        void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* pkt, nuint pktlen, ulong ts);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_conn_writev_stream_versioned(
        void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* dest, nuint destlen,
        nint* pdatalen, uint flags, long stream_id, ngtcp2_vec* datav, nuint datavcnt, ulong ts);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_conn_writev_datagram_versioned(
        void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* dest, nuint destlen,
        int* paccepted, uint flags, ulong dgram_id, ngtcp2_vec* datav, nuint datavcnt, ulong ts);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_conn_write_connection_close_versioned(
        void* conn, ngtcp2_path* path, int pkt_info_version, ngtcp2_pkt_info* pi, byte* dest, nuint destlen,
        ngtcp2_ccerr* ccerr, ulong ts);

    [LibraryImport(Library)]
    internal static partial ulong ngtcp2_conn_get_expiry(void* conn);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_handle_expiry(void* conn, ulong ts);

    [LibraryImport(Library)]
    internal static partial ulong ngtcp2_conn_get_pto(void* conn);

    [LibraryImport(Library)]
    internal static partial nuint ngtcp2_conn_get_send_quantum(void* conn);

    [LibraryImport(Library)]
    internal static partial nuint ngtcp2_conn_get_path_max_tx_udp_payload_size(void* conn);

    [LibraryImport(Library)]
    internal static partial nuint ngtcp2_conn_get_max_tx_udp_payload_size(void* conn);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_update_pkt_tx_time(void* conn, ulong ts);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_extend_max_stream_offset(void* conn, long stream_id, ulong datalen);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_extend_max_offset(void* conn, ulong datalen);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_extend_max_streams_bidi(void* conn, nuint n);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_extend_max_streams_uni(void* conn, nuint n);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_open_bidi_stream(void* conn, long* pstream_id, void* stream_user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_open_uni_stream(void* conn, long* pstream_id, void* stream_user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_shutdown_stream_write(void* conn, uint flags, long stream_id, ulong app_error_code);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_shutdown_stream_read(void* conn, uint flags, long stream_id, ulong app_error_code);

    [LibraryImport(Library)]
    internal static partial byte ngtcp2_conn_get_tls_alert(void* conn);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_ccerr_default(ngtcp2_ccerr* ccerr);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_ccerr_set_tls_alert(ngtcp2_ccerr* ccerr, byte tls_alert, byte* reason, nuint reasonlen);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_ccerr_set_application_error(ngtcp2_ccerr* ccerr, ulong error_code, byte* reason, nuint reasonlen);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_ccerr_set_liberr(ngtcp2_ccerr* ccerr, int liberr, byte* reason, nuint reasonlen);

    [LibraryImport(Library)]
    internal static partial ngtcp2_ccerr* ngtcp2_conn_get_ccerr(void* conn);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_set_tls_native_handle(void* conn, void* tls_native_handle);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_in_closing_period(void* conn);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_conn_in_draining_period(void* conn);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_conn_set_keep_alive_timeout(void* conn, ulong timeout);

    [LibraryImport(Library)]
    internal static partial ngtcp2_transport_params* ngtcp2_conn_get_remote_transport_params(void* conn);

    [LibraryImport(Library)]
    internal static partial nuint ngtcp2_conn_get_scid(void* conn, ngtcp2_cid* dest);

    [LibraryImport(Library)]
    internal static partial ngtcp2_cid* ngtcp2_conn_get_dcid(void* conn);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_pkt_decode_version_cid(ngtcp2_version_cid* dest, byte* data, nuint datalen, nuint short_dcidlen);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_accept(ngtcp2_pkt_hd* dest, byte* pkt, nuint pktlen);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_pkt_write_version_negotiation(
        byte* dest, nuint destlen, byte unused_random, byte* dcid, nuint dcidlen, byte* scid, nuint scidlen, uint* sv, nuint nsv);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_pkt_write_stateless_reset(byte* dest, nuint destlen, byte* stateless_reset_token, byte* rand, nuint randlen);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_err_is_fatal(int liberr);
}
