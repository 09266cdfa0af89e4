using System.Text.Json;
using System.Text.Json.Nodes;
using BilbyRelay.Config;
using BilbyRelay.Management.Credentials;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerAuthenticationTests
{
    private const string RegisterAck =
        """{"type":"register_ack","timestamp":"2026-01-01T00:00:00Z","payload":{"node_id":"node-42","node_secret":"sec-42"}}""";

    [Fact]
    public async Task RegisterAck_PersistsToTomlAndNextConnectionUsesNodeCredentials()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var config = $"""
            # relay settings
            quic_addr = "0.0.0.0:4433"

            [manager]
            enabled = true
            urls = ["{manager.Url}"]
            # pasted from the manager UI
            registration_token = "tok-1" # one-time
            # unknown to this relay version
            future_key = "kept"

            """;
        var path = directory.WriteFile("relay.toml", config);
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, registrationToken: "tok-1"), new TomlCredentialStore(path));

        harness.Client.Start();
        var first = await manager.NextConnectionAsync();
        var auth = (await first.ReceiveTypeAsync("auth")).GetProperty("payload");
        Assert.Single(first.Received);
        Assert.Equal("tok-1", auth.GetProperty("registration_token").GetString());
        Assert.False(auth.TryGetProperty("node_id", out _));
        Assert.Equal("0.1.0-test", auth.GetProperty("software_version").GetString());
        Assert.Equal(1, auth.GetProperty("protocol_version").GetInt32());
        await first.SendAsync(RegisterAck);
        await first.ReceiveEventAsync("Connected to manager");

        var expected = config.Replace("registration_token = \"tok-1\" # one-time\n", "node_id = \"node-42\" # one-time\nnode_secret = \"sec-42\"\n", StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(path));
        Assert.Equal("node-42", harness.Client.NodeId);

        await first.CloseAsync();
        var second = await manager.NextConnectionAsync();
        var reauth = (await second.ReceiveTypeAsync("auth")).GetProperty("payload");
        Assert.Equal("node-42", reauth.GetProperty("node_id").GetString());
        Assert.Equal("sec-42", reauth.GetProperty("node_secret").GetString());
        Assert.False(reauth.TryGetProperty("registration_token", out _));
    }

    [Fact]
    public async Task RegisterAck_PersistsToRelayJson()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.json", $$$"""{"quic_addr":"0.0.0.0:4433","manager":{"enabled":true,"urls":["{{{manager.Url}}}"],"registration_token":"tok-1"}}""");
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, registrationToken: "tok-1"), new JsonCredentialStore(path));

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.ReceiveTypeAsync("auth");
        await connection.SendAsync(RegisterAck);
        await connection.ReceiveEventAsync("Connected to manager");

        var root = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.Equal("0.0.0.0:4433", (string?)root["quic_addr"]);
        Assert.Equal(["enabled", "urls", "node_id", "node_secret"], root["manager"]!.AsObject().Select(p => p.Key));
        Assert.Equal("sec-42", (string?)root["manager"]!["node_secret"]);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task RegisterAck_WithCredentialsFile_WritesIt0600_LeavesConfigUntouched_AndTheNextLoadUsesIt()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var config = $"""
            [manager]
            enabled = true
            urls = ["{manager.Url}"]
            registration_token = "tok-1"

            """;
        var configPath = directory.WriteFile("relay.toml", config);
        var credentialsPath = Path.Combine(directory.Path, "credentials.toml");
        await using (var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, registrationToken: "tok-1"), new CredentialsFileStore(credentialsPath)))
        {
            harness.Client.Start();
            var connection = await manager.NextConnectionAsync();
            await connection.ReceiveTypeAsync("auth");
            await connection.SendAsync(RegisterAck);
            await connection.ReceiveEventAsync("Connected to manager");
        }

        Assert.Equal(config, await File.ReadAllTextAsync(configPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentialsPath));
        var reloaded = ConfigLoader.Load(new ConfigLoadRequest
        {
            ConfigPath = configPath,
            ConfigPathOption = "--config",
            Environment = new Dictionary<string, string> { ["BILBYRELAY_MANAGER_CREDENTIALS_FILE"] = credentialsPath },
            CommandLine = [],
        });
        Assert.True(reloaded.Succeeded, string.Join('\n', reloaded.Diagnostics));
        Assert.Empty(reloaded.Diagnostics);
        Assert.Equal("node-42", reloaded.Config.Manager.NodeId);
        Assert.Equal("sec-42", reloaded.Config.Manager.NodeSecret);

        var loaded = reloaded.Config.Manager;
        var options = ManagerClientHarness.Options(manager) with { RegistrationToken = loaded.RegistrationToken, NodeId = loaded.NodeId, NodeSecret = loaded.NodeSecret };
        await using var restarted = new ManagerClientHarness(options, new CredentialsFileStore(credentialsPath));
        restarted.Client.Start();
        var next = await manager.NextConnectionAsync();
        var auth = (await next.ReceiveTypeAsync("auth")).GetProperty("payload");
        Assert.Equal("node-42", auth.GetProperty("node_id").GetString());
        Assert.Equal("sec-42", auth.GetProperty("node_secret").GetString());
    }

    [Fact]
    public async Task RegisterAck_ConfigNotWritable_EventReportsFailureAndCredentialsStillUsed()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var path = Path.Combine(directory.Path, "gone", "relay.toml");
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, registrationToken: "tok-1"), new TomlCredentialStore(path));

        harness.Client.Start();
        var first = await manager.NextConnectionAsync();
        await first.ReceiveTypeAsync("auth");
        await first.SendAsync(RegisterAck);
        var failure = await first.ReceiveTypeAsync("event", m => m.GetProperty("payload").GetProperty("message").GetString()!.StartsWith("Credential persistence failed: ", StringComparison.Ordinal));
        Assert.Contains(path, failure.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("warning", failure.GetProperty("payload").GetProperty("severity").GetString());

        first.Abort();
        var second = await manager.NextConnectionAsync();
        Assert.Equal("node-42", (await second.ReceiveTypeAsync("auth")).GetProperty("payload").GetProperty("node_id").GetString());
    }

    [Fact]
    public async Task AuthError_CriticalEventDeliveredOnNextConnection()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var first = await manager.NextConnectionAsync();
        await first.ReceiveTypeAsync("auth");
        await first.SendAsync("""{"type":"auth_error","timestamp":"2026-01-01T00:00:00Z","message":"invalid node secret"}""");

        var second = await manager.NextConnectionAsync();
        await second.AcceptAuthAsync();
        var critical = (await second.ReceiveEventAsync("Manager authentication failed: invalid node secret")).GetProperty("payload");
        Assert.Equal("critical", critical.GetProperty("severity").GetString());
        Assert.Equal("manager", critical.GetProperty("category").GetString());
        Assert.False(harness.Client.Status.Reconnecting);
    }

    [Fact]
    public async Task NoAnswerToAuth_AttemptAbandonedAndRetried()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, authTimeout: TimeSpan.FromMilliseconds(300)));

        harness.Client.Start();
        var silent = await manager.NextConnectionAsync();
        await silent.ReceiveTypeAsync("auth");

        var failure = await harness.Log.WaitForEventIdAsync(5002);
        Assert.Contains("no answer to auth within 0.3 s", failure.Message, StringComparison.Ordinal);
        var retry = await manager.NextAuthenticatedConnectionAsync();
        Assert.True(harness.Client.Status.Connected);
    }

    [Fact]
    public async Task UnexpectedAnswerToAuth_IsAFailedAttempt()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var first = await manager.NextConnectionAsync();
        await first.ReceiveTypeAsync("auth");
        await first.SendAsync("""{"type":"ping","timestamp":"2026-01-01T00:00:00Z","payload":{}}""");

        var failure = await harness.Log.WaitForEventIdAsync(5002);
        Assert.Contains("unexpected answer to auth: \"ping\"", failure.Message, StringComparison.Ordinal);
        var second = await manager.NextConnectionAsync();
        await second.AcceptAuthAsync();
        var connected = (await second.ReceiveEventAsync("Connected to manager")).GetProperty("payload");
        Assert.Equal(JsonValueKind.String, connected.GetProperty("severity").ValueKind);
        Assert.Equal("info", connected.GetProperty("severity").GetString());
    }
}
