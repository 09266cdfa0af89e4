using System.Net;

namespace BilbyRelay.Stats;

/// <summary>The stats endpoint could not listen on <see cref="EndPoint"/>; the message names the address and the reason.</summary>
internal sealed class StatsListenException : Exception
{
    public StatsListenException(IPEndPoint endPoint, Exception innerException)
        : base($"Stats endpoint cannot listen on {endPoint}: {innerException.Message}", innerException)
    {
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }
}
