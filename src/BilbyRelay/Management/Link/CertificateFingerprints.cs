using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BilbyRelay.Management;

/// <summary>SHA-256 certificate fingerprints as 32 hex pairs separated by ':' (<c>cert_fingerprint</c>).</summary>
internal static class CertificateFingerprints
{
    private const int HashBytes = 32;

    /// <summary>The lowercase fingerprint of the certificate's DER encoding.</summary>
    public static string Sha256(X509Certificate certificate)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(certificate.GetRawCertData(), hash);
        return string.Join(':', Convert.ToHexStringLower(hash).Chunk(2).Select(pair => new string(pair)));
    }

    /// <summary>32 hex pairs (either case) separated by ':'.</summary>
    public static bool IsWellFormed(string text)
    {
        if (text.Length != (HashBytes * 3) - 1)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var separatorPosition = i % 3 == 2;
            if (separatorPosition ? text[i] != ':' : !char.IsAsciiHexDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Case-insensitive, constant-time comparison of two fingerprints.</summary>
    public static bool Matches(string expected, string actual)
    {
        var left = System.Text.Encoding.ASCII.GetBytes(expected.ToLowerInvariant());
        var right = System.Text.Encoding.ASCII.GetBytes(actual.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(left, right);
    }
}
