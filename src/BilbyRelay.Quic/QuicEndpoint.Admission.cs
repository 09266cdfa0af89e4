using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>
/// Admission of new connections under a handshake flood: address validation with Retry above a handshake rate
/// (RFC 9000 §8.1.2) and a cap on connections whose handshake has not completed. Both keep the loop's time and memory
/// for connections that are established.
/// </summary>
internal sealed unsafe partial class QuicEndpoint
{
    private const ulong NanosecondsPerSecond = 1_000_000_000UL;

    // Fixed at construction: this loop's share of the listener's per-address limits. -1: Retry is never sent.
    private readonly int _retryThreshold = -1;
    private readonly int _maxHalfOpen = int.MaxValue;
    private readonly ulong _retryTokenLifetime;

    // loop: the current one-second window of connection attempts that created state, and the Retries sent in it.
    private ulong _handshakeWindowStart;
    private int _handshakesInWindow;
    private int _retriesInWindow;
    private bool _previousWindowRetried;

    // Written by the loop, read by anyone.
    private int _halfOpen;
    private long _handshakesRetried;
    private long _refusedHalfOpenCap;
    private long _refusedInvalidToken;

    /// <summary>Server connections of this loop whose handshake has not completed (any thread may read it).</summary>
    internal int HalfOpenConnections => Volatile.Read(ref _halfOpen);

    /// <summary>While Retry is on, unvalidated handshakes may fill only half the cap: the rest is for validated addresses.</summary>
    private int UnvalidatedHalfOpenLimit => _retryThreshold < 0 ? _maxHalfOpen : Math.Max(1, _maxHalfOpen / 2);

    /// <summary>This loop's share of a per-address figure: the address's loops split it evenly, rounding up.</summary>
    private static int LoopShare(int perAddress, int loopsSharingAddress) =>
        (int)Math.Min(int.MaxValue, ((long)perAddress + loopsSharingAddress - 1) / loopsSharingAddress);

    /// <summary>Loop thread, for a client Initial that would create a connection: true when it may, after validation.</summary>
    /// <param name="originalDcid">Set from a valid Retry token: the DCID of the client's first Initial.</param>
    /// <param name="validated">True when the Initial carried a valid Retry token.</param>
    private bool AdmitInitial(ngtcp2_pkt_hd* header, int length, byte* source, int sourceLength, ulong now, ngtcp2_cid* originalDcid, out bool validated)
    {
        validated = false;
        if (header->tokenlen > 0 && header->token[0] == Ngtcp2Crypto.NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY && _retryThreshold >= 0)
        {
            if (!TryVerifyRetryToken(header, source, sourceLength, now, originalDcid))
            {
                Interlocked.Increment(ref _refusedInvalidToken);
                CloseInitial(header, NativeErrors.TransportInvalidToken, "invalid token"u8, source, sourceLength);
                return false;
            }

            validated = true;
        }

        // Any other token (a NEW_TOKEN this server never issues) is treated as no token at all.
        if (!validated && _retryThreshold >= 0 && (HandshakeRateReached(now) || HalfOpenConnections >= UnvalidatedHalfOpenLimit))
        {
            SendRetry(header, length, source, sourceLength, now);
            return false;
        }

        if (HalfOpenConnections >= (validated ? _maxHalfOpen : UnvalidatedHalfOpenLimit))
        {
            Interlocked.Increment(ref _refusedHalfOpenCap);
            Interlocked.Increment(ref _packetsDropped);
            return false;
        }

        return true;
    }

    /// <summary>Loop thread: a connection attempt created state; counted against the rate threshold.</summary>
    private void CountHandshakeStarted(ulong now)
    {
        AdvanceHandshakeWindow(now);
        _handshakesInWindow++;
    }

    private bool HandshakeRateReached(ulong now)
    {
        AdvanceHandshakeWindow(now);
        return _handshakesInWindow >= _retryThreshold;
    }

    private void AdvanceHandshakeWindow(ulong now)
    {
        if (now - _handshakeWindowStart < NanosecondsPerSecond)
        {
            return;
        }

        // The window just ended counts as the previous second only if it ended less than a second ago.
        _previousWindowRetried = _retriesInWindow > 0 && now - _handshakeWindowStart < 2 * NanosecondsPerSecond;
        _handshakeWindowStart = now;
        _handshakesInWindow = 0;
        _retriesInWindow = 0;
    }

    private bool TryVerifyRetryToken(ngtcp2_pkt_hd* header, byte* source, int sourceLength, ulong now, ngtcp2_cid* originalDcid)
    {
        fixed (byte* secret = Listener!.RetryTokenKey)
        {
            return Ngtcp2Crypto.ngtcp2_crypto_verify_retry_token(
                originalDcid, header->token, header->tokenlen, secret, (nuint)Listener.RetryTokenKey.Length, header->version,
                source, (uint)sourceLength, &header->dcid, _retryTokenLifetime, now) == 0;
        }
    }

    /// <summary>
    /// Answers with a Retry carrying a token bound to the client's address and original DCID; keeps no state. Never
    /// larger than the Initial that caused it, so it cannot amplify a spoofed flood.
    /// </summary>
    private void SendRetry(ngtcp2_pkt_hd* header, int receivedLength, byte* source, int sourceLength, ulong now)
    {
        Interlocked.Increment(ref _packetsDropped);
        if (receivedLength < MinInitialDatagramSize)
        {
            return;
        }

        var retryScid = QuicConnection.RandomConnectionId();
        var token = stackalloc byte[Ngtcp2Crypto.NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
        nint tokenLength;
        fixed (byte* secret = Listener!.RetryTokenKey)
        {
            tokenLength = Ngtcp2Crypto.ngtcp2_crypto_generate_retry_token(
                token, secret, (nuint)Listener.RetryTokenKey.Length, header->version, source, (uint)sourceLength, &retryScid, &header->dcid, now);
        }

        if (tokenLength <= 0)
        {
            return;
        }

        var written = Ngtcp2Crypto.ngtcp2_crypto_write_retry(
            _sendBuffer, 1500, header->version, &header->scid, &retryScid, &header->dcid, token, (nuint)tokenLength);
        if (written <= 0)
        {
            return;
        }

        SendStateless(_sendBuffer, (int)written, source, sourceLength);
        Interlocked.Increment(ref _handshakesRetried);
        // Logged when a flood begins (not for every Retry); with a threshold of 0 Retry is the normal state.
        if (_retriesInWindow++ == 0 && !_previousWindowRetried && _retryThreshold > 0)
        {
            Emit(QuicLogLevel.Warning, 0, $"More than {_retryThreshold} connection attempts per second on {LocalEndPoint} (this loop's share): new clients are asked to validate their address with Retry.");
        }
    }

    /// <summary>Loop thread: a server connection was created and has not completed its handshake.</summary>
    internal void OnHalfOpenStarted() => Interlocked.Increment(ref _halfOpen);

    /// <summary>Loop thread: a half-open connection completed its handshake or was freed.</summary>
    internal void OnHalfOpenEnded() => Interlocked.Decrement(ref _halfOpen);
}
