using System.Security.Cryptography;
using System.Text;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Stats;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;token&gt;</c> against the configured api_token. Both sides
/// are hashed with SHA-256 and the digests compared with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// so neither the token's bytes nor its length leak through timing. The hash is GnuTLS's, which the relay has
/// loaded anyway (System.Security.Cryptography's would load OpenSSL). Immutable; thread-safe.
/// </summary>
internal sealed class BearerTokenVerifier
{
    private readonly byte[]? _expectedDigest;

    public BearerTokenVerifier(string? apiToken)
    {
        if (!string.IsNullOrEmpty(apiToken))
        {
            _expectedDigest = Digest.Sha256(Encoding.UTF8.GetBytes(apiToken));
        }
    }

    /// <summary>Whether an api_token is configured (protected routes need it; DELETE is refused without it).</summary>
    public bool IsConfigured => _expectedDigest is not null;

    /// <summary>True when <paramref name="headerValue"/> (whitespace already trimmed) is the Bearer scheme with the configured token.</summary>
    public bool Verify(ReadOnlySpan<byte> headerValue)
    {
        if (_expectedDigest is null)
        {
            return false;
        }

        ReadOnlySpan<byte> scheme = "Bearer"u8;
        if (headerValue.Length <= scheme.Length
            || !Ascii.EqualsIgnoreCase(headerValue[..scheme.Length], scheme)
            || headerValue[scheme.Length] != (byte)' ')
        {
            return false;
        }

        ReadOnlySpan<byte> token = headerValue[(scheme.Length + 1)..].TrimStart((byte)' ');
        Span<byte> digest = stackalloc byte[Digest.Sha256Length];
        Digest.Sha256(token, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expectedDigest);
    }
}
