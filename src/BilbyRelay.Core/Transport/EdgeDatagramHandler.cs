namespace BilbyRelay.Core.Transport;

/// <summary>
/// Receives one DATAGRAM frame. Runs on the transport's thread; <paramref name="datagram"/> is valid
/// only for the duration of the call, so a handler that needs the bytes later must copy them.
/// </summary>
public delegate void EdgeDatagramHandler(ReadOnlySpan<byte> datagram);
