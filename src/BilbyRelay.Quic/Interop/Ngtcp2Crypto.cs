using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>
/// libngtcp2_crypto_gnutls entry points. The *_cb functions are the library's ready-made callbacks; they are
/// called through the [UnmanagedCallersOnly] wrappers in Native/CryptoCallbacks.cs so the same code works when
/// the library is linked statically (its symbols are then not exported from the executable).
/// </summary>
internal static unsafe partial class Ngtcp2Crypto
{
    internal const string Library = "ngtcp2_crypto_gnutls";

    /// <summary>First byte of a token made by ngtcp2_crypto_generate_retry_token.</summary>
    internal const byte NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY = 0xb6;

    /// <summary>magic + cid length + NGTCP2_MAX_CIDLEN + timestamp + AEAD tag + NGTCP2_CRYPTO_TOKEN_RAND_DATALEN.</summary>
    internal const int NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN = 1 + 1 + 20 + 8 + 16 + 16;

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_gnutls_configure_server_session(void* session);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_gnutls_configure_client_session(void* session);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_generate_stateless_reset_token(byte* token, byte* secret, nuint secretlen, ngtcp2_cid* cid);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_crypto_write_connection_close(
        byte* dest, nuint destlen, uint version, ngtcp2_cid* dcid, ngtcp2_cid* scid, ulong error_code, byte* reason, nuint reasonlen);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_crypto_generate_retry_token(
        byte* token, byte* secret, nuint secretlen, uint version, byte* remote_addr, uint remote_addrlen, ngtcp2_cid* retry_scid, ngtcp2_cid* odcid, ulong ts);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_verify_retry_token(
        ngtcp2_cid* odcid, byte* token, nuint tokenlen, byte* secret, nuint secretlen, uint version, byte* remote_addr, uint remote_addrlen,
        ngtcp2_cid* dcid, ulong timeout, ulong ts);

    [LibraryImport(Library)]
    internal static partial nint ngtcp2_crypto_write_retry(
        byte* dest, nuint destlen, uint version, ngtcp2_cid* dcid, ngtcp2_cid* scid, ngtcp2_cid* odcid, byte* token, nuint tokenlen);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_client_initial_cb(void* conn, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_recv_client_initial_cb(void* conn, ngtcp2_cid* dcid, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_recv_crypto_data_cb(void* conn, int encryption_level, ulong offset, byte* data, nuint datalen, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_encrypt_cb(
        byte* dest, void* aead, void* aead_ctx, byte* plaintext, nuint plaintextlen, byte* nonce, nuint noncelen, byte* aad, nuint aadlen);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_decrypt_cb(
        byte* dest, void* aead, void* aead_ctx, byte* ciphertext, nuint ciphertextlen, byte* nonce, nuint noncelen, byte* aad, nuint aadlen);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_hp_mask_cb(byte* dest, void* hp, void* hp_ctx, byte* sample);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_update_key_cb(
        void* conn, byte* rx_secret, byte* tx_secret, void* rx_aead_ctx, byte* rx_iv, void* tx_aead_ctx, byte* tx_iv,
        byte* current_rx_secret, byte* current_tx_secret, nuint secretlen, void* user_data);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_crypto_delete_crypto_aead_ctx_cb(void* conn, void* aead_ctx, void* user_data);

    [LibraryImport(Library)]
    internal static partial void ngtcp2_crypto_delete_crypto_cipher_ctx_cb(void* conn, void* cipher_ctx, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_get_path_challenge_data_cb(void* conn, byte* data, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_version_negotiation_cb(void* conn, uint version, ngtcp2_cid* client_dcid, void* user_data);

    [LibraryImport(Library)]
    internal static partial int ngtcp2_crypto_recv_retry_cb(void* conn, ngtcp2_pkt_hd* hd, void* user_data);
}
