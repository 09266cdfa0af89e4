using System.Globalization;
using System.Text;
using Tomlyn.Syntax;

namespace BilbyRelay.Config;

/// <summary>Small TOML helpers shared by the reader, the effective-config writer and the credential editor.</summary>
public static class TomlText
{
    /// <summary>A TOML basic string: quotes, backslashes and control characters escaped.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case < ' ' or '\u007f':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>The dotted name of a key as written (<c>a."b".c</c> → <c>a.b.c</c>).</summary>
    public static string KeyName(KeySyntax? key)
    {
        if (key is null)
        {
            return string.Empty;
        }

        var name = Segment(key.Key);
        foreach (var dotted in key.DotKeys)
        {
            name += "." + Segment(dotted.Key);
        }

        return name;
    }

    private static string Segment(BareKeyOrStringValueSyntax? segment) => segment switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };
}
