using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Cryptographic random bytes from GnuTLS, which the engine has loaded anyway. System.Security.Cryptography's
/// generator would load OpenSSL into the process for nothing else (milliseconds of start-up and resident memory).
/// Thread-safe: GnuTLS keeps its generator state per thread.
/// </summary>
internal static unsafe class CryptoRandom
{
    /// <summary>Unpredictable bytes for values sent in the clear: connection ids, padding, nonces.</summary>
    internal static void Fill(Span<byte> destination) => Fill(destination, GnuTls.GNUTLS_RND_RANDOM);

    /// <summary>Bytes for long-lived secrets (the stateless-reset key).</summary>
    internal static void FillKey(Span<byte> destination) => Fill(destination, GnuTls.GNUTLS_RND_KEY);

    internal static byte NextByte()
    {
        byte value;
        Fill(new Span<byte>(&value, 1));
        return value;
    }

    private static void Fill(Span<byte> destination, int level)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        fixed (byte* data = destination)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_rnd(level, data, (nuint)destination.Length), "gnutls_rnd");
        }
    }
}
