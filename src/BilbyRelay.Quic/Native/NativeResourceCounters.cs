namespace BilbyRelay.Quic.Native;

/// <summary>
/// Live counts of every native object the engine allocates, so tests can prove each is freed exactly once.
/// Incremented right after a successful allocation and decremented right after the matching free.
/// </summary>
internal static class NativeResourceCounters
{
    private static long s_connections;
    private static long s_tlsSessions;
    private static long s_credentials;
    private static long s_connectionRefs;
    private static long s_gcHandles;

    internal static long Connections => Volatile.Read(ref s_connections);

    internal static long TlsSessions => Volatile.Read(ref s_tlsSessions);

    internal static long Credentials => Volatile.Read(ref s_credentials);

    internal static long ConnectionRefs => Volatile.Read(ref s_connectionRefs);

    internal static long GcHandles => Volatile.Read(ref s_gcHandles);

    /// <summary>Per-connection objects still alive (listener credentials are counted in <see cref="Credentials"/> only).</summary>
    internal static long PerConnectionTotal => Connections + TlsSessions + ConnectionRefs + GcHandles;

    internal static void ConnectionCreated() => Interlocked.Increment(ref s_connections);

    internal static void ConnectionFreed() => Interlocked.Decrement(ref s_connections);

    internal static void TlsSessionCreated() => Interlocked.Increment(ref s_tlsSessions);

    internal static void TlsSessionFreed() => Interlocked.Decrement(ref s_tlsSessions);

    internal static void CredentialsCreated() => Interlocked.Increment(ref s_credentials);

    internal static void CredentialsFreed() => Interlocked.Decrement(ref s_credentials);

    internal static void ConnectionRefCreated() => Interlocked.Increment(ref s_connectionRefs);

    internal static void ConnectionRefFreed() => Interlocked.Decrement(ref s_connectionRefs);

    internal static void GcHandleCreated() => Interlocked.Increment(ref s_gcHandles);

    internal static void GcHandleFreed() => Interlocked.Decrement(ref s_gcHandles);
}
