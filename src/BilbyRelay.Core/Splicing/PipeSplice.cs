using System.Buffers;
using System.IO.Pipelines;

namespace BilbyRelay.Core.Splicing;

/// <summary>
/// Copies one direction of a data stream: read → write → flush until FIN, the way YARP's
/// StreamCopier does it, classifying how it ended. The copy holds at most one read's worth of bytes
/// beyond what the pipes hold (flush waits at the destination's pause threshold), so a slow receiver
/// slows the sender instead of growing memory. Bytes are copied in order, each exactly once. An
/// idle splice holds no buffer of its own: a pending pipe read is the equivalent of YARP's
/// zero-byte read, and memory is taken only when bytes arrive.
/// </summary>
internal static class PipeSplice
{
    /// <summary>
    /// Copies until the source finishes or something fails. On FIN the destination is completed
    /// (FIN). This method completes <paramref name="source"/> and <paramref name="destination"/> only
    /// on success; on failure the caller aborts the streams. <paramref name="countBytes"/> runs after
    /// each flushed chunk.
    /// </summary>
    public static async Task<SpliceOutcome> CopyAsync(
        PipeReader source,
        PipeWriter destination,
        Action<long> countBytes,
        CancellationToken ct)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await source.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return SpliceOutcome.Canceled;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return SpliceOutcome.InputError;
            }

            if (read.IsCanceled)
            {
                return SpliceOutcome.Canceled;
            }

            var buffer = read.Buffer;
            long length = buffer.Length;
            if (length > 0)
            {
                try
                {
                    foreach (var segment in buffer)
                    {
                        destination.Write(segment.Span);
                    }

                    var flush = await destination.FlushAsync(ct).ConfigureAwait(false);
                    if (flush.IsCanceled)
                    {
                        source.AdvanceTo(buffer.End);
                        return SpliceOutcome.Canceled;
                    }

                    if (flush.IsCompleted)
                    {
                        // The destination's reader is gone: the peer asked us to stop sending.
                        source.AdvanceTo(buffer.End);
                        return SpliceOutcome.OutputError;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    source.AdvanceTo(buffer.End);
                    return SpliceOutcome.Canceled;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    source.AdvanceTo(buffer.End);
                    return SpliceOutcome.OutputError;
                }

                countBytes(length);
            }

            source.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                try
                {
                    await destination.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    return SpliceOutcome.OutputError;
                }

                await source.CompleteAsync().ConfigureAwait(false);
                return SpliceOutcome.Completed;
            }
        }
    }
}
