using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>SHA-256 through GnuTLS (certificate fingerprints, the stats api_token), so hashing does not load OpenSSL.</summary>
internal static unsafe class Sha256Digest
{
    internal const int Length = 32;

    internal static byte[] Compute(ReadOnlySpan<byte> data)
    {
        var digest = new byte[Length];
        Compute(data, digest);
        return digest;
    }

    /// <param name="digest">At least <see cref="Length"/> bytes.</param>
    internal static void Compute(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digest.Length, Length, nameof(digest));
        fixed (byte* text = data)
        fixed (byte* output = digest)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_hash_fast(GnuTls.GNUTLS_DIG_SHA256, text, (nuint)data.Length, output), "gnutls_hash_fast(SHA-256)");
        }
    }
}
