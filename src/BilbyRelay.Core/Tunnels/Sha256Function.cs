namespace BilbyRelay.Core.Tunnels;

/// <summary>
/// Writes the SHA-256 of <paramref name="data"/> into the first 32 bytes of <paramref name="digest"/>. The core has
/// no hashing of its own: the executable passes the TLS library's, so hashing loads no second crypto library.
/// </summary>
public delegate void Sha256Function(ReadOnlySpan<byte> data, Span<byte> digest);
