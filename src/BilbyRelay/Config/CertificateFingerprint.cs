using System.Diagnostics.CodeAnalysis;

namespace BilbyRelay.Config;

/// <summary>SHA-256 certificate fingerprints written as 32 hex pairs separated by ':'.</summary>
public static class CertificateFingerprint
{
    private const int ByteCount = 32;

    /// <summary>Accepts upper- or lowercase hex and returns the lowercase form the manager link compares against.</summary>
    public static bool TryNormalize(string text, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
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

        normalized = text.ToLowerInvariant();
        return true;
    }
}
