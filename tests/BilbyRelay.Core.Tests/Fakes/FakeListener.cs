using System.Threading.Channels;
using BilbyRelay.Core.Transport;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>Hands the relay connections the test queues; stopping it makes AcceptConnectionAsync throw.</summary>
internal sealed class FakeListener : IEdgeListener
{
    private readonly Channel<IEdgeConnection> _pending = Channel.CreateUnbounded<IEdgeConnection>();

    public void Enqueue(IEdgeConnection connection) => _pending.Writer.TryWrite(connection);

    public void Stop() => _pending.Writer.TryComplete(new ObjectDisposedException(nameof(FakeListener)));

    public ValueTask<IEdgeConnection> AcceptConnectionAsync(CancellationToken ct) => _pending.Reader.ReadAsync(ct);
}
