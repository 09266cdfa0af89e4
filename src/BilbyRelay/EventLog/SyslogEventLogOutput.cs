using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>
/// Sends each line as one RFC 5424 syslog message over UDP (RFC 5426):
/// <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME bilbyrelay PROCID CATEGORY - JSON</c>, facility local0, severity from the event
/// (info 6, warning 4, critical 2). UDP never blocks the relay on a slow or absent collector.
/// </summary>
internal sealed class SyslogEventLogOutput : IEventLogOutput
{
    public const string AppName = "bilbyrelay";
    private const int FacilityLocal0 = 16;

    private readonly Socket _socket;
    private readonly EndPoint _collector;
    private readonly string _header;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public SyslogEventLogOutput(IPEndPoint collector, string host)
    {
        _collector = collector;
        _socket = new Socket(collector.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // HOSTNAME and PROCID are fixed for the process; only PRI, TIMESTAMP and MSGID change per message.
        _header = " " + SyslogField(host) + " " + AppName + " " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + " ";
    }

    /// <summary>Resolves "host:port" (IP literal or DNS name) once, at start.</summary>
    public static IPEndPoint Resolve(string hostPort)
    {
        if (IPEndPoint.TryParse(hostPort, out var literal) && hostPort.Contains(':', StringComparison.Ordinal))
        {
            return literal;
        }

        var colon = hostPort.LastIndexOf(':');
        var host = hostPort[..colon];
        var port = int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture);
        var addresses = Dns.GetHostAddresses(host);
        if (addresses.Length == 0)
        {
            throw new InvalidOperationException($"syslog collector '{host}' has no address");
        }

        return new IPEndPoint(addresses[0], port);
    }

    public static int SyslogSeverity(EventSeverity severity) => severity switch
    {
        EventSeverity.Info => 6,
        EventSeverity.Warning => 4,
        _ => 2,
    };

    public void Write(RelayEvent relayEvent, ReadOnlySpan<byte> json)
    {
        _buffer.ResetWrittenCount();
        var priority = (FacilityLocal0 * 8) + SyslogSeverity(relayEvent.Severity);
        WriteAscii("<" + priority.ToString(CultureInfo.InvariantCulture) + ">1 ");
        WriteAscii(EventLineFormatter.FormatTimestamp(relayEvent.Timestamp));
        WriteAscii(_header);
        WriteAscii(RelayEvent.ToWireName(relayEvent.Category));
        WriteAscii(" - ");
        _buffer.Write(json);
        _socket.SendTo(_buffer.WrittenSpan, SocketFlags.None, _collector);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>RFC 5424 header fields are printable US-ASCII without spaces; "-" stands for an empty one.</summary>
    private static string SyslogField(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(c is > ' ' and < '\u007f' ? c : '_');
        }

        return text.Length == 0 ? "-" : text.ToString(0, Math.Min(text.Length, 255));
    }

    private void WriteAscii(string text)
    {
        var span = _buffer.GetSpan(text.Length);
        _buffer.Advance(Encoding.ASCII.GetBytes(text, span));
    }
}
