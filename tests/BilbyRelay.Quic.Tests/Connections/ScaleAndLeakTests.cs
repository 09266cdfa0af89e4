using System.Diagnostics;
using System.Runtime.CompilerServices;
using BilbyRelay.Quic.Native;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

public sealed class ScaleAndLeakTests
{
    [Fact]
    public async Task FiveHundredConnections_CloseCleanly_FreeAllNativeStateAndGetCollected()
    {
        var listener = QuicTestEnvironment.StartListener();
        var references = await ConnectAndCloseAsync(listener, 500);
        await listener.DisposeAsync();

        // Closing periods last 3×PTO; no event reports "freed", so poll the counters, bounded.
        var watch = Stopwatch.StartNew();
        while (NativeResourceCounters.PerConnectionTotal != 0 && watch.Elapsed < QuicTestEnvironment.Timeout)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, NativeResourceCounters.Connections);
        Assert.Equal(0, NativeResourceCounters.TlsSessions);
        Assert.Equal(0, NativeResourceCounters.ConnectionRefs);
        Assert.Equal(0, NativeResourceCounters.GcHandles);
        Assert.Equal(0, NativeResourceCounters.Credentials);

        for (var i = 0; i < 3 && references.Any(r => r.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        Assert.Equal(0, references.Count(r => r.IsAlive));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<List<WeakReference>> ConnectAndCloseAsync(QuicListener listener, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var accepting = Task.Run(async () =>
        {
            var accepted = new List<QuicConnection>();
            for (var i = 0; i < count; i++)
            {
                accepted.Add(await listener.AcceptConnectionAsync(cts.Token));
            }

            return accepted;
        });
        var clients = await Task.WhenAll(Enumerable.Range(0, count)
            .Select(_ => QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener), cts.Token).AsTask()));
        var servers = await accepting;
        Assert.Equal(count, servers.Select(s => s.RemoteEndPoint).Count());

        foreach (var client in clients)
        {
            client.Close(0, "done");
        }

        var serverClosed = await Task.WhenAll(servers.Select(s => s.Closed)).WaitAsync(cts.Token);
        Assert.All(serverClosed, info => Assert.Equal(QuicCloseReason.PeerClose, info.Reason));
        var clientClosed = await Task.WhenAll(clients.Select(c => c.Closed)).WaitAsync(cts.Token);
        Assert.All(clientClosed, info => Assert.Equal(QuicCloseReason.LocalClose, info.Reason));
        return [.. clients.Select(c => new WeakReference(c)), .. servers.Select(s => new WeakReference(s))];
    }
}
