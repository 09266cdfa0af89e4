using System.Buffers.Binary;
using System.Text.Json.Serialization;

namespace BilbyRelay.Core.Tunnels;

/// <summary>
/// A tunnel's UUID as two big-endian halves: <see cref="High"/> holds bytes 0–7 and
/// <see cref="Low"/> bytes 8–15 of the RFC 4122 byte order used on the wire (the 16-byte datagram
/// prefix). Parsing and formatting never allocate except <see cref="ToString"/>.
/// </summary>
[JsonConverter(typeof(TunnelIdJsonConverter))]
public readonly struct TunnelId : IEquatable<TunnelId>, ISpanFormattable
{
    /// <summary>Length of the binary form (the datagram prefix).</summary>
    public const int ByteLength = 16;

    /// <summary>Length of the canonical text form, <c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>.</summary>
    public const int FormattedLength = 36;

    public TunnelId(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    public ulong High { get; }

    public ulong Low { get; }

    public static bool operator ==(TunnelId left, TunnelId right) => left.Equals(right);

    public static bool operator !=(TunnelId left, TunnelId right) => !left.Equals(right);

    /// <summary>Reads the first 16 bytes (RFC 4122 order). The span must hold at least 16 bytes.</summary>
    public static TunnelId FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    /// <summary>Parses any text form <see cref="Guid"/> accepts (hyphenated, braced, 32 hex digits).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TunnelId id)
    {
        if (Guid.TryParse(text, out var guid))
        {
            id = FromGuid(guid);
            return true;
        }

        id = default;
        return false;
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{char}, out TunnelId)"/>
    public static bool TryParse(ReadOnlySpan<byte> utf8Text, out TunnelId id)
    {
        if (Guid.TryParse(utf8Text, out var guid))
        {
            id = FromGuid(guid);
            return true;
        }

        id = default;
        return false;
    }

    public static bool TryParse(string? text, out TunnelId id)
    {
        if (text is null)
        {
            id = default;
            return false;
        }

        return TryParse(text.AsSpan(), out id);
    }

    public static TunnelId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException("Not a UUID: " + text);

    public static TunnelId FromGuid(Guid guid)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        return FromBytes(bytes);
    }

    public Guid ToGuid()
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteBytes(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Writes the 16-byte RFC 4122 form into <paramref name="destination"/>.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    public bool Equals(TunnelId other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is TunnelId other && Equals(other);

    /// <summary>Seeded per process (xxHash32 via <see cref="HashCode"/>), so edges cannot choose colliding ids.</summary>
    public override int GetHashCode() => HashCode.Combine(High, Low);

    /// <summary>Lowercase hyphenated form, as the edges and the manager print UUIDs.</summary>
    public override string ToString() => ToGuid().ToString("D");

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        ToGuid().TryFormat(destination, out charsWritten, "D");

    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) =>
        ToGuid().TryFormat(utf8Destination, out bytesWritten, "D");
}
