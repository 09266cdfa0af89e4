using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Thin [UnmanagedCallersOnly] forwarders to the ngtcp2_crypto_gnutls ready-made callbacks. Forwarding (instead of
/// pointing ngtcp2 at the exports) works identically under the JIT and in the statically linked AOT binary, where
/// the library's symbols are not exported. None of these touch managed state, so none can throw.
/// </summary>
internal static unsafe class CryptoCallbacks
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int ClientInitial(void* conn, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_client_initial_cb(conn, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int RecvClientInitial(void* conn, ngtcp2_cid* dcid, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_recv_client_initial_cb(conn, dcid, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int RecvCryptoData(void* conn, int level, ulong offset, byte* data, nuint length, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_recv_crypto_data_cb(conn, level, offset, data, length, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int Encrypt(byte* dest, void* aead, void* aeadCtx, byte* plaintext, nuint plaintextLength, byte* nonce, nuint nonceLength, byte* aad, nuint aadLength) =>
        Ngtcp2Crypto.ngtcp2_crypto_encrypt_cb(dest, aead, aeadCtx, plaintext, plaintextLength, nonce, nonceLength, aad, aadLength);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int Decrypt(byte* dest, void* aead, void* aeadCtx, byte* ciphertext, nuint ciphertextLength, byte* nonce, nuint nonceLength, byte* aad, nuint aadLength) =>
        Ngtcp2Crypto.ngtcp2_crypto_decrypt_cb(dest, aead, aeadCtx, ciphertext, ciphertextLength, nonce, nonceLength, aad, aadLength);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int HpMask(byte* dest, void* hp, void* hpCtx, byte* sample) =>
        Ngtcp2Crypto.ngtcp2_crypto_hp_mask_cb(dest, hp, hpCtx, sample);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int UpdateKey(
        void* conn, byte* rxSecret, byte* txSecret, void* rxAeadCtx, byte* rxIv, void* txAeadCtx, byte* txIv,
        byte* currentRxSecret, byte* currentTxSecret, nuint secretLength, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_update_key_cb(conn, rxSecret, txSecret, rxAeadCtx, rxIv, txAeadCtx, txIv, currentRxSecret, currentTxSecret, secretLength, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void DeleteCryptoAeadCtx(void* conn, void* aeadCtx, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_delete_crypto_aead_ctx_cb(conn, aeadCtx, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void DeleteCryptoCipherCtx(void* conn, void* cipherCtx, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_delete_crypto_cipher_ctx_cb(conn, cipherCtx, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int GetPathChallengeData(void* conn, byte* data, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_get_path_challenge_data_cb(conn, data, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int VersionNegotiation(void* conn, uint version, ngtcp2_cid* clientDcid, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_version_negotiation_cb(conn, version, clientDcid, userData);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int RecvRetry(void* conn, ngtcp2_pkt_hd* hd, void* userData) =>
        Ngtcp2Crypto.ngtcp2_crypto_recv_retry_cb(conn, hd, userData);
}
