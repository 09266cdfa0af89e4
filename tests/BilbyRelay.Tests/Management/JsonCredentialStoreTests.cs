using System.Text.Json.Nodes;
using BilbyRelay.Management.Credentials;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Management;

public sealed class JsonCredentialStoreTests
{
    private const string RelayJson = """
        {
          "quic_addr": "0.0.0.0:4433",
          "manager": {
            "enabled": true,
            "urls": ["wss://manager.example:8443/ws"],
            "registration_token": "tok-123",
            "future_option": {"x": 1}
          },
          "future_top": [1, 2, 3]
        }
        """;

    [Fact]
    public void Persist_RegistrationToken_ReplacedByNodeCredentialsInPlace()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.json", RelayJson);

        new JsonCredentialStore(path).Persist("node-7", "s3cret");

        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var manager = root["manager"]!.AsObject();
        Assert.Equal(["enabled", "urls", "node_id", "node_secret", "future_option"], manager.Select(p => p.Key));
        Assert.Equal("node-7", (string?)manager["node_id"]);
        Assert.Equal("s3cret", (string?)manager["node_secret"]);
        Assert.Equal(1, (int?)manager["future_option"]!["x"]);
        Assert.Equal(["quic_addr", "manager", "future_top"], root.Select(p => p.Key));
        Assert.Contains("\n  \"manager\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Persist_Rotation_UpdatesOnlyTheSecret()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.json", """{"manager":{"node_id":"n1","node_secret":"old","urls":[]}}""");

        new JsonCredentialStore(path).Persist("n1", "new");

        var manager = JsonNode.Parse(File.ReadAllText(path))!["manager"]!.AsObject();
        Assert.Equal(["node_id", "node_secret", "urls"], manager.Select(p => p.Key));
        Assert.Equal("new", (string?)manager["node_secret"]);
    }

    [Fact]
    public void Persist_NoManagerObject_AddsOne()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.json", """{"quic_addr":"0.0.0.0:4433"}""");

        new JsonCredentialStore(path).Persist("n1", "s1");

        var manager = JsonNode.Parse(File.ReadAllText(path))!["manager"]!.AsObject();
        Assert.Equal("n1", (string?)manager["node_id"]);
        Assert.Equal("s1", (string?)manager["node_secret"]);
    }

    [Fact]
    public void Persist_MalformedJson_ThrowsAndLeavesFile()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.json", "{ not json");

        var error = Assert.Throws<CredentialPersistenceException>(() => new JsonCredentialStore(path).Persist("n", "s"));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal("{ not json", File.ReadAllText(path));
    }
}
