using System.Diagnostics;
using Xunit;

namespace BilbyRelay.Quic.Tests.Datagrams;

public sealed class DatagramTests
{
    [Fact]
    public async Task Datagrams_BothWays_ArriveWithTheirPayload()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var atServer = new Receiver(expected: 50);
            var atClient = new Receiver(expected: 50);
            server.SetDatagramHandler(atServer.Handle);
            client.SetDatagramHandler(atClient.Handle);

            for (var i = 0; i < 50; i++)
            {
                var payload = Payload(i, 1000);
                Assert.True(client.TrySendDatagram(payload));
                Assert.True(server.TrySendDatagram(payload));
            }

            var all = Task.WhenAll(atServer.Done.Task, atClient.Done.Task);
            await Task.WhenAny(all, Task.Delay(QuicTestEnvironment.Timeout));
            Assert.True(all.IsCompleted, $"client sent {client.DatagramsSent} dropped {client.DatagramsDropped} received {client.DatagramsReceived}; server sent {server.DatagramsSent} dropped {server.DatagramsDropped} received {server.DatagramsReceived}");
            Assert.All(atServer.Received, d => Assert.Equal(Payload(d[0], 1000), d));
            Assert.All(atClient.Received, d => Assert.Equal(Payload(d[0], 1000), d));
            Assert.Equal(50, client.DatagramsSent);
            Assert.Equal(50, server.DatagramsReceived);
            Assert.Equal(0, server.DatagramsDropped);
        }
    }

    [Fact]
    public async Task TrySendDatagram_LargerThanMaxDatagramSize_IsRejectedAndCounted()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.InRange(client.MaxDatagramSize, 1100, 65535);
            Assert.False(client.TrySendDatagram(new byte[client.MaxDatagramSize + 1]));
            Assert.False(client.TrySendDatagram(new byte[70_000]));
            Assert.Equal(2, client.DatagramsDroppedTooLarge);

            var received = new Receiver(expected: 1);
            server.SetDatagramHandler(received.Handle);
            // MaxDatagramSize may grow at any moment (path MTU discovery): use one reading of it.
            var largest = client.MaxDatagramSize;
            Assert.True(client.TrySendDatagram(new byte[largest]));
            await received.Done.Task.WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(largest, received.Received.Single().Length);
        }
    }

    [Fact]
    public async Task DatagramFlood_BeyondQueueCapacity_DropsAndCountsWithoutBlocking()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.DatagramSendQueueCapacity = 64);
        await using (client)
        await using (server)
        {
            var payload = new byte[1000];
            var accepted = 0;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 20_000; i++)
            {
                if (client.TrySendDatagram(payload))
                {
                    accepted++;
                }
            }

            watch.Stop();
            Assert.True(client.DatagramsDroppedQueueFull > 0, "the bounded queue never filled");
            Assert.Equal(20_000, accepted + client.DatagramsDroppedQueueFull);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"20k non-blocking sends took {watch.Elapsed}");
        }
    }

    [Fact]
    public async Task Datagrams_BeforeAHandlerIsSet_AreDroppedAndCounted()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True(client.TrySendDatagram(new byte[10]));
            }

            // No event exists for "dropped at the peer": poll the counter, bounded.
            var watch = Stopwatch.StartNew();
            while (server.DatagramsDroppedNoHandler < 5 && watch.Elapsed < QuicTestEnvironment.Timeout)
            {
                await Task.Delay(10);
            }

            Assert.Equal(5, server.DatagramsDroppedNoHandler);
            Assert.Equal(5, server.DatagramsReceived);
        }
    }

    private static byte[] Payload(int index, int size)
    {
        var payload = new byte[size];
        new Random(index).NextBytes(payload);
        payload[0] = (byte)index;
        return payload;
    }

    private sealed class Receiver(int expected)
    {
        public List<byte[]> Received { get; } = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Handle(QuicConnection connection, ReadOnlySpan<byte> datagram)
        {
            lock (Received)
            {
                Received.Add(datagram.ToArray());
                if (Received.Count == expected)
                {
                    Done.TrySetResult();
                }
            }
        }
    }
}
