namespace BilbyRelay.Core.Protocol;

// The bilbycast relay protocol, as spoken between an edge and this relay.
//
// Flow
//   1. The edge dials the relay over QUIC v1 (ALPN "bilbycast-relay") and opens a bidirectional
//      stream: the CONTROL stream. The first bidirectional stream an edge opens is always it.
//   2. edge → relay on the control stream, one frame each, in any order (hello and identify are
//      optional: old edges never send them):
//        hello          → relay replies hello_ack (version mismatch only raises an event)
//        identify       → remembered as the connection's reported edge id (≤ 64 chars)
//        tunnel_bind    → relay replies tunnel_waiting, tunnel_ready or tunnel_down
//        tunnel_unbind  → no reply; the peer (if bound) is told tunnel_down "peer unbound"
//        ping           → relay replies pong
//      Replies go back on the control stream, in request order.
//   3. Something another edge (or the manager) did to a tunnel this edge is bound to is told to
//      this edge on a NEW relay-opened unidirectional stream carrying exactly one frame, then FIN:
//        tunnel_ready (peer bound), tunnel_down (peer unbound / disconnected / displaced / closed).
//   4. TCP: every further bidirectional stream the edge opens is a DATA stream. It starts with one
//      header frame, then raw bytes. The relay opens a bidirectional stream on the peer's connection,
//      writes the same header, and splices bytes both ways until both sides have finished.
//   5. UDP: QUIC DATAGRAM frames carrying a 16-byte tunnel id prefix. The relay forwards the whole
//      datagram unchanged to the peer's connection; anything it cannot forward is dropped and counted.
//
// Frame (control messages and data-stream headers)
//   +----------------------+----------------------------------------+
//   | length N : u32 BE    | N bytes: UTF-8 JSON object             |
//   +----------------------+----------------------------------------+
//   N ≤ 1,048,576. A larger N is a protocol violation: on the control stream the connection is
//   closed with RelayErrorCodes.ControlStreamError (so is a FIN inside a frame); on a data stream
//   only that stream is aborted (RelayErrorCodes.StreamRefused). The relay decides from the 4-byte
//   prefix and never buffers an oversized body. A FIN between frames on the control stream ends
//   the edge's session normally.
//   Control JSON: {"type": "<name>", ...fields}. An unknown type, an unknown field or malformed
//   JSON is skipped (logged at debug); the connection stays up.
//
// Control messages (all fields required unless marked optional)
//   edge → relay
//     {"type":"hello","protocol_version":u32,"software_version":string}
//     {"type":"identify","edge_id":string}                                 ≤ 64 chars, else ignored
//     {"type":"tunnel_bind","tunnel_id":uuid,"direction":"ingress"|"egress",
//      "protocol":"tcp"|"udp","bind_token":string (optional)}
//     {"type":"tunnel_unbind","tunnel_id":uuid}
//     {"type":"ping"}
//   relay → edge
//     {"type":"hello_ack","protocol_version":u32,"software_version":string}
//     {"type":"tunnel_waiting","tunnel_id":uuid}
//     {"type":"tunnel_ready","tunnel_id":uuid}
//     {"type":"tunnel_down","tunnel_id":uuid,"reason":string}
//     {"type":"pong"}
//   uuid = the lowercase hyphenated text form. A control message whose uuid does not parse is
//   treated as malformed and skipped (there is no valid id to answer with tunnel_down about).
//
// Data-stream header
//     {"tunnel_id":uuid,"stream_type":"tcp"}
//
// Datagram
//   +-------------------------------+---------------------------------+
//   | tunnel id : 16 bytes          | payload (opaque, end-to-end     |
//   | (RFC 4122 / big-endian order) | encrypted by the edges)         |
//   +-------------------------------+---------------------------------+
//   Byte counters count payload only: a datagram adds its length minus 16, a data stream the
//   bytes after its header. Bytes are credited to the slot they came from (bytes_ingress = from the
//   ingress edge).

/// <summary>Protocol constants; the flow and byte layouts are described at the top of this file.</summary>
public static class RelayProtocol
{
    /// <summary>The relay's tunnel protocol version: 2, the native UDP plane (§5) exists.</summary>
    public const uint ProtocolVersion = 2;

    /// <summary>ALPN every edge connection must negotiate.</summary>
    public const string Alpn = "bilbycast-relay";

    /// <summary>Largest allowed frame body (1 MiB).</summary>
    public const int MaxFrameLength = 1_048_576;

    /// <summary>Size of the big-endian length prefix.</summary>
    public const int LengthPrefixSize = 4;

    /// <summary>Size of the tunnel id prefix of a datagram.</summary>
    public const int DatagramPrefixLength = 16;

    /// <summary>Longest accepted <c>identify.edge_id</c>, in characters.</summary>
    public const int MaxEdgeIdLength = 64;

    /// <summary>The only data-stream type.</summary>
    public const string StreamTypeTcp = "tcp";
}
