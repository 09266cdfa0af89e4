using System.Text;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>What a GnuTLS client session received from its server: the leaf certificate and its verification.</summary>
internal static unsafe class PeerCertificate
{
    /// <summary>The server's leaf certificate (DER, copied), or null when it sent none.</summary>
    internal static byte[]? Leaf(void* session)
    {
        uint count;
        var peers = GnuTls.gnutls_certificate_get_peers(session, &count);
        return peers == null || count == 0 ? null : new ReadOnlySpan<byte>(peers[0].data, (int)peers[0].size).ToArray();
    }

    /// <summary>
    /// Verifies the server's chain against the credentials' trusted CAs and, when given, <paramref name="hostName"/>
    /// (a DNS name or an IP address): the GnuTLS result, with the failed checks in <paramref name="status"/>.
    /// </summary>
    internal static int Verify(void* session, string? hostName, out uint status)
    {
        var host = hostName is { Length: > 0 } ? Encoding.ASCII.GetBytes(hostName + "\0") : null;
        fixed (byte* hostPointer = host)
        fixed (uint* statusPointer = &status)
        {
            return GnuTls.gnutls_certificate_verify_peers3(session, hostPointer, statusPointer);
        }
    }
}
