using System.Buffers;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>The <c>details</c> objects of the native plane's events (§5.10), as JSON text.</summary>
internal static class NativeUdpEventDetails
{
    public static string Rejection(NativeUdpRejectReason reason, in UdpPeerAddress source, long suppressed)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (reason)
            {
                case NativeUdpRejectReason.UnroutableSource or NativeUdpRejectReason.RelayOwnAddress or NativeUdpRejectReason.BothSlotsSameAddress:
                    json.WriteString("error_code", "relay_invalid_source_addr");
                    json.WriteString("reason", reason.ToLabel());
                    break;
                case NativeUdpRejectReason.PerIpCap:
                    json.WriteString("error_code", "relay_dos_suspect");
                    break;
                case NativeUdpRejectReason.GlobalCap:
                    json.WriteString("error_code", "relay_dos_suspect");
                    json.WriteString("cap_scope", "global");
                    break;
                case NativeUdpRejectReason.SlotHeld:
                    json.WriteString("error_code", "relay_slot_takeover_refused");
                    break;
            }

            json.WriteString("remote_addr", source.ToString());
            if (reason != NativeUdpRejectReason.InvalidToken)
            {
                json.WriteString("remote_ip", source.IpText());
            }

            json.WriteString("transport", "udp");
            if (suppressed > 0)
            {
                json.WriteNumber("suppressed", suppressed);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Unauthenticated() =>
        """{"error_code":"relay_native_plane_unauthenticated","require_bind_auth":false,"udp_relay_enabled":true}""";

    public static string NotStarted(IEnumerable<string> addresses)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("error_code", "relay_udp_bind_failed");
            json.WriteStartArray("addrs");
            foreach (var address in addresses)
            {
                json.WriteStringValue(address);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
