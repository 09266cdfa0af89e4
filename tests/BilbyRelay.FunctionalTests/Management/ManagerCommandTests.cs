using BilbyRelay.Management;
using BilbyRelay.Management.Credentials;
using BilbyRelay.Tests.Common;
using BilbyRelay.Tests.Management;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerCommandTests
{
    private static async Task<(FakeManagerConnection Connection, ManagerClientHarness Harness)> ConnectAsync(FakeManager manager, ICredentialStore? store = null)
    {
        var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager), store);
        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();
        return (connection, harness);
    }

    private static void AssertAck(System.Text.Json.JsonElement ack, bool success, string? error = null)
    {
        var payload = ack.GetProperty("payload");
        Assert.Equal(success, payload.GetProperty("success").GetBoolean());
        Assert.Equal(error, payload.TryGetProperty("error", out var e) ? e.GetString() : null);
    }

    [Fact]
    public async Task EveryAction_SuccessAndErrorPathsOverTheSocket()
    {
        await using var manager = await FakeManager.StartAsync();
        var (connection, harness) = await ConnectAsync(manager);
        await using var _ = harness;
        var tunnel = FakeManagedRelay.KnownTunnel;
        var other = Guid.NewGuid();

        AssertAck(await connection.CommandAsync("1", $$"""{"type":"disconnect_edge","edge_id":"edge-a"}"""), true);
        AssertAck(await connection.CommandAsync("2", """{"type":"disconnect_edge","edge_id":"nobody"}"""), false, "Edge not found: nobody");
        AssertAck(await connection.CommandAsync("3", $$"""{"type":"close_tunnel","tunnel_id":"{{tunnel}}"}"""), true);
        AssertAck(await connection.CommandAsync("4", $$"""{"type":"close_tunnel","tunnel_id":"{{other}}"}"""), false, $"Tunnel not found: {other}");
        AssertAck(await connection.CommandAsync("5", """{"type":"close_tunnel","tunnel_id":"12345"}"""), false, "invalid field 'tunnel_id': '12345' is not a UUID");
        var tunnels = await connection.CommandAsync("6", """{"type":"list_tunnels"}""");
        AssertAck(tunnels, true);
        Assert.Equal(tunnel.ToString(), tunnels.GetProperty("payload").GetProperty("data")[0].GetProperty("tunnel_id").GetString());
        var edges = await connection.CommandAsync("7", """{"type":"list_edges"}""");
        Assert.Equal("192.0.2.10:50000", edges.GetProperty("payload").GetProperty("data")[0].GetProperty("remote_addr").GetString());
        AssertAck(await connection.CommandAsync("8", $$"""{"type":"authorize_tunnel","tunnel_id":"{{other}}","ingress_token":"i","egress_token":"e"}"""), true);
        AssertAck(await connection.CommandAsync("9", $$"""{"type":"authorize_tunnel","tunnel_id":"{{other}}","egress_token":"e"}"""), false, "missing field 'ingress_token'");
        AssertAck(await connection.CommandAsync("10", $$"""{"type":"revoke_tunnel","tunnel_id":"{{other}}"}"""), true);
        AssertAck(await connection.CommandAsync("11", """{"type":"revoke_tunnel"}"""), false, "missing field 'tunnel_id'");
        AssertAck(await connection.CommandAsync("12", """{"type":"rotate_secret","new_secret":""}"""), false, "field 'new_secret' must not be empty");
        AssertAck(await connection.CommandAsync("13", """{"type":"self_destruct"}"""), false, "Unknown relay command: self_destruct");

        Assert.Equal(["edge-a"], harness.Relay.DisconnectedEdges);
        Assert.Equal([(tunnel, "tunnel closed by manager")], harness.Relay.ClosedTunnels);
        Assert.Equal([other], harness.Relay.Revocations);
        Assert.Empty(harness.Relay.Authorizations);
        Assert.Equal(13, harness.Client.Counters.CommandsHandled);
    }

    [Fact]
    public async Task GetConfig_AnsweredWithRedactedConfigResponse()
    {
        await using var manager = await FakeManager.StartAsync();
        var (connection, harness) = await ConnectAsync(manager);
        await using var _ = harness;

        await connection.SendAsync("""{"type":"command","timestamp":"2026-01-01T00:00:00Z","payload":{"command_id":"cfg","action":{"type":"get_config"}}}""");

        var response = await connection.ReceiveTypeAsync("config_response");
        Assert.Equal("***REDACTED***", response.GetProperty("payload").GetProperty("manager").GetProperty("node_secret").GetString());
        Assert.DoesNotContain(connection.Received, m => m.GetProperty("type").GetString() == "command_ack");
    }

    [Fact]
    public async Task RotateSecret_PersistedToTomlAndUsedOnNextConnection()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        const string config = "[manager]\nurls = []\nnode_id = \"node-1\"\nnode_secret = \"secret-1\" # rotated by the manager\n";
        var path = directory.WriteFile("relay.toml", config);
        var (connection, harness) = await ConnectAsync(manager, new TomlCredentialStore(path));
        await using var _ = harness;

        var ack = await connection.CommandAsync("rot", """{"type":"rotate_secret","new_secret":"secret-2"}""");
        AssertAck(ack, true);
        Assert.True(ack.GetProperty("payload").GetProperty("data").GetProperty("persisted").GetBoolean());
        await connection.ReceiveEventAsync("Secret rotated successfully");
        Assert.Equal(config.Replace("secret-1", "secret-2", StringComparison.Ordinal), await File.ReadAllTextAsync(path));

        connection.Abort();
        var next = await manager.NextConnectionAsync();
        var auth = (await next.ReceiveTypeAsync("auth")).GetProperty("payload");
        Assert.Equal("secret-2", auth.GetProperty("node_secret").GetString());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task RotateSecret_WithCredentialsFile_PersistedThereAndConfigUntouched()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        const string config = "[manager]\nurls = []\nnode_id = \"node-1\"\nnode_secret = \"secret-1\"\n";
        var configPath = directory.WriteFile("relay.toml", config);
        var credentialsPath = Path.Combine(directory.Path, "credentials.toml");
        var (connection, harness) = await ConnectAsync(manager, new CredentialsFileStore(credentialsPath));
        await using var _ = harness;

        AssertAck(await connection.CommandAsync("rot", """{"type":"rotate_secret","new_secret":"secret-2"}"""), true);
        await connection.ReceiveEventAsync("Secret rotated successfully");

        Assert.Equal(config, await File.ReadAllTextAsync(configPath));
        var persisted = await File.ReadAllTextAsync(credentialsPath);
        Assert.Contains("node_id = \"node-1\"\n", persisted, StringComparison.Ordinal);
        Assert.Contains("node_secret = \"secret-2\"\n", persisted, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentialsPath));
    }

    [Fact]
    public async Task RotateSecret_StoreFails_FailureEventAndNewSecretStillUsed()
    {
        await using var manager = await FakeManager.StartAsync();
        var store = new FakeCredentialStore { FailWith = "/etc/bilbyrelay/relay.toml: Read-only file system" };
        var (connection, harness) = await ConnectAsync(manager, store);
        await using var _ = harness;

        var ack = await connection.CommandAsync("rot", """{"type":"rotate_secret","new_secret":"secret-2"}""");

        AssertAck(ack, true);
        Assert.False(ack.GetProperty("payload").GetProperty("data").GetProperty("persisted").GetBoolean());
        var failure = (await connection.ReceiveEventAsync("Credential persistence failed: /etc/bilbyrelay/relay.toml: Read-only file system")).GetProperty("payload");
        Assert.Equal("warning", failure.GetProperty("severity").GetString());
        Assert.DoesNotContain(connection.Received, m => m.GetProperty("type").GetString() == "event"
            && m.GetProperty("payload").GetProperty("message").GetString() == "Secret rotated successfully");

        connection.Abort();
        var next = await manager.NextConnectionAsync();
        Assert.Equal("secret-2", (await next.ReceiveTypeAsync("auth")).GetProperty("payload").GetProperty("node_secret").GetString());
    }
}
