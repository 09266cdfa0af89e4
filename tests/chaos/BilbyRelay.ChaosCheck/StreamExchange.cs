using System.Diagnostics;
using System.IO.Pipelines;
using BilbyRelay.Quic;

namespace BilbyRelay.ChaosCheck;

/// <summary>
/// A TCP-tunnel stream carrying <c>bytes</c> each way at once, every byte checked against a pattern that
/// exposes a lost, repeated or reordered chunk, and a clean end (FIN, not a reset) in both directions.
/// </summary>
internal static class StreamExchange
{
    private const int Chunk = 64 * 1024;

    public static async Task<TimeSpan> RunAsync(EdgePair pair, long bytes, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var forward = await pair.Ingress.OpenTunnelStreamAsync(pair.Tunnel, ct).ConfigureAwait(false);
        var backward = (await pair.Egress.AcceptTunnelStreamAsync(ct).ConfigureAwait(false)).Stream;
        await Task.WhenAll(
            WriteAsync(forward, bytes, seed: 1, ct),
            ReadAsync(backward, bytes, seed: 1, "ingress → egress", ct),
            WriteAsync(backward, bytes, seed: 2, ct),
            ReadAsync(forward, bytes, seed: 2, "egress → ingress", ct)).ConfigureAwait(false);
        return watch.Elapsed;
    }

    private static byte Expected(long offset, int seed) => (byte)((offset % 251) + (seed * 7) + (offset / Chunk));

    private static async Task WriteAsync(QuicStream stream, long bytes, int seed, CancellationToken ct)
    {
        long offset = 0;
        while (offset < bytes)
        {
            int n = (int)Math.Min(Chunk, bytes - offset);
            var span = stream.Output.GetSpan(n)[..n];
            for (int i = 0; i < n; i++)
            {
                span[i] = Expected(offset + i, seed);
            }

            stream.Output.Advance(n);
            offset += n;
            await stream.Output.FlushAsync(ct).ConfigureAwait(false);
        }

        await stream.Output.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task ReadAsync(QuicStream stream, long bytes, int seed, string direction, CancellationToken ct)
    {
        long offset = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await stream.Input.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (QuicStreamAbortedException e)
            {
                throw new InvalidOperationException($"{direction}: stream reset after {offset} of {bytes} bytes ({e.Message})");
            }

            foreach (var segment in result.Buffer)
            {
                var span = segment.Span;
                if (offset + span.Length > bytes)
                {
                    throw new InvalidOperationException($"{direction}: more than {bytes} bytes arrived");
                }

                for (int i = 0; i < span.Length; i++)
                {
                    if (span[i] != Expected(offset + i, seed))
                    {
                        throw new InvalidOperationException($"{direction}: byte {offset + i} differs");
                    }
                }

                offset += span.Length;
            }

            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await stream.Input.CompleteAsync().ConfigureAwait(false);
        if (offset != bytes)
        {
            throw new InvalidOperationException($"{direction}: stream ended after {offset} of {bytes} bytes");
        }
    }
}
