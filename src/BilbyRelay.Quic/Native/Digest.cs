using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Hashes through GnuTLS (certificate fingerprints, the stats api_token, bind tokens, the WebSocket handshake), so
/// hashing does not load OpenSSL.
/// </summary>
internal static unsafe class Digest
{
    internal const int Sha256Length = 32;
    internal const int Sha1Length = 20;

    internal static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var digest = new byte[Sha256Length];
        Sha256(data, digest);
        return digest;
    }

    /// <param name="digest">At least <see cref="Sha256Length"/> bytes.</param>
    internal static void Sha256(ReadOnlySpan<byte> data, Span<byte> digest) =>
        Compute(GnuTls.GNUTLS_DIG_SHA256, Sha256Length, data, digest, "gnutls_hash_fast(SHA-256)");

    /// <summary>SHA-1, for the one protocol that still asks for it (RFC 6455's Sec-WebSocket-Accept), never for security.</summary>
    internal static byte[] Sha1(ReadOnlySpan<byte> data)
    {
        var digest = new byte[Sha1Length];
        Compute(GnuTls.GNUTLS_DIG_SHA1, Sha1Length, data, digest, "gnutls_hash_fast(SHA-1)");
        return digest;
    }

    // The operation name is a constant: the per-request token check allocates nothing.
    private static void Compute(int algorithm, int length, ReadOnlySpan<byte> data, Span<byte> digest, string operation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digest.Length, length, nameof(digest));
        fixed (byte* text = data)
        fixed (byte* output = digest)
        {
            NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_hash_fast(algorithm, text, (nuint)data.Length, output), operation);
        }
    }
}
