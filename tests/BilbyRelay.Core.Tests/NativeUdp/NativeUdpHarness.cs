using System.Net;
using System.Text;
using System.Text.Json;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;

using BilbyRelay.Core.Tests.Fakes;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>The native plane's session logic on a manual clock, fed datagrams as the socket loop would.</summary>
internal sealed class NativeUdpHarness
{
    private readonly byte[] _reply = new byte[NativeUdpRelay.MaxControlLength];

    public NativeUdpHarness(int maxSessionsPerIp = 64, int maxSessions = 100_000, bool requireBindAuth = false)
    {
        Events = new EventQueue(1024, Clock, new Logger(Log, "events", Clock));
        Tokens = new BindTokenStore(requireBindAuth, TestSha256.Function);
        Relay = new NativeUdpRelay(
            new NativeUdpOptions { MaxSessionsPerIp = maxSessionsPerIp, MaxSessions = maxSessions, Time = Clock },
            Tokens,
            Events,
            new Logger(Log, "native-udp", Clock));
    }

    /// <summary>What the relay and its event queue logged.</summary>
    public Fakes.ListLogSink Log { get; } = new();

    public ManualTimeProvider Clock { get; } = new();

    public EventQueue Events { get; }

    public BindTokenStore Tokens { get; }

    public NativeUdpRelay Relay { get; }

    public NativeUdpMetrics Metrics => Relay.Metrics;

    public static UdpPeerAddress Peer(string text) => UdpPeerAddress.FromEndPoint(IPEndPoint.Parse(text));

    public static byte[] RegisterDatagram(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var datagram = new byte[16 + body.Length];
        body.CopyTo(datagram, 16);
        return datagram;
    }

    public static byte[] RegisterDatagram(Guid tunnel, string direction, string? token = null, int? version = 2) =>
        RegisterDatagram(
            "{\"type\":\"register\",\"tunnel_id\":\"" + tunnel.ToString("D") + "\",\"direction\":\"" + direction + "\""
            + (token is null ? string.Empty : ",\"bind_token\":\"" + token + "\"")
            + (version is null ? string.Empty : ",\"protocol_version\":" + version)
            + "}");

    public static byte[] Media(Guid tunnel, int payloadLength = 100)
    {
        var datagram = new byte[16 + payloadLength];
        TunnelId.FromGuid(tunnel).WriteBytes(datagram);
        for (var i = 16; i < datagram.Length; i++)
        {
            datagram[i] = (byte)i;
        }

        return datagram;
    }

    public NativeUdpDecision Send(byte[] datagram, string from, int socket = 0) => Relay.Process(datagram, Peer(from), socket, _reply);

    /// <summary>Sends a register and returns the ack's JSON, or null when there was no ack.</summary>
    public JsonElement? Register(Guid tunnel, string direction, string from, string? token = null, int socket = 0)
    {
        var decision = Send(RegisterDatagram(tunnel, direction, token), from, socket);
        return AckOf(decision, from);
    }

    public JsonElement? AckOf(NativeUdpDecision decision, string from)
    {
        if (decision.Action != NativeUdpAction.Reply)
        {
            Assert.Equal(NativeUdpAction.None, decision.Action);
            return null;
        }

        Assert.Equal(Peer(from), decision.Target);
        Assert.All(_reply[..16], b => Assert.Equal(0, b));
        return JsonDocument.Parse(_reply.AsMemory(16, decision.ReplyLength - 16)).RootElement.Clone();
    }

    public string ReplyText(NativeUdpDecision decision) => Encoding.UTF8.GetString(_reply, 16, decision.ReplyLength - 16);

    public bool Ready(Guid tunnel, string direction, string from, string? token = null)
    {
        var ack = Register(tunnel, direction, from, token);
        Assert.True(ack.HasValue, $"register from {from} was not acked");
        return ack.Value.GetProperty("ready").GetBoolean();
    }

    public List<RelayEvent> DrainEvents()
    {
        var list = new List<RelayEvent>();
        while (Events.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    public static JsonElement Details(RelayEvent e)
    {
        Assert.True(e.DetailsIsJson);
        return JsonDocument.Parse(e.Details!).RootElement.Clone();
    }
}
