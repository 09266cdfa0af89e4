using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Management;

/// <summary>
/// Executes one manager <c>command</c> (PROTOCOL.md §3 table) and builds the reply frame:
/// a <c>command_ack</c> <c>{command_id, success, error?, data?}</c>, or for <c>get_config</c> a
/// <c>config_response</c> whose payload is the redacted effective config. Never throws for bad input:
/// missing fields and malformed UUIDs become <c>success:false</c> with an error naming the field.
/// Runs on the session's receive task, one command at a time.
/// </summary>
internal sealed class ManagerCommandHandler
{
    private readonly IManagedRelay _relay;
    private readonly ManagerCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly Logger _log;

    public ManagerCommandHandler(IManagedRelay relay, ManagerCredentials credentials, TimeProvider time, Logger log)
    {
        _relay = relay;
        _credentials = credentials;
        _time = time;
        _log = log;
    }

    /// <summary>The complete reply frame for the command's <paramref name="payload"/>.</summary>
    public byte[] Handle(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return Ack(string.Empty, CommandOutcome.Fail("missing field 'payload'"));
        }

        if (!payload.TryGetProperty("command_id", out var idElement) || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            return Ack(string.Empty, CommandOutcome.Fail("missing field 'command_id'"));
        }

        var commandId = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : idElement.GetRawText();
        if (!payload.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.Object)
        {
            return Ack(commandId, CommandOutcome.Fail("missing field 'action'"));
        }

        if (!action.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            return Ack(commandId, CommandOutcome.Fail("missing field 'action.type'"));
        }

        var actionType = typeElement.GetString()!;
        ManagementLog.CommandReceived(_log, commandId, actionType);
        if (actionType == "get_config")
        {
            return ManagerEnvelope.Create(ManagerMessageTypes.ConfigResponse, _time.GetUtcNow(), _relay.GetRedactedConfig());
        }

        CommandOutcome outcome;
        try
        {
            outcome = Execute(actionType, action);
        }
        catch (Exception ex)
        {
            outcome = CommandOutcome.Fail($"{actionType} failed: {ex.Message}");
        }

        if (!outcome.Success)
        {
            ManagementLog.CommandFailed(_log, commandId, actionType, outcome.Error ?? string.Empty);
        }

        return Ack(commandId, outcome);
    }

    private CommandOutcome Execute(string actionType, JsonElement action)
    {
        switch (actionType)
        {
            case "disconnect_edge":
            {
                if (!TryGetString(action, "edge_id", out var edgeId, out var error))
                {
                    return CommandOutcome.Fail(error);
                }

                return _relay.DisconnectEdge(edgeId) ? CommandOutcome.Ok() : CommandOutcome.Fail($"Edge not found: {edgeId}");
            }

            case "close_tunnel":
            {
                if (!TryGetTunnelId(action, out var tunnelId, out var error))
                {
                    return CommandOutcome.Fail(error);
                }

                return _relay.CloseTunnel(tunnelId, TunnelDownReasons.ClosedByManager) ? CommandOutcome.Ok() : CommandOutcome.Fail($"Tunnel not found: {tunnelId}");
            }

            case "list_tunnels":
                return CommandOutcome.Ok(JsonSerializer.SerializeToNode(_relay.ListTunnels(), ManagerJsonContext.Default.IReadOnlyListTunnelInfo));

            case "list_edges":
                return CommandOutcome.Ok(JsonSerializer.SerializeToNode(_relay.ListEdges(), ManagerJsonContext.Default.IReadOnlyListEdgeInfo));

            case "list_udp_sessions":
                return CommandOutcome.Ok(JsonSerializer.SerializeToNode(_relay.ListUdpSessions(), ManagerJsonContext.Default.IReadOnlyListNativeUdpSessionInfo));

            case "close_udp_session":
            {
                // Upstream's wording, which the manager shows as is.
                if (!action.TryGetProperty("tunnel_id", out var element) || element.ValueKind != JsonValueKind.String)
                {
                    return CommandOutcome.Fail("Missing tunnel_id");
                }

                var text = element.GetString()!;
                if (!Core.Tunnels.TunnelId.TryParse(text, out var id))
                {
                    return CommandOutcome.Fail($"Invalid UUID: '{text}' is not a UUID");
                }

                return _relay.CloseUdpSession(id.ToGuid()) ? CommandOutcome.Ok() : CommandOutcome.Fail($"Native-UDP session '{id}' not found");
            }

            case "authorize_tunnel":
            {
                if (!TryGetTunnelId(action, out var tunnelId, out var error)
                    || !TryGetString(action, "ingress_token", out var ingressToken, out error)
                    || !TryGetString(action, "egress_token", out var egressToken, out error))
                {
                    return CommandOutcome.Fail(error);
                }

                _relay.AuthorizeTunnel(tunnelId, ingressToken, egressToken);
                return CommandOutcome.Ok();
            }

            case "revoke_tunnel":
            {
                if (!TryGetTunnelId(action, out var tunnelId, out var error))
                {
                    return CommandOutcome.Fail(error);
                }

                // Revoking a tunnel with no stored tokens is not an error: the desired state holds either way.
                _relay.RevokeTunnel(tunnelId);
                return CommandOutcome.Ok();
            }

            case "rotate_secret":
            {
                if (!TryGetString(action, "new_secret", out var newSecret, out var error))
                {
                    return CommandOutcome.Fail(error);
                }

                if (_credentials.NodeId is not { } nodeId)
                {
                    return CommandOutcome.Fail("rotate_secret: this relay has no node_id yet (it is not registered)");
                }

                // In memory at once; persistence failure is reported as an event, and in data.persisted.
                var persisted = _credentials.RotateSecret(nodeId, newSecret);
                return CommandOutcome.Ok(JsonSerializer.SerializeToNode(new CommandDataRotated { Persisted = persisted }, ManagerJsonContext.Default.CommandDataRotated));
            }

            default:
                return CommandOutcome.Fail($"Unknown relay command: {actionType}");
        }
    }

    private byte[] Ack(string commandId, CommandOutcome outcome) =>
        ManagerEnvelope.Create(
            ManagerMessageTypes.CommandAck,
            _time.GetUtcNow(),
            new CommandAckPayload { CommandId = commandId, Success = outcome.Success, Error = outcome.Error, Data = outcome.Data },
            ManagerJsonContext.Default.CommandAckPayload);

    private static bool TryGetString(JsonElement action, string field, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        if (!action.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = $"missing field '{field}'";
            return false;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"field '{field}' must be a string";
            return false;
        }

        value = element.GetString()!;
        if (value.Length == 0)
        {
            value = null;
            error = $"field '{field}' must not be empty";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryGetTunnelId(JsonElement action, out Guid tunnelId, [NotNullWhen(false)] out string? error)
    {
        tunnelId = Guid.Empty;
        if (!TryGetString(action, "tunnel_id", out var text, out error))
        {
            return false;
        }

        if (!Guid.TryParseExact(text, "D", out tunnelId))
        {
            error = $"invalid field 'tunnel_id': '{text}' is not a UUID";
            return false;
        }

        return true;
    }

    private readonly record struct CommandOutcome(bool Success, string? Error, JsonNode? Data)
    {
        public static CommandOutcome Ok(JsonNode? data = null) => new(true, null, data);

        public static CommandOutcome Fail(string error) => new(false, error, null);
    }
}
