using System.Buffers.Text;
using System.Text;

namespace BilbyRelay.Stats;

/// <summary>Maps a request-target to a <see cref="StatsRoute"/> straight from its bytes.</summary>
internal static class StatsRouteMatcher
{
    private static ReadOnlySpan<byte> TunnelPrefix => "/api/v1/tunnels/"u8;

    private static ReadOnlySpan<byte> UdpSessionPrefix => "/api/v1/udp-sessions/"u8;

    /// <summary>
    /// Accepts origin-form (<c>/path?query</c>), absolute-form (<c>http://host/path</c>, RFC 9112 §3.2.2)
    /// and asterisk-form (matches nothing). False only when the target is none of these (400).
    /// The query is ignored; paths are compared exactly, without percent-decoding.
    /// </summary>
    public static bool TryMatch(ReadOnlySpan<byte> target, ref HttpRequestHead head)
    {
        if (target.SequenceEqual("*"u8))
        {
            head.Route = StatsRoute.NotFound;
            return true;
        }

        if (target[0] != (byte)'/' && !TryStripScheme(ref target))
        {
            return false;
        }

        int queryStart = target.IndexOfAny((byte)'?', (byte)'#');
        ReadOnlySpan<byte> path = queryStart >= 0 ? target[..queryStart] : target;
        head.Route = Match(path, ref head);
        return true;
    }

    private static StatsRoute Match(ReadOnlySpan<byte> path, ref HttpRequestHead head)
    {
        if (path.SequenceEqual("/"u8) || path.SequenceEqual("/status"u8))
        {
            return StatsRoute.StatusPage;
        }

        if (path.SequenceEqual("/health"u8))
        {
            return StatsRoute.Health;
        }

        if (path.SequenceEqual("/metrics"u8))
        {
            return StatsRoute.Metrics;
        }

        if (path.SequenceEqual("/api/v1/tunnels"u8))
        {
            return StatsRoute.Tunnels;
        }

        if (path.SequenceEqual("/api/v1/edges"u8))
        {
            return StatsRoute.Edges;
        }

        if (path.SequenceEqual("/api/v1/stats"u8))
        {
            return StatsRoute.Stats;
        }

        if (path.SequenceEqual("/api/v1/udp-sessions"u8))
        {
            return StatsRoute.UdpSessions;
        }

        if (path.StartsWith(UdpSessionPrefix))
        {
            ReadOnlySpan<byte> id = path[UdpSessionPrefix.Length..];
            if (id.IsEmpty || id.Contains((byte)'/'))
            {
                return StatsRoute.NotFound;
            }

            head.TunnelIdValid = TryParseUuid(id, out head.TunnelId);
            head.InvalidIdText = head.TunnelIdValid ? null : System.Text.Encoding.UTF8.GetString(id);
            return StatsRoute.UdpSessionById;
        }

        if (path.StartsWith(TunnelPrefix))
        {
            ReadOnlySpan<byte> id = path[TunnelPrefix.Length..];
            if (id.IsEmpty || id.Contains((byte)'/'))
            {
                return StatsRoute.NotFound;
            }

            head.TunnelIdValid = TryParseUuid(id, out head.TunnelId);
            return StatsRoute.TunnelById;
        }

        return StatsRoute.NotFound;
    }

    /// <summary>Hyphenated (<c>D</c>) or plain 32-hex-digit (<c>N</c>) UUIDs, either case.</summary>
    private static bool TryParseUuid(ReadOnlySpan<byte> text, out Guid id)
    {
        char format = text.Length == 32 ? 'N' : 'D';
        return Utf8Parser.TryParse(text, out id, out int used, format) && used == text.Length;
    }

    private static bool TryStripScheme(ref ReadOnlySpan<byte> target)
    {
        int schemeLength = target.Length > 7 && Ascii.EqualsIgnoreCase(target[..7], "http://"u8) ? 7
            : target.Length > 8 && Ascii.EqualsIgnoreCase(target[..8], "https://"u8) ? 8
            : 0;
        if (schemeLength == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> afterAuthority = target[schemeLength..];
        int pathStart = afterAuthority.IndexOf((byte)'/');
        target = pathStart >= 0 ? afterAuthority[pathStart..] : "/"u8;
        return true;
    }
}
