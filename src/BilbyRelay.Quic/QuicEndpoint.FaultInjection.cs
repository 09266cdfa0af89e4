namespace BilbyRelay.Quic;

/// <summary>A way to make the loop die as a defect in it would, so the layers above can be tested for it.</summary>
internal sealed partial class QuicEndpoint
{
    private Exception? _injectedFault;

    /// <summary>Test hook: the loop throws <paramref name="fault"/> at its next turn, outside any per-connection handler.</summary>
    internal void InjectFault(Exception fault)
    {
        Volatile.Write(ref _injectedFault, fault);
        _poller.Wake();
    }

    private void ThrowInjectedFault()
    {
        if (Volatile.Read(ref _injectedFault) is { } fault)
        {
            throw fault;
        }
    }
}
