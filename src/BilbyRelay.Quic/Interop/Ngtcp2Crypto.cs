using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>
/// libngtcp2_crypto_gnutls entry points called from managed code. Its ready-made ngtcp2 callbacks are not imported
/// here: ngtcp2 calls them through their addresses (Native/CryptoCallbacks.cs).
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
}
