using System.Net;

namespace BilbyRelay.Quic;

/// <summary>An event loop died of an unexpected exception: its socket and every connection on it are gone.</summary>
public sealed record QuicLoopFault(IPEndPoint LocalEndPoint, Exception Exception)
{
    /// <summary>One line naming the loop and the failure, for logs and health reports.</summary>
    public string Description => $"QUIC loop on {LocalEndPoint} failed: {Exception.Message}";
}
