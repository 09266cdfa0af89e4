using BilbyRelay.Core.Tunnels;
using Xunit.Abstractions;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Core.Tests.Tunnels;

public class TunnelTableTests
{
    private readonly ITestOutputHelper _output;

    public TunnelTableTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void GetOrAdd_ThenTryGet_FindsIt()
    {
        var table = new TunnelTable();
        var tunnel = NewTunnel(1);
        Assert.Same(tunnel, table.GetOrAdd(tunnel));
        Assert.True(table.TryGet(tunnel.Id, out var found));
        Assert.Same(tunnel, found);
        Assert.False(table.TryGet(Id(2), out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void GetOrAdd_ExistingIdReturnsExisting()
    {
        var table = new TunnelTable();
        var first = table.GetOrAdd(NewTunnel(1));
        Assert.Same(first, table.GetOrAdd(NewTunnel(1)));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Remove_OnlyThatInstance()
    {
        var table = new TunnelTable();
        var first = table.GetOrAdd(NewTunnel(1));
        Assert.True(table.Remove(first));
        Assert.True(first.IsRemoved);
        Assert.False(table.Remove(first));

        var second = table.GetOrAdd(NewTunnel(1));
        Assert.NotSame(first, second);
        Assert.False(table.Remove(first));
        Assert.True(table.TryGet(Id(1), out var found));
        Assert.Same(second, found);
    }

    [Fact]
    public void Growth_KeepsEveryEntryAndShrinksAfterRemoval()
    {
        var table = new TunnelTable();
        var tunnels = Enumerable.Range(0, 5000).Select(i => table.GetOrAdd(NewTunnel(i))).ToList();
        Assert.Equal(5000, table.Count);
        Assert.True(table.Capacity >= 10_000);
        Assert.All(tunnels, t => Assert.True(table.TryGet(t.Id, out var f) && ReferenceEquals(f, t)));

        foreach (var t in tunnels.Take(4990))
        {
            Assert.True(table.Remove(t));
        }

        Assert.Equal(10, table.Count);
        Assert.True(table.Capacity <= 128, $"capacity {table.Capacity}");
        Assert.All(tunnels.Skip(4990), t => Assert.True(table.TryGet(t.Id, out _)));
        Assert.All(tunnels.Take(4990), t => Assert.False(table.TryGet(t.Id, out _)));
    }

    [Fact]
    public void Churn_TombstonesDoNotBreakProbing()
    {
        var table = new TunnelTable();
        var live = new Dictionary<int, Tunnel>();
        var random = new Random(7);
        for (int step = 0; step < 50_000; step++)
        {
            int key = random.Next(200);
            if (live.Remove(key, out var existing))
            {
                Assert.True(table.Remove(existing));
            }
            else
            {
                live[key] = table.GetOrAdd(NewTunnel(key));
            }
        }

        Assert.Equal(live.Count, table.Count);
        for (int key = 0; key < 200; key++)
        {
            bool found = table.TryGet(Id(key), out var tunnel);
            Assert.Equal(live.ContainsKey(key), found);
            if (found)
            {
                Assert.Same(live[key], tunnel);
            }
        }
    }

    [Fact]
    public void TryGet_AllocatesNothing()
    {
        var table = new TunnelTable();
        for (int i = 0; i < 1000; i++)
        {
            table.GetOrAdd(NewTunnel(i));
        }

        var hit = Id(500);
        var miss = Id(5000);
        table.TryGet(hit, out _);
        int found = 0;
        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                found += table.TryGet(hit, out _) ? 1 : 0;
                found += table.TryGet(miss, out _) ? 1 : 0;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(10_000 * AllocationMeter.TotalRounds, found);
    }

    [Fact]
    public async Task Concurrent_WritersAndReaders_KeepInvariants()
    {
        // Each writer owns a disjoint key range, so it knows exactly what must be present; readers
        // check that every hit is a whole tunnel with the id they asked for, and that "stable" keys,
        // added before the race and never removed, are always found.
        var table = new TunnelTable();
        var stable = Enumerable.Range(1_000_000, 500).Select(i => table.GetOrAdd(NewTunnel(i))).ToArray();
        const int writers = 4;
        const int keysPerWriter = 2000;
        const int rounds = 6;
        using var stop = new CancellationTokenSource();
        long readerHits = 0;
        long readerFailures = 0;

        // Writers start only once every reader is running, so the race is real even on a busy
        // machine where the thread pool would otherwise run the writers to completion first.
        var readersRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int readersStarted = 0;
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            if (Interlocked.Increment(ref readersStarted) == 4)
            {
                readersRunning.SetResult();
            }

            while (!stop.IsCancellationRequested)
            {
                var s = stable[random.Next(stable.Length)];
                if (!table.TryGet(s.Id, out var seen) || !ReferenceEquals(seen, s))
                {
                    Interlocked.Increment(ref readerFailures);
                }

                var probe = Id(random.Next(writers * keysPerWriter));
                if (table.TryGet(probe, out var maybe))
                {
                    Interlocked.Increment(ref readerHits);
                    if (maybe.Id != probe)
                    {
                        Interlocked.Increment(ref readerFailures);
                    }
                }
            }
        })).ToArray();

        await readersRunning.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var mine = new Dictionary<int, Tunnel>();
            var random = new Random(100 + w);
            for (int round = 0; round < rounds; round++)
            {
                for (int k = 0; k < keysPerWriter; k++)
                {
                    int key = (w * keysPerWriter) + k;
                    if (mine.Remove(key, out var t))
                    {
                        Assert.True(table.Remove(t), $"writer {w} could not remove its key {key}");
                        Assert.False(table.TryGet(Id(key), out _), $"writer {w} still finds its removed key {key}");
                    }
                    else if (random.Next(2) == 0)
                    {
                        mine[key] = table.GetOrAdd(NewTunnel(key));
                        Assert.True(table.TryGet(Id(key), out var back) && ReferenceEquals(back, mine[key]), $"writer {w} does not find the tunnel it added for key {key}");
                    }
                }
            }

            return mine;
        })).ToArray();

        var finalSets = await Task.WhenAll(writerTasks).WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, Interlocked.Read(ref readerFailures));
        Assert.True(readerHits > 0, "the readers never found a writer's key: the race did not happen");
        int expected = stable.Length + finalSets.Sum(s => s.Count);
        Assert.Equal(expected, table.Count);
        var listed = new List<Tunnel>();
        table.CopyTo(listed);
        Assert.Equal(expected, listed.Count);
        Assert.Equal(expected, listed.Select(t => t.Id).Distinct().Count());
        foreach (var set in finalSets)
        {
            Assert.All(set.Values, t => Assert.True(table.TryGet(t.Id, out var f) && ReferenceEquals(f, t)));
        }
    }

    [Fact]
    public async Task Growth_UnderConcurrentReaders_NeverLosesExistingEntries()
    {
        var table = new TunnelTable();
        var early = Enumerable.Range(0, 64).Select(i => table.GetOrAdd(NewTunnel(i))).ToArray();
        using var stop = new CancellationTokenSource();
        long misses = 0;
        long lookups = 0;
        var readersStarted = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            readersStarted.Signal();
            while (!stop.IsCancellationRequested)
            {
                foreach (var t in early)
                {
                    Interlocked.Increment(ref lookups);
                    if (!table.TryGet(t.Id, out var f) || !ReferenceEquals(f, t))
                    {
                        Interlocked.Increment(ref misses);
                    }
                }
            }
        })).ToArray();

        // Grow only once every reader is running, so the lookups really overlap the rebuilds.
        Assert.True(readersStarted.Wait(TimeSpan.FromSeconds(30)));
        int initialCapacity = table.Capacity;
        for (int i = 64; i < 200_000; i++)
        {
            table.GetOrAdd(NewTunnel(i));
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        readersStarted.Dispose();
        Assert.True(table.Capacity >= 400_000 && table.Capacity > initialCapacity * 1000, $"capacity {initialCapacity} -> {table.Capacity}");
        Assert.True(Interlocked.Read(ref lookups) > 0);
        Assert.Equal(0, Interlocked.Read(ref misses));
    }

    [Fact]
    public void MillionTunnels_InsertAndLookup()
    {
        const int n = 1_000_000;

        // Counted on this thread only: the process-wide heap size also moves with tests running in parallel.
        // Everything the table keeps was allocated here, so this is an upper bound on what it holds.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = new TunnelTable();
        for (int i = 0; i < n; i++)
        {
            table.GetOrAdd(NewTunnel(i));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        for (int i = 0; i < n; i++)
        {
            Assert.True(table.TryGet(Id(i), out var t) && t.Id == Id(i));
        }

        Assert.False(table.TryGet(Id(n), out _));
        Assert.Equal(n, table.Count);
        double perTunnel = allocated / (double)n;
        _output.WriteLine($"{n:N0} tunnels: {allocated / 1048576.0:F1} MiB allocated, {perTunnel:F1} bytes per tunnel, {table.Capacity:N0} slots");

        // A tunnel object is about 104 bytes; the slot arrays of every size the table grew through add about
        // 2 x 8 bytes per slot at <= 1/2 load. Below 100 the count missed the tunnels; above 200 the table is fat.
        Assert.InRange(perTunnel, 100, 200);
        Assert.InRange(table.Capacity, 2 * n, 4 * n);
        GC.KeepAlive(table);
    }

    internal static TunnelId Id(int i) => new(0x1234_5678_9abc_def0UL, (ulong)i * 0x9E37_79B9_7F4A_7C15UL);

    private static Tunnel NewTunnel(int i) => new(Id(i), TunnelProtocol.Udp, 0);
}
