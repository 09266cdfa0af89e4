namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Readiness of one registered descriptor. An error or hang-up condition is reported as both readable and
/// writable, so the next receive or send surfaces (and clears) it.
/// </summary>
internal readonly record struct PollEvent(int Fd, bool Readable, bool Writable);
