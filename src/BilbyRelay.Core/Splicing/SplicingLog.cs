using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Splicing;

/// <summary>Log messages of the data-stream splicer (event ids 3100–3199, stable).</summary>
internal static class SplicingLog
{
    public static void StreamRefused(Logger logger, string connectionId, long streamId, StreamRefusalReason reason)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3100, nameof(StreamRefused), $"Data stream {streamId} from '{connectionId}' refused: {reason.ToLabel()}");
        }
    }

    public static void HeaderReadFailed(Logger logger, string connectionId, long streamId, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3101, nameof(HeaderReadFailed), $"Data stream {streamId} from '{connectionId}' ended before its header: {exception.Message}");
        }
    }

    public static void PeerStreamFailed(Logger logger, string peerConnectionId, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3102, nameof(PeerStreamFailed), $"Could not open a data stream to '{peerConnectionId}': {exception.Message}");
        }
    }

    public static void SpliceStarted(Logger logger, string connectionId, long streamId, string peerConnectionId, long peerStreamId, TunnelId id)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3103, nameof(SpliceStarted), $"Tunnel {id}: stream {streamId} of '{connectionId}' spliced to stream {peerStreamId} of '{peerConnectionId}'");
        }
    }

    public static void SpliceEnded(Logger logger, TunnelId id, long streamId, SpliceOutcome forward, SpliceOutcome backward)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3104, nameof(SpliceEnded), $"Tunnel {id}: stream {streamId} ended (to peer: {forward}, from peer: {backward})");
        }
    }

    public static void SpliceFault(Logger logger, string connectionId, long streamId, Exception exception) =>
        logger.Log(LogLevel.Error, 3105, nameof(SpliceFault), $"Data stream {streamId} from '{connectionId}' failed unexpectedly", exception);
}
