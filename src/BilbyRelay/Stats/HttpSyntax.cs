namespace BilbyRelay.Stats;

/// <summary>Byte-level character classes of RFC 9110/9112.</summary>
internal static class HttpSyntax
{
    /// <summary>token = 1*tchar (RFC 9110 §5.6.2).</summary>
    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Printable ASCII without spaces: the characters a request-target may contain.</summary>
    public static bool IsVisibleAscii(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>field-value: visible characters, spaces, tabs and obs-text; no other control characters.</summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsDigits(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Strips optional whitespace (SP and HTAB) from both ends.</summary>
    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);

    private static bool IsTokenChar(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&'
            or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`'
            or (byte)'|' or (byte)'~';
}
