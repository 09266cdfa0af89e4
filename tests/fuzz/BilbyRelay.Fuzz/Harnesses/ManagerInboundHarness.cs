using System.Text.Json;
using System.Text.Json.Nodes;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;
using BilbyRelay.Management;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// A text frame from the manager: the envelope parse, then for <c>command</c> the command handler
/// against a relay with no tunnels or edges. The reply must always be a JSON object.
/// </summary>
internal static class ManagerInboundHarness
{
    private static readonly ManagerCommandHandler Commands = CreateHandler();

    public static void Run(byte[] input)
    {
        if (!ManagerInboundMessage.TryParse(input, out var message, out var error))
        {
            if (string.IsNullOrEmpty(error))
            {
                throw new InvalidOperationException("manager: refused without a reason");
            }

            return;
        }

        using (message)
        {
            _ = message!.GetTopLevelString("message");
            _ = message.GetPayloadString("node_id");
            if (message.Type == "command")
            {
                using var reply = JsonDocument.Parse(Commands.Handle(message.Payload));
                if (reply.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidOperationException("manager: command reply is not an object");
                }
            }
        }
    }

    private static ManagerCommandHandler CreateHandler()
    {
        var options = new ManagerOptions
        {
            Urls = [new Uri("wss://manager.invalid/ws")],
            NodeId = "fuzz-node",
            NodeSecret = "fuzz-secret",
            SoftwareVersion = "0.0.0",
        };
        var credentials = new ManagerCredentials(options, new InMemoryCredentialStore(Logger.Null), new NoEvents(), Logger.Null);
        return new ManagerCommandHandler(new EmptyRelay(), credentials, TimeProvider.System, Logger.Null);
    }

    private sealed class NoEvents : IRelayEventSink
    {
        public void Emit(EventSeverity severity, EventCategory category, string message, string? flowId = null)
        {
        }
    }

    private sealed class EmptyRelay : IManagedRelay
    {
        public ManagerStatsPayload GetStats() => throw new InvalidOperationException("stats are not part of command handling");

        public ManagerHealthPayload GetHealth() => throw new InvalidOperationException("health is not part of command handling");

        public IReadOnlyList<TunnelInfo> ListTunnels() => [];

        public IReadOnlyList<EdgeInfo> ListEdges() => [];

        public bool CloseTunnel(Guid tunnelId, string reason) => false;

        public bool DisconnectEdge(string edgeId) => false;

        public void AuthorizeTunnel(Guid tunnelId, string ingressToken, string egressToken)
        {
        }

        public bool RevokeTunnel(Guid tunnelId) => false;

        public JsonObject GetRedactedConfig() => new() { ["quic_addr"] = "0.0.0.0:4433" };

        public IReadOnlyList<NativeUdpSessionInfo> ListUdpSessions() => [];

        public bool CloseUdpSession(Guid tunnelId) => false;
    }
}
