using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// The ngtcp2_crypto_gnutls ready-made callbacks as the library's own function pointers, which go straight into
/// ngtcp2's callback table. encrypt, decrypt and hp_mask run twice for every packet the relay forwards (once for
/// the packet in, once for the packet out); a managed forwarder in between cost a transition into and out of the
/// runtime on each of those calls.
/// </summary>
/// <remarks>
/// The Native AOT executable links the library statically and exports these symbols (NativeLinking.targets), so
/// they are found on the executable itself; under the JIT they come from the installed shared object.
/// </remarks>
internal static unsafe class CryptoCallbacks
{
    private static readonly IntPtr s_library = FindLibrary();

    internal static readonly void* ClientInitial = Export("ngtcp2_crypto_client_initial_cb");
    internal static readonly void* RecvClientInitial = Export("ngtcp2_crypto_recv_client_initial_cb");
    internal static readonly void* RecvCryptoData = Export("ngtcp2_crypto_recv_crypto_data_cb");
    internal static readonly void* Encrypt = Export("ngtcp2_crypto_encrypt_cb");
    internal static readonly void* Decrypt = Export("ngtcp2_crypto_decrypt_cb");
    internal static readonly void* HpMask = Export("ngtcp2_crypto_hp_mask_cb");
    internal static readonly void* UpdateKey = Export("ngtcp2_crypto_update_key_cb");
    internal static readonly void* DeleteCryptoAeadCtx = Export("ngtcp2_crypto_delete_crypto_aead_ctx_cb");
    internal static readonly void* DeleteCryptoCipherCtx = Export("ngtcp2_crypto_delete_crypto_cipher_ctx_cb");
    internal static readonly void* GetPathChallengeData = Export("ngtcp2_crypto_get_path_challenge_data_cb");
    internal static readonly void* VersionNegotiation = Export("ngtcp2_crypto_version_negotiation_cb");
    internal static readonly void* RecvRetry = Export("ngtcp2_crypto_recv_retry_cb");

    private static IntPtr FindLibrary()
    {
        var executable = NativeLibrary.GetMainProgramHandle();
        return NativeLibrary.TryGetExport(executable, "ngtcp2_crypto_encrypt_cb", out _)
            ? executable
            : NativeLibraryResolver.Load(Ngtcp2Crypto.Library);
    }

    private static void* Export(string name) =>
        NativeLibrary.TryGetExport(s_library, name, out var address)
            ? (void*)address
            : throw new EntryPointNotFoundException(
                $"{name} is neither exported by this executable nor by libngtcp2_crypto_gnutls: the binary was linked without the exports in NativeLinking.targets");
}
