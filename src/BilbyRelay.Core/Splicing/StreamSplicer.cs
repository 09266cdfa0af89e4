using System.Buffers;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Transport;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Splicing;

/// <summary>
/// Carries one TCP data stream (§1.3): reads its header, opens a stream on the peer holding the
/// other slot, writes the same header there, then splices bytes both ways. A stream that cannot be
/// carried is aborted and nothing else changes. Thread-safe; one call per data stream.
/// </summary>
/// <remarks>
/// End of a splice: FIN in one direction becomes FIN in that direction only (half-close works).
/// A reset, STOP_SENDING or lost connection on either side aborts both streams (reset + stop-sending)
/// with <see cref="RelayErrorCodes.StreamPeerAborted"/>: a TCP tunnel whose one side broke is dead,
/// and a clean FIN must never be forged from an error.
/// </remarks>
public sealed class StreamSplicer
{
    private readonly TunnelTable _tunnels;
    private readonly RelayMetrics _metrics;
    private readonly Logger _logger;

    public StreamSplicer(TunnelTable tunnels, RelayMetrics metrics, Logger logger)
    {
        _tunnels = tunnels;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Runs the data stream to its end. Never throws.</summary>
    public async Task SpliceAsync(EdgeSession opener, IEdgeStream stream, CancellationToken ct)
    {
        try
        {
            await SpliceCoreAsync(opener, stream, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SplicingLog.SpliceFault(_logger, opener.ConnectionId, stream.StreamId, ex);
            Abort(stream, RelayErrorCodes.StreamPeerAborted);
        }
    }

    private async Task SpliceCoreAsync(EdgeSession opener, IEdgeStream stream, CancellationToken ct)
    {
        var reader = new FrameReader(stream.Input, needReceiveWindow: stream.EnsureReceiveWindow);
        FrameReadStatus status;
        try
        {
            status = await reader.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Reset or lost before the header arrived: nothing to refuse or count.
            SplicingLog.HeaderReadFailed(_logger, opener.ConnectionId, stream.StreamId, ex);
            Abort(stream, RelayErrorCodes.StreamRefused);
            return;
        }

        if (status != FrameReadStatus.Frame)
        {
            Refuse(opener, stream, status == FrameReadStatus.Oversized ? StreamRefusalReason.OversizedHeader : StreamRefusalReason.BadHeader);
            return;
        }

        var header = EdgeMessageParser.ParseDataStreamHeader(reader.Payload);

        // The peer receives the header exactly as the opener sent it (fields this relay does not
        // know included), so copy it before the frame's buffer is released. Once per stream, not per packet.
        var headerBytes = reader.Payload.ToArray();
        reader.ReleaseFrame();
        if (header is null)
        {
            Refuse(opener, stream, StreamRefusalReason.BadHeader);
            return;
        }

        if (!_tunnels.TryGet(header.TunnelId, out var tunnel))
        {
            Refuse(opener, stream, StreamRefusalReason.UnknownTunnel);
            return;
        }

        if (!tunnel.TryGetSlotOf(opener, out var from))
        {
            Refuse(opener, stream, StreamRefusalReason.NotAMember);
            return;
        }

        var peer = tunnel.GetSlot(from.Opposite());
        if (peer is null)
        {
            Refuse(opener, stream, StreamRefusalReason.NoPeer);
            return;
        }

        var peerStream = await OpenPeerStreamAsync(peer, stream, headerBytes, ct).ConfigureAwait(false);
        if (peerStream is null)
        {
            Refuse(opener, stream, StreamRefusalReason.PeerUnavailable);
            return;
        }

        tunnel.TcpStreamStarted();
        _metrics.TcpStreamStarted();
        SplicingLog.SpliceStarted(_logger, opener.ConnectionId, stream.StreamId, peer.ConnectionId, peerStream.StreamId, header.TunnelId);
        try
        {
            await CopyBothWaysAsync(stream, peerStream, tunnel, from, ct).ConfigureAwait(false);
        }
        finally
        {
            tunnel.TcpStreamEnded();
            _metrics.TcpStreamEnded();
        }
    }

    private async Task<IEdgeStream?> OpenPeerStreamAsync(EdgeSession peer, IEdgeStream opened, byte[] header, CancellationToken ct)
    {
        IEdgeStream? peerStream = null;
        try
        {
            peerStream = await peer.Connection.OpenBidirectionalStreamAsync(ct).ConfigureAwait(false);

            // Each side's output holds what the other side's edge sent, header included.
            peerStream.CarryBytesFrom(opened);
            opened.CarryBytesFrom(peerStream);
            FrameWriter.WriteFrame(peerStream.Output, header);
            var flush = await peerStream.Output.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                Abort(peerStream, RelayErrorCodes.StreamRefused);
                return null;
            }

            return peerStream;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SplicingLog.PeerStreamFailed(_logger, peer.ConnectionId, ex);
            if (peerStream is not null)
            {
                Abort(peerStream, RelayErrorCodes.StreamPeerAborted);
            }

            return null;
        }
    }

    private async Task CopyBothWaysAsync(IEdgeStream opened, IEdgeStream peerStream, Tunnel tunnel, TunnelDirection from, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var forward = CopyOneWayAsync(opened, peerStream, tunnel, from, failed);
        var backward = CopyOneWayAsync(peerStream, opened, tunnel, from.Opposite(), failed);
        var outcomes = await Task.WhenAll(forward, backward).ConfigureAwait(false);
        SplicingLog.SpliceEnded(_logger, tunnel.Id, opened.StreamId, outcomes[0], outcomes[1]);
        if (outcomes[0] != SpliceOutcome.Completed || outcomes[1] != SpliceOutcome.Completed)
        {
            Abort(opened, RelayErrorCodes.StreamPeerAborted);
            Abort(peerStream, RelayErrorCodes.StreamPeerAborted);
        }
    }

    /// <summary>One direction; bytes read from <paramref name="source"/> came from the <paramref name="from"/> slot.</summary>
    private async Task<SpliceOutcome> CopyOneWayAsync(
        IEdgeStream source,
        IEdgeStream destination,
        Tunnel tunnel,
        TunnelDirection from,
        CancellationTokenSource failed)
    {
        var total = from == TunnelDirection.Ingress ? _metrics.BytesIngress : _metrics.BytesEgress;
        Action<long> countBytes = count =>
        {
            tunnel.AddBytesFrom(from, count);
            total.Add(count);
        };
        SpliceOutcome outcome;
        if (source.TrySpliceInputTo(destination, countBytes, failed.Token) is { } inTransport)
        {
            outcome = await inTransport.ConfigureAwait(false);
            if (outcome == SpliceOutcome.Completed)
            {
                await source.Input.CompleteAsync().ConfigureAwait(false);
            }
        }
        else
        {
            outcome = await PipeSplice.CopyAsync(source.Input, destination.Output, countBytes, failed.Token).ConfigureAwait(false);
        }

        if (outcome is SpliceOutcome.InputError or SpliceOutcome.OutputError)
        {
            // Stop the other direction now; both streams are aborted once it has returned.
            await failed.CancelAsync().ConfigureAwait(false);
        }

        return outcome;
    }

    private void Refuse(EdgeSession opener, IEdgeStream stream, StreamRefusalReason reason)
    {
        _metrics.StreamRefused(reason);
        SplicingLog.StreamRefused(_logger, opener.ConnectionId, stream.StreamId, reason);
        Abort(stream, RelayErrorCodes.StreamRefused);
    }

    /// <summary>Resets and stops the stream, then releases both pipe ends.</summary>
    private static void Abort(IEdgeStream stream, long errorCode)
    {
        stream.Abort(errorCode);
        stream.Input.Complete();
        stream.Output.Complete();
    }
}
