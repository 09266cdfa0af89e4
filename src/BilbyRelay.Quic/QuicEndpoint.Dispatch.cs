using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

/// <summary>Routing of received datagrams: to a connection by DCID, to a new server connection, or a stateless reply.</summary>
internal sealed unsafe partial class QuicEndpoint
{
    private const byte PacketTypeInitial = 0x10;
    private const int MinInitialDatagramSize = 1200;
    private const int StatelessResetsPerSecond = 100;

    // Smallest stateless reset: 1 header byte + 4 random bytes... RFC 9000 §10.3 recommends at least 21 bytes total.
    private const int MinStatelessResetLength = 21;

    private void ProcessDatagram(byte* data, int length, byte* source, int sourceLength, ulong now)
    {
        ngtcp2_version_cid versionCid;
        var decoded = Ngtcp2.ngtcp2_pkt_decode_version_cid(&versionCid, data, (nuint)length, LocalConnectionIdLength);
        if (decoded == Ngtcp2.NGTCP2_ERR_VERSION_NEGOTIATION)
        {
            SendVersionNegotiation(&versionCid, length, source, sourceLength);
            return;
        }

        if (decoded != 0)
        {
            Interlocked.Increment(ref _packetsDropped);
            return;
        }

        var dcid = new ReadOnlySpan<byte>(versionCid.dcid, (int)versionCid.dcidlen);
        if (_routes.TryGetValue(new ConnectionIdKey(dcid), out var connection))
        {
            connection.ReceivePacket(data, length, source, sourceLength, now);
            if (!connection.IsFreed)
            {
                MarkDirty(connection);
            }

            return;
        }

        var longHeader = (data[0] & 0x80) != 0;
        if (!longHeader)
        {
            if (length >= MinStatelessResetLength
                && _peerResetTokens.TryGetValue(new ConnectionIdKey(new ReadOnlySpan<byte>(data + length - Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN, Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN)), out var reset))
            {
                // Ends with a token our peer issued: a stateless reset. ngtcp2 verifies it and drains the connection.
                reset.ReceivePacket(data, length, source, sourceLength, now);
                if (!reset.IsFreed)
                {
                    MarkDirty(reset);
                }

                return;
            }

            SendStatelessReset(dcid, length, source, sourceLength, now);
            return;
        }

        if (Listener is null)
        {
            Interlocked.Increment(ref _packetsDropped);
            return;
        }

        ngtcp2_pkt_hd header;
        if (Ngtcp2.ngtcp2_accept(&header, data, (nuint)length) != 0 || header.type != PacketTypeInitial)
        {
            Interlocked.Increment(ref _packetsDropped);
            return;
        }

        ngtcp2_cid originalDcid;
        if (!AdmitInitial(&header, length, source, sourceLength, now, &originalDcid, out var validated))
        {
            return;
        }

        if (!Admit(source, sourceLength))
        {
            Refuse(&header, source, sourceLength);
            return;
        }

        CountHandshakeStarted(now);
        var created = QuicConnection.CreateServer(this, Listener, &header, validated ? &originalDcid : null, source, sourceLength, now);
        if (created is null)
        {
            Interlocked.Increment(ref _packetsDropped);
            return;
        }

        created.ReceivePacket(data, length, source, sourceLength, now);
        if (!created.IsFreed)
        {
            MarkDirty(created);
        }
    }

    private bool Admit(byte* source, int sourceLength)
    {
        var filter = Listener!.Options.ConnectionFilter;
        if (filter is null)
        {
            return true;
        }

        try
        {
            return filter(SocketAddressCodec.Read(new ReadOnlySpan<byte>(source, sourceLength)));
        }
        catch (Exception e)
        {
            Emit(QuicLogLevel.Warning, 0, $"The connection filter threw; refusing the connection: {e.Message}");
            return false;
        }
    }

    /// <summary>
    /// Answers a refused Initial with an Initial CONNECTION_CLOSE(CONNECTION_REFUSED); keeps no state. The packet goes
    /// back to the client's SCID, protected with keys derived from the client's original DCID.
    /// </summary>
    private void Refuse(ngtcp2_pkt_hd* header, byte* source, int sourceLength)
    {
        CloseInitial(header, NativeErrors.TransportConnectionRefused, "connection refused"u8, source, sourceLength);
        Emit(QuicLogLevel.Information, 0, $"Refused a connection from {SocketAddressCodec.Read(new ReadOnlySpan<byte>(source, sourceLength))}.");
    }

    /// <summary>Answers an Initial with an Initial CONNECTION_CLOSE carrying <paramref name="errorCode"/>; keeps no state.</summary>
    private void CloseInitial(ngtcp2_pkt_hd* header, ulong errorCode, ReadOnlySpan<byte> reason, byte* source, int sourceLength)
    {
        Interlocked.Increment(ref _packetsDropped);
        fixed (byte* reasonPtr = reason)
        {
            var written = Ngtcp2Crypto.ngtcp2_crypto_write_connection_close(
                _sendBuffer, 1500, header->version, &header->scid, &header->dcid, errorCode, reasonPtr, (nuint)reason.Length);
            if (written > 0)
            {
                SendStateless(_sendBuffer, (int)written, source, sourceLength);
            }
        }
    }

    private void SendVersionNegotiation(ngtcp2_version_cid* versionCid, int receivedLength, byte* source, int sourceLength)
    {
        Interlocked.Increment(ref _packetsDropped);
        if (Listener is null || receivedLength < MinInitialDatagramSize)
        {
            // RFC 9000 §6.1: only answer datagrams big enough to carry an Initial (no amplification).
            return;
        }

        var supported = Ngtcp2.NGTCP2_PROTO_VER_V1;
        var written = Ngtcp2.ngtcp2_pkt_write_version_negotiation(
            _sendBuffer, 1500, CryptoRandom.NextByte(),
            versionCid->scid, versionCid->scidlen, versionCid->dcid, versionCid->dcidlen, &supported, 1);
        if (written > 0)
        {
            SendStateless(_sendBuffer, (int)written, source, sourceLength);
        }
    }

    /// <summary>
    /// Tells a peer holding state we no longer have to stop (RFC 9000 §10.3). Rate-limited, never larger than the
    /// packet that triggered it (so two endpoints cannot loop), and only for DCIDs of our length.
    /// </summary>
    private void SendStatelessReset(ReadOnlySpan<byte> dcid, int receivedLength, byte* source, int sourceLength, ulong now)
    {
        Interlocked.Increment(ref _packetsDropped);
        if (dcid.Length != LocalConnectionIdLength || receivedLength <= MinStatelessResetLength)
        {
            return;
        }

        if (now - _statelessResetWindowStart > 1_000_000_000UL)
        {
            _statelessResetWindowStart = now;
            _statelessResetsInWindow = 0;
        }

        if (++_statelessResetsInWindow > StatelessResetsPerSecond)
        {
            return;
        }

        var cid = ngtcp2_cid.From(dcid);
        var token = stackalloc byte[Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN];
        if (GenerateStatelessResetToken(token, &cid) != 0)
        {
            return;
        }

        var total = Math.Min(receivedLength - 1, 43);
        var randomLength = total - 1 - Ngtcp2.NGTCP2_STATELESS_RESET_TOKENLEN;
        var random = stackalloc byte[randomLength];
        CryptoRandom.Fill(new Span<byte>(random, randomLength));
        var written = Ngtcp2.ngtcp2_pkt_write_stateless_reset(_sendBuffer, 1500, token, random, (nuint)randomLength);
        if (written > 0)
        {
            SendStateless(_sendBuffer, (int)written, source, sourceLength);
        }
    }
}
