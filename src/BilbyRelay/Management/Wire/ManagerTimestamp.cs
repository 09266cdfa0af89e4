using System.Globalization;

namespace BilbyRelay.Management;

/// <summary>Envelope timestamps: RFC 3339, UTC, microseconds, <c>Z</c> suffix (e.g. <c>2026-01-02T03:04:05.678901Z</c>).</summary>
internal static class ManagerTimestamp
{
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
