using BilbyRelay.Composition;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;
using BilbyRelay.Management.Credentials;
using BilbyRelay.Tests.Management;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// A <see cref="ManagerClient"/> wired to test doubles: the relay's real <see cref="EventQueue"/>
/// behind the production <see cref="RelayEventQueueAdapter"/> (the client both drains it and emits
/// into it, as in the relay), a <see cref="FakeManagedRelay"/>, a
/// log sink tests can await. Tests against the real relay use <see cref="ComposedRelay"/> instead.
/// </summary>
internal sealed class ManagerClientHarness : IAsyncDisposable
{
    public const string InsecureVariable = "BILBYCAST_ALLOW_INSECURE";

    public ManagerClientHarness(
        ManagerOptions options,
        ICredentialStore? store = null,
        Func<string, string?>? environment = null,
        int eventCapacity = 4096,
        TimeProvider? time = null)
    {
        Events = new EventQueue(eventCapacity, TimeProvider.System, Logger.Null);
        var adapter = new RelayEventQueueAdapter(Events);
        Store = store ?? new FakeCredentialStore();
        Client = new ManagerClient(options, Relay, adapter, adapter, Store, new Logger(Log, ManagementLog.Category), time ?? TimeProvider.System, environment ?? (_ => null));
    }

    public EventQueue Events { get; }

    public FakeManagedRelay Relay { get; } = new();

    public RecordingLogSink Log { get; } = new();

    public ICredentialStore Store { get; }

    public ManagerClient Client { get; }

    /// <summary>
    /// Options for a manager at <paramref name="urls"/> with fast test timings: short reconnect
    /// pause and auth timeout; stats rarely, so tests that do not look at them see few.
    /// </summary>
    public static ManagerOptions Options(
        IReadOnlyList<Uri> urls,
        string? fingerprint,
        string? registrationToken = null,
        string? nodeId = "node-1",
        string? nodeSecret = "secret-1",
        TimeSpan? statsInterval = null,
        TimeSpan? authTimeout = null,
        TimeSpan? connectTimeout = null,
        bool acceptSelfSigned = false) => new()
    {
        Urls = urls,
        CertFingerprint = fingerprint,
        RegistrationToken = registrationToken,
        NodeId = registrationToken is null ? nodeId : null,
        NodeSecret = registrationToken is null ? nodeSecret : null,
        AcceptSelfSignedCert = acceptSelfSigned,
        SoftwareVersion = "0.1.0-test",
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
        AuthTimeout = authTimeout ?? TimeSpan.FromSeconds(5),
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5),
        StatsInterval = statsInterval ?? TimeSpan.FromMinutes(10),
        HealthInterval = TimeSpan.FromMinutes(10),
        ShutdownFlushTimeout = TimeSpan.FromSeconds(2),
    };

    public static ManagerOptions Options(FakeManager manager, string? registrationToken = null, TimeSpan? statsInterval = null, TimeSpan? authTimeout = null) =>
        Options([manager.Url], manager.Fingerprint, registrationToken, statsInterval: statsInterval, authTimeout: authTimeout);

    public async ValueTask DisposeAsync() =>
        await Client.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
}
