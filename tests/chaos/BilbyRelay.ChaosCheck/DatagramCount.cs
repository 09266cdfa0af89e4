using System.Buffers.Binary;
using System.Diagnostics;

namespace BilbyRelay.ChaosCheck;

/// <summary>Numbered datagrams from the ingress edge at a steady rate; the egress edge counts each number it sees.</summary>
internal sealed class DatagramCount
{
    private const int Payload = 1200;
    private readonly int[] _seen;
    private long _lastArrival = Stopwatch.GetTimestamp();

    public DatagramCount(int count)
    {
        _seen = new int[count];
    }

    /// <summary>The egress edge's observer (QUIC loop thread): the datagram is the tunnel id, then the payload.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        var payload = datagram.Length == 16 + Payload ? datagram[16..] : datagram;
        if (payload.Length < 4)
        {
            return;
        }

        int number = BinaryPrimitives.ReadInt32BigEndian(payload);
        if ((uint)number < (uint)_seen.Length)
        {
            Interlocked.Increment(ref _seen[number]);
            Volatile.Write(ref _lastArrival, Stopwatch.GetTimestamp());
        }
    }

    public async Task<(double Loss, int Duplicates)> RunAsync(EdgePair pair, int rate, CancellationToken ct)
    {
        var payload = new byte[Payload];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < _seen.Length; i++)
        {
            while (i > watch.Elapsed.TotalSeconds * rate)
            {
                await Task.Delay(1, ct).ConfigureAwait(false);
            }

            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            while (!pair.Ingress.SendDatagram(pair.Tunnel, payload))
            {
                // The edge's own send queue is full: that is not the network's loss, so wait and send it.
                await Task.Delay(1, ct).ConfigureAwait(false);
            }
        }

        // Stragglers: done once nothing has arrived for a second (the path delays by at most 60 ms).
        while (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastArrival)) < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        int distinct = _seen.Count(static n => n > 0);
        int duplicates = _seen.Sum(static n => Math.Max(0, n - 1));
        return (1 - ((double)distinct / _seen.Length), duplicates);
    }
}
