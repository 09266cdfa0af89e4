using BilbyRelay.Composition;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerClientTests
{
    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithConfigKey()
    {
        var options = new ManagerOptions
        {
            Urls = [new Uri("ws://manager.example/ws")],
            RegistrationToken = "t",
            SoftwareVersion = "1",
        };
        var queue = new RelayEventQueueAdapter(new EventQueue(16, TimeProvider.System, Logger.Null));

        var error = Assert.Throws<ArgumentException>(() => new ManagerClient(options, new FakeManagedRelay(), queue, queue, new FakeCredentialStore(), Logger.Null));

        Assert.Contains("manager.urls[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_NeverStarted_CompletesWithIdleStatus()
    {
        var options = new ManagerOptions
        {
            Urls = [new Uri("wss://manager.example/ws")],
            RegistrationToken = "t",
            SoftwareVersion = "1",
        };
        var queue = new RelayEventQueueAdapter(new EventQueue(16, TimeProvider.System, Logger.Null));
        await using var client = new ManagerClient(options, new FakeManagedRelay(), queue, queue, new FakeCredentialStore(), Logger.Null);

        await client.StopAsync(CancellationToken.None);

        Assert.Equal(new ManagerStatus(false, 0, false, null), client.Status);
        Assert.Equal(0, client.Counters.ConnectAttempts);
    }
}
