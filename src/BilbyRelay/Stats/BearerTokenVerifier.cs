using System.Security.Cryptography;
using System.Text;

namespace BilbyRelay.Stats;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;token&gt;</c> against the configured api_token. Both sides
/// are hashed with SHA-256 and the digests compared with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// so neither the token's bytes nor its length leak through timing. Immutable; thread-safe.
/// </summary>
internal sealed class BearerTokenVerifier
{
    // Hashed on first use, not at construction: SHA-256 loads OpenSSL, which start-up otherwise never needs.
    private readonly Lazy<byte[]>? _expectedDigest;

    public BearerTokenVerifier(string? apiToken)
    {
        if (!string.IsNullOrEmpty(apiToken))
        {
            _expectedDigest = new Lazy<byte[]>(() => SHA256.HashData(Encoding.UTF8.GetBytes(apiToken)));
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
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(token, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expectedDigest.Value);
    }
}
