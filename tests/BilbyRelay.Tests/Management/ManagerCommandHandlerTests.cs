using System.Text.Json;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerCommandHandlerTests
{
    private const string Unknown = "00000000-0000-0000-0000-0000000000aa";

    private readonly FakeManagedRelay _relay = new();
    private readonly FakeCredentialStore _store = new();
    private readonly RecordingEventSink _events = new();
    private readonly ManagerCredentials _credentials;
    private readonly ManagerCommandHandler _handler;

    public ManagerCommandHandlerTests()
    {
        var options = new ManagerOptions
        {
            Urls = [new Uri("wss://m.example/ws")],
            NodeId = "node-1",
            NodeSecret = "secret-1",
            SoftwareVersion = "1",
        };
        _credentials = new ManagerCredentials(options, _store, _events, Logger.Null);
        _handler = new ManagerCommandHandler(_relay, _credentials, TimeProvider.System, Logger.Null);
    }

    private JsonElement Send(string actionJson, string commandId = "c-1")
    {
        using var payload = JsonDocument.Parse($$"""{"command_id":"{{commandId}}","action":{{actionJson}}}""");
        return JsonDocument.Parse(_handler.Handle(payload.RootElement)).RootElement.Clone();
    }

    private static void AssertAck(JsonElement frame, bool success, string? error = null, string commandId = "c-1")
    {
        Assert.Equal("command_ack", frame.GetProperty("type").GetString());
        var payload = frame.GetProperty("payload");
        Assert.Equal(commandId, payload.GetProperty("command_id").GetString());
        Assert.Equal(success, payload.GetProperty("success").GetBoolean());
        if (error is null)
        {
            Assert.False(payload.TryGetProperty("error", out _));
        }
        else
        {
            Assert.Equal(error, payload.GetProperty("error").GetString());
        }
    }

    [Fact]
    public void GetConfig_AnsweredWithConfigResponseNotAck()
    {
        var frame = Send("""{"type":"get_config"}""");

        Assert.Equal("config_response", frame.GetProperty("type").GetString());
        var payload = frame.GetProperty("payload");
        Assert.Equal("***REDACTED***", payload.GetProperty("manager").GetProperty("node_secret").GetString());
        Assert.Equal("0.0.0.0:4433", payload.GetProperty("quic_addr").GetString());
    }

    [Fact]
    public void DisconnectEdge_KnownAndUnknownAndMissing()
    {
        AssertAck(Send($$"""{"type":"disconnect_edge","edge_id":"{{FakeManagedRelay.KnownEdge}}"}"""), success: true);
        Assert.Equal([FakeManagedRelay.KnownEdge], _relay.DisconnectedEdges);
        AssertAck(Send("""{"type":"disconnect_edge","edge_id":"ghost"}"""), success: false, "Edge not found: ghost");
        AssertAck(Send("""{"type":"disconnect_edge"}"""), success: false, "missing field 'edge_id'");
        AssertAck(Send("""{"type":"disconnect_edge","edge_id":5}"""), success: false, "field 'edge_id' must be a string");
    }

    [Fact]
    public void CloseTunnel_KnownUsesManagerReason_UnknownAndBadUuidFail()
    {
        AssertAck(Send($$"""{"type":"close_tunnel","tunnel_id":"{{FakeManagedRelay.KnownTunnel}}"}"""), success: true);
        Assert.Equal([(FakeManagedRelay.KnownTunnel, "tunnel closed by manager")], _relay.ClosedTunnels);
        AssertAck(Send($$"""{"type":"close_tunnel","tunnel_id":"{{Unknown}}"}"""), success: false, $"Tunnel not found: {Unknown}");
        AssertAck(Send("""{"type":"close_tunnel","tunnel_id":"not-a-uuid"}"""), success: false, "invalid field 'tunnel_id': 'not-a-uuid' is not a UUID");
        AssertAck(Send("""{"type":"close_tunnel"}"""), success: false, "missing field 'tunnel_id'");
    }

    [Fact]
    public void ListTunnelsAndEdges_DataIsTheArray()
    {
        var tunnels = Send("""{"type":"list_tunnels"}""");
        AssertAck(tunnels, success: true);
        var tunnel = Assert.Single(tunnels.GetProperty("payload").GetProperty("data").EnumerateArray());
        Assert.Equal(FakeManagedRelay.KnownTunnel.ToString(), tunnel.GetProperty("tunnel_id").GetString());
        Assert.Equal(1234, tunnel.GetProperty("stats").GetProperty("bytes_ingress").GetInt64());

        var edges = Send("""{"type":"list_edges"}""");
        AssertAck(edges, success: true);
        var edge = Assert.Single(edges.GetProperty("payload").GetProperty("data").EnumerateArray());
        Assert.Equal(FakeManagedRelay.KnownEdge, edge.GetProperty("edge_id").GetString());
    }

    [Fact]
    public void AuthorizeAndRevoke_StoreAndForgetTokens()
    {
        var id = Guid.NewGuid();
        AssertAck(Send($$"""{"type":"authorize_tunnel","tunnel_id":"{{id}}","ingress_token":"in","egress_token":"out"}"""), success: true);
        Assert.Equal(("in", "out"), _relay.Authorizations[id]);
        AssertAck(Send($$"""{"type":"authorize_tunnel","tunnel_id":"{{id}}","ingress_token":"in2","egress_token":"out2"}"""), success: true);
        Assert.Equal(("in2", "out2"), _relay.Authorizations[id]);

        AssertAck(Send($$"""{"type":"authorize_tunnel","tunnel_id":"{{id}}","ingress_token":"in"}"""), success: false, "missing field 'egress_token'");
        AssertAck(Send("""{"type":"authorize_tunnel","tunnel_id":"xyz","ingress_token":"a","egress_token":"b"}"""), success: false, "invalid field 'tunnel_id': 'xyz' is not a UUID");

        AssertAck(Send($$"""{"type":"revoke_tunnel","tunnel_id":"{{id}}"}"""), success: true);
        Assert.False(_relay.Authorizations.ContainsKey(id));
        AssertAck(Send("""{"type":"revoke_tunnel","tunnel_id":"bad"}"""), success: false, "invalid field 'tunnel_id': 'bad' is not a UUID");
    }

    [Fact]
    public void RotateSecret_SwitchesPersistsAndReports()
    {
        var frame = Send("""{"type":"rotate_secret","new_secret":"secret-2"}""");

        AssertAck(frame, success: true);
        Assert.True(frame.GetProperty("payload").GetProperty("data").GetProperty("persisted").GetBoolean());
        Assert.Equal("secret-2", _credentials.NodeSecret);
        Assert.Equal([("node-1", "secret-2")], _store.Persisted);
        Assert.Equal([(EventSeverity.Info, "manager", "Secret rotated successfully")], _events.Events);
    }

    [Fact]
    public void RotateSecret_PersistenceFails_StillSwitchesAndEmitsFailure()
    {
        _store.FailWith = "relay.toml: Read-only file system";

        var frame = Send("""{"type":"rotate_secret","new_secret":"secret-3"}""");

        AssertAck(frame, success: true);
        Assert.False(frame.GetProperty("payload").GetProperty("data").GetProperty("persisted").GetBoolean());
        Assert.Equal("secret-3", _credentials.NodeSecret);
        Assert.Equal([(EventSeverity.Warning, "manager", "Credential persistence failed: relay.toml: Read-only file system")], _events.Events);
    }

    [Fact]
    public void RotateSecret_EmptyOrMissing_Rejected()
    {
        AssertAck(Send("""{"type":"rotate_secret","new_secret":""}"""), success: false, "field 'new_secret' must not be empty");
        AssertAck(Send("""{"type":"rotate_secret"}"""), success: false, "missing field 'new_secret'");
        Assert.Equal("secret-1", _credentials.NodeSecret);
        Assert.Empty(_store.Persisted);
    }

    [Fact]
    public void UnknownAction_NamedInError()
    {
        AssertAck(Send("""{"type":"reboot_everything"}""", "c-9"), success: false, "Unknown relay command: reboot_everything", "c-9");
    }

    [Fact]
    public void MalformedCommand_AckNamesTheMissingField()
    {
        using var noAction = JsonDocument.Parse("""{"command_id":"c-2"}""");
        AssertAck(JsonDocument.Parse(_handler.Handle(noAction.RootElement)).RootElement, success: false, "missing field 'action'", "c-2");

        using var noType = JsonDocument.Parse("""{"command_id":"c-3","action":{}}""");
        AssertAck(JsonDocument.Parse(_handler.Handle(noType.RootElement)).RootElement, success: false, "missing field 'action.type'", "c-3");

        using var noId = JsonDocument.Parse("""{"action":{"type":"list_edges"}}""");
        AssertAck(JsonDocument.Parse(_handler.Handle(noId.RootElement)).RootElement, success: false, "missing field 'command_id'", string.Empty);
    }
}
