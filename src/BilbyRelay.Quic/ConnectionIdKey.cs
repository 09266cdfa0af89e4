using System.Buffers.Binary;

namespace BilbyRelay.Quic;

/// <summary>A connection ID (0–20 bytes) as a dictionary key, stored inline without allocation.</summary>
internal readonly struct ConnectionIdKey : IEquatable<ConnectionIdKey>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly uint _c;
    private readonly byte _length;

    internal ConnectionIdKey(ReadOnlySpan<byte> id)
    {
        if (id.Length > 20)
        {
            throw new ArgumentException("A connection ID has at most 20 bytes.", nameof(id));
        }

        Span<byte> buffer = stackalloc byte[20];
        buffer.Clear();
        id.CopyTo(buffer);
        _a = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]);
        _c = BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]);
        _length = (byte)id.Length;
    }

    public bool Equals(ConnectionIdKey other) => _a == other._a && _b == other._b && _c == other._c && _length == other._length;

    public override bool Equals(object? obj) => obj is ConnectionIdKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _length);
}
