using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.EventLog;
using BilbyRelay.Tests.Common;
using BilbyRelay.Tests.Stats;
using Xunit;

namespace BilbyRelay.Tests.EventLog;

/// <summary>The event log as a subscriber of the relay's events: bounded, never blocking, counting what it loses.</summary>
public sealed class EventLogTargetTests
{
    private static readonly EventLineFormatter Formatter = new(EventLogFormat.Raw, new EventLogIdentity("h", "1.0", "h"));

    [Fact]
    public async Task EventsRaisedOnTheRelayQueue_ReachTheTarget_EvenWithNobodyDrainingThatQueue()
    {
        var output = new RecordingOutput();
        var target = new EventLogTarget(Formatter, output, capacity: 16, Logger.Null);
        var events = new EventQueue(4, new ManualTimeProvider(), Logger.Null);
        events.Subscribe(target);
        target.Start();

        for (var i = 0; i < 10; i++)
        {
            events.Raise(EventSeverity.Info, EventCategory.Edge, "event " + i);
        }

        await target.StopAsync(CancellationToken.None);

        // The manager's queue kept 4 and dropped 6; the event log saw all 10, in order.
        Assert.Equal(6, events.DroppedCount);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "event " + i), output.Messages());
        Assert.Equal(10, target.WrittenCount);
        Assert.Equal(0, target.DroppedCount);
        Assert.True(output.Disposed);
    }

    [Fact]
    public async Task AFullQueue_DropsNewEventsAndCountsThem_WithoutWaiting()
    {
        var output = new RecordingOutput();
        var target = new EventLogTarget(Formatter, output, capacity: 3, Logger.Null);

        // Not started: nothing drains the queue, as with an output that cannot keep up.
        for (var i = 0; i < 8; i++)
        {
            target.OnEvent(new RelayEvent(EventSeverity.Info, EventCategory.Tunnel, "event " + i, null, null, DateTimeOffset.UnixEpoch));
        }

        Assert.Equal(5, target.DroppedCount);
        Assert.Equal(3, target.QueuedCount);

        target.Start();
        await target.StopAsync(CancellationToken.None);

        Assert.Equal(["event 0", "event 1", "event 2"], output.Messages());
        Assert.Equal(3, target.WrittenCount);
        Assert.Equal(0, target.QueuedCount);
    }

    [Fact]
    public async Task FailingWrites_AreCountedAndLoggedOncePerSpell()
    {
        var output = new RecordingOutput { FailuresLeft = 3 };
        var sink = new RecordingLogSink();
        var target = new EventLogTarget(Formatter, output, capacity: 16, new Logger(sink, "event-log"));
        for (var i = 0; i < 5; i++)
        {
            target.OnEvent(new RelayEvent(EventSeverity.Warning, EventCategory.Edge, "event " + i, null, null, DateTimeOffset.UnixEpoch));
        }

        target.Start();
        await target.StopAsync(CancellationToken.None);

        Assert.Equal(3, target.WriteErrorCount);
        Assert.Equal(2, target.WrittenCount);
        Assert.Equal(["event 3", "event 4"], output.Messages());
        Assert.Equal([6001, 6002], sink.Entries.Select(e => e.EventId));
    }

    [Fact]
    public async Task Syslog_SendsRfc5424MessagesOverUdp()
    {
        using var collector = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var address = (System.Net.IPEndPoint)collector.Client.LocalEndPoint!;
        var output = new SyslogEventLogOutput(SyslogEventLogOutput.Resolve(address.ToString()), "relay host");
        var target = new EventLogTarget(Formatter, output, capacity: 16, Logger.Null);
        target.Start();
        var at = new DateTimeOffset(2026, 1, 31, 12, 0, 0, 5, TimeSpan.Zero);

        target.OnEvent(new RelayEvent(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.TunnelBindCapExceeded, "f-1", null, at));
        target.OnEvent(new RelayEvent(EventSeverity.Critical, EventCategory.Manager, EventMessages.ManagerAuthenticationFailed("no"), null, null, at));
        target.OnEvent(new RelayEvent(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeConnected("10.1.1.1:1"), null, null, at));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var messages = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var received = await collector.ReceiveAsync(timeout.Token);
            messages.Add(Encoding.UTF8.GetString(received.Buffer));
        }

        await target.StopAsync(CancellationToken.None);

        var header = $" 2026-01-31T12:00:00.005Z relay_host bilbyrelay {Environment.ProcessId} ";
        // local0 (16): PRI = 128 + severity; warning 4, critical 2, info 6.
        Assert.StartsWith("<132>1" + header + "tunnel - {", messages[0], StringComparison.Ordinal);
        Assert.StartsWith("<130>1" + header + "manager - {", messages[1], StringComparison.Ordinal);
        Assert.StartsWith("<134>1" + header + "edge - {", messages[2], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(messages[0][messages[0].IndexOf('{', StringComparison.Ordinal)..]);
        Assert.Equal("relay_bind_cap_exceeded", json.RootElement.GetProperty("error_code").GetString());
        Assert.Equal("f-1", json.RootElement.GetProperty("flow_id").GetString());
    }

    [Fact]
    public async Task StreamOutput_WritesOneJsonObjectPerLine()
    {
        using var stream = new MemoryStream();
        var target = new EventLogTarget(Formatter, new StreamEventLogOutput(new NonClosingStream(stream)), capacity: 16, Logger.Null);
        target.Start();
        target.OnEvent(new RelayEvent(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeConnected("10.0.0.1:1"), null, null, DateTimeOffset.UnixEpoch));
        target.OnEvent(new RelayEvent(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeDisconnected("10.0.0.1:1"), null, null, DateTimeOffset.UnixEpoch));
        await target.StopAsync(CancellationToken.None);

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Empty, lines[2]);
        Assert.Equal("relay_edge_connected", JsonDocument.Parse(lines[0]).RootElement.GetProperty("error_code").GetString());
        Assert.Equal("relay_edge_disconnected", JsonDocument.Parse(lines[1]).RootElement.GetProperty("error_code").GetString());
    }

    /// <summary>Lets the test read the stream after the output closed it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }

    /// <summary>Keeps each line written; can be told to fail its first writes like a full disk.</summary>
    private sealed class RecordingOutput : IEventLogOutput
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public int FailuresLeft { get; set; }

        public bool Disposed { get; private set; }

        public IEnumerable<string> Messages() =>
            _lines.Select(static line => JsonDocument.Parse(line).RootElement.GetProperty("message").GetString()!);

        public void Write(RelayEvent relayEvent, ReadOnlySpan<byte> json)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new IOException("No space left on device");
            }

            _lines.Enqueue(Encoding.UTF8.GetString(json));
        }

        public void Dispose() => Disposed = true;
    }
}
