namespace BilbyRelay.Core.Metrics;

/// <summary>
/// A monotonically updated 64-bit counter split across cache-line-padded cells, one picked per
/// thread, so the datagram paths of several transport threads do not contend on one cache line.
/// <see cref="Value"/> sums the cells: exact once writers are quiet, never torn.
/// </summary>
public sealed class StripedCounter
{
    // 8 longs = 64 bytes: each cell sits on its own cache line.
    private const int Stride = 8;
    private const int MaxStripes = 64;

    private readonly long[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int stripes = 1;
        while (stripes < Environment.ProcessorCount && stripes < MaxStripes)
        {
            stripes *= 2;
        }

        _mask = stripes - 1;
        _cells = new long[(stripes + 1) * Stride];
    }

    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = Stride; i < _cells.Length; i += Stride)
            {
                sum += Volatile.Read(ref _cells[i]);
            }

            return sum;
        }
    }

    // Cell 0 is left unused so the first real cell does not share a line with the array header.
    public void Add(long value) =>
        Interlocked.Add(ref _cells[((Environment.CurrentManagedThreadId & _mask) + 1) * Stride], value);

    public void Increment() => Add(1);
}
