using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>GnuTLS hashing and random numbers (gnutls/crypto.h, 3.7).</summary>
internal static unsafe partial class GnuTls
{
    internal const int GNUTLS_DIG_SHA256 = 6;
    internal const int GNUTLS_RND_RANDOM = 1;
    internal const int GNUTLS_RND_KEY = 2;

    [LibraryImport(Library)]
    internal static partial int gnutls_hash_fast(int algorithm, void* text, nuint textlen, void* digest);

    [LibraryImport(Library)]
    internal static partial int gnutls_rnd(int level, void* data, nuint len);
}
