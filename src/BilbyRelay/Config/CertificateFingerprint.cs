using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using BilbyRelay.Quic;

namespace BilbyRelay.Config;

/// <summary>
/// SHA-256 certificate fingerprints written as 32 hex pairs separated by ':' (<c>manager.cert_fingerprint</c>).
/// The one implementation: config validation checks the form, the manager link computes and compares.
/// </summary>
public static class CertificateFingerprint
{
    private const int ByteCount = 32;

    /// <summary>Accepts upper- or lowercase hex and returns the lowercase form the manager link compares against.</summary>
    public static bool TryNormalize(string text, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (!IsWellFormed(text))
        {
            return false;
        }

        normalized = text.ToLowerInvariant();
        return true;
    }

    /// <summary>32 hex pairs (either case) separated by ':'.</summary>
    public static bool IsWellFormed(string text)
    {
        if (text.Length != (ByteCount * 3) - 1)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var isSeparatorPosition = i % 3 == 2;
            if (isSeparatorPosition ? text[i] != ':' : !char.IsAsciiHexDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The lowercase fingerprint of a DER-encoded certificate.</summary>
    public static string Sha256(ReadOnlySpan<byte> certificateDer) => ServerCertificate.Fingerprint(certificateDer);

    /// <summary>Case-insensitive, constant-time comparison of two fingerprints.</summary>
    public static bool Matches(string expected, string actual)
    {
        var left = Encoding.ASCII.GetBytes(expected.ToLowerInvariant());
        var right = Encoding.ASCII.GetBytes(actual.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(left, right);
    }
}
