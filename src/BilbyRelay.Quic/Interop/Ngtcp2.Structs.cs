using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

// Blittable mirrors of the ngtcp2 1.11 structs, field for field, C names kept.
// Every size and offset is checked against /usr/include/ngtcp2 by LayoutTests.
// Versioned structs mirror exactly the version passed to the *_versioned calls:
// ngtcp2_settings = NGTCP2_SETTINGS_V2, ngtcp2_transport_params = NGTCP2_TRANSPORT_PARAMS_V1,
// ngtcp2_callbacks = NGTCP2_CALLBACKS_V1. Newer libraries read only the declared size.
#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

internal unsafe struct ngtcp2_cid
{
    public nuint datalen;
    public fixed byte data[Ngtcp2.NGTCP2_MAX_CIDLEN];

    public readonly ReadOnlySpan<byte> AsSpan()
    {
        fixed (byte* p = data)
        {
            return new ReadOnlySpan<byte>(p, (int)datalen);
        }
    }

    public static ngtcp2_cid From(ReadOnlySpan<byte> value)
    {
        var cid = default(ngtcp2_cid);
        cid.datalen = (nuint)value.Length;
        value.CopyTo(new Span<byte>(cid.data, Ngtcp2.NGTCP2_MAX_CIDLEN));
        return cid;
    }
}

internal unsafe struct ngtcp2_addr
{
    public void* addr;
    public uint addrlen;
}

internal unsafe struct ngtcp2_path
{
    public ngtcp2_addr local;
    public ngtcp2_addr remote;
    public void* user_data;
}

/// <summary>A path whose address pointers point into this struct: it must not move while in use.</summary>
internal unsafe struct ngtcp2_path_storage
{
    public ngtcp2_path path;
    public fixed byte local_addrbuf[28];
    public fixed byte remote_addrbuf[28];
}

// The header declares this struct with 8-byte alignment (size 8); a 1-byte mirror corrupts the calls.
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct ngtcp2_pkt_info
{
    public byte ecn;
}

internal unsafe struct ngtcp2_pkt_hd
{
    public ngtcp2_cid dcid;
    public ngtcp2_cid scid;
    public long pkt_num;
    public byte* token;
    public nuint tokenlen;
    public nuint pkt_numlen;
    public nuint len;
    public uint version;
    public byte type;
    public byte flags;
}

internal unsafe struct ngtcp2_version_cid
{
    public uint version;
    public byte* dcid;
    public nuint dcidlen;
    public byte* scid;
    public nuint scidlen;
}

internal unsafe struct ngtcp2_ccerr
{
    public int type;
    public ulong error_code;
    public ulong frame_type;
    public byte* reason;
    public nuint reasonlen;
}

internal unsafe struct ngtcp2_vec
{
    public byte* @base;
    public nuint len;
}

internal unsafe struct ngtcp2_info
{
    public int age;
    public int version_num;
    public byte* version_str;
}

internal unsafe struct ngtcp2_pkt_stateless_reset
{
    public fixed byte stateless_reset_token[Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN];
    public byte* rand;
    public nuint randlen;
}

internal unsafe struct ngtcp2_preferred_addr
{
    public ngtcp2_cid cid;
    public fixed byte ipv4[16];
    public fixed byte ipv6[28];
    public byte ipv4_present;
    public byte ipv6_present;
    public fixed byte stateless_reset_token[Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN];
}

internal unsafe struct ngtcp2_version_info
{
    public uint chosen_version;
    public byte* available_versions;
    public nuint available_versionslen;
}

/// <summary>NGTCP2_TRANSPORT_PARAMS_V1.</summary>
internal unsafe struct ngtcp2_transport_params
{
    public ngtcp2_preferred_addr preferred_addr;
    public ngtcp2_cid original_dcid;
    public ngtcp2_cid initial_scid;
    public ngtcp2_cid retry_scid;
    public ulong initial_max_stream_data_bidi_local;
    public ulong initial_max_stream_data_bidi_remote;
    public ulong initial_max_stream_data_uni;
    public ulong initial_max_data;
    public ulong initial_max_streams_bidi;
    public ulong initial_max_streams_uni;
    public ulong max_idle_timeout;
    public ulong max_udp_payload_size;
    public ulong active_connection_id_limit;
    public ulong ack_delay_exponent;
    public ulong max_ack_delay;
    public ulong max_datagram_frame_size;
    public byte stateless_reset_token_present;
    public byte disable_active_migration;
    public byte original_dcid_present;
    public byte initial_scid_present;
    public byte retry_scid_present;
    public byte preferred_addr_present;
    public fixed byte stateless_reset_token[Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN];
    public byte grease_quic_bit;
    public ngtcp2_version_info version_info;
    public byte version_info_present;
}

/// <summary>NGTCP2_SETTINGS_V2.</summary>
internal unsafe struct ngtcp2_settings
{
    public void* qlog_write;
    public int cc_algo;
    public ulong initial_ts;
    public ulong initial_rtt;
    public void* log_printf;
    public nuint max_tx_udp_payload_size;
    public byte* token;
    public nuint tokenlen;
    public int token_type;
    public void* rand_ctx;
    public ulong max_window;
    public ulong max_stream_window;
    public nuint ack_thresh;
    public byte no_tx_udp_payload_size_shaping;
    public ulong handshake_timeout;
    public uint* preferred_versions;
    public nuint preferred_versionslen;
    public uint* available_versions;
    public nuint available_versionslen;
    public uint original_version;
    public byte no_pmtud;
    public uint initial_pkt_num;
    public ushort* pmtud_probes;
    public nuint pmtud_probeslen;
}

/// <summary>NGTCP2_CALLBACKS_V1: 40 function pointers, in header order.</summary>
internal unsafe struct ngtcp2_callbacks
{
    public void* client_initial;
    public void* recv_client_initial;
    public void* recv_crypto_data;
    public void* handshake_completed;
    public void* recv_version_negotiation;
    public void* encrypt;
    public void* decrypt;
    public void* hp_mask;
    public void* recv_stream_data;
    public void* acked_stream_data_offset;
    public void* stream_open;
    public void* stream_close;
    public void* recv_stateless_reset;
    public void* recv_retry;
    public void* extend_max_local_streams_bidi;
    public void* extend_max_local_streams_uni;
    public void* rand;
    public void* get_new_connection_id;
    public void* remove_connection_id;
    public void* update_key;
    public void* path_validation;
    public void* select_preferred_addr;
    public void* stream_reset;
    public void* extend_max_remote_streams_bidi;
    public void* extend_max_remote_streams_uni;
    public void* extend_max_stream_data;
    public void* dcid_status;
    public void* handshake_confirmed;
    public void* recv_new_token;
    public void* delete_crypto_aead_ctx;
    public void* delete_crypto_cipher_ctx;
    public void* recv_datagram;
    public void* ack_datagram;
    public void* lost_datagram;
    public void* get_path_challenge_data;
    public void* stream_stop_sending;
    public void* version_negotiation;
    public void* recv_rx_key;
    public void* recv_tx_key;
    public void* tls_early_data_rejected;
}

/// <summary>GnuTLS keeps a raw pointer to this: it lives in native memory owned by the connection.</summary>
internal unsafe struct ngtcp2_crypto_conn_ref
{
    public delegate* unmanaged[Cdecl]<ngtcp2_crypto_conn_ref*, void*> get_conn;
    public void* user_data;
}

internal unsafe struct gnutls_datum_t
{
    public byte* data;
    public uint size;
}
