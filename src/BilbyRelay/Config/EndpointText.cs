using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace BilbyRelay.Config;

/// <summary>
/// Parses "host:port" text. Listen addresses must be IP literals (IPv6 in brackets, "[::]:4433")
/// or <c>localhost</c>, which means the IPv4 loopback: the relay never resolves names at start-up,
/// so a DNS hiccup cannot change where it listens. Port 0 asks the system for a free port.
/// </summary>
public static class EndpointText
{
    public static bool TryParseListenEndpoint(string text, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (!TrySplit(text, out var host, out var portText, out error))
        {
            return false;
        }

        if (!TryParsePort(portText, allowZero: true, out var port, out error))
        {
            return false;
        }

        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) != text.StartsWith('['))
        {
            error = $"'{host}' is not an IP address (listen addresses are IP literals or localhost; IPv6 goes in brackets, e.g. [::]:4433)";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>Validates an advertised "host:port" where the host may also be a DNS name.</summary>
    public static bool TryValidateHostPort(string text, [NotNullWhen(false)] out string? error)
    {
        if (!TrySplit(text, out var host, out var portText, out error))
        {
            return false;
        }

        if (!TryParsePort(portText, allowZero: false, out _, out error))
        {
            return false;
        }

        var hostKind = Uri.CheckHostName(host);
        var bracketed = text.StartsWith('[');
        if (hostKind == UriHostNameType.Unknown || (hostKind == UriHostNameType.IPv6) != bracketed)
        {
            error = $"'{host}' is not a host name or IP address (IPv6 goes in brackets, e.g. [2001:db8::1]:4433)";
            return false;
        }

        return true;
    }

    private static bool TrySplit(string text, out string host, out string portText, [NotNullWhen(false)] out string? error)
    {
        host = string.Empty;
        portText = string.Empty;
        int colon;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"'{text}' is not \"[ipv6]:port\"";
                return false;
            }

            host = text[1..close];
            portText = text[(close + 2)..];
            error = null;
            return true;
        }

        colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            error = $"'{text}' is not \"host:port\"";
            return false;
        }

        if (text.IndexOf(':', StringComparison.Ordinal) != colon)
        {
            error = $"'{text}' is ambiguous: write IPv6 addresses in brackets, e.g. [::]:4433";
            return false;
        }

        host = text[..colon];
        portText = text[(colon + 1)..];
        error = null;
        return true;
    }

    private static bool TryParsePort(string portText, bool allowZero, out int port, [NotNullWhen(false)] out string? error)
    {
        var minimum = allowZero ? 0 : 1;
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < minimum || port > IPEndPoint.MaxPort)
        {
            error = allowZero
                ? $"port '{portText}' is out of range (1-65535, or 0 for a port chosen by the system)"
                : $"port '{portText}' is out of range (1-65535)";
            return false;
        }

        error = null;
        return true;
    }
}
