using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

public sealed class HandshakeFailureTests
{
    [Fact]
    public async Task Connect_WithWrongAlpn_FailsOnClientAndServerAcceptsNothing()
    {
        var serverLog = new List<QuicLogEvent>();
        await using var listener = QuicTestEnvironment.StartListener(o => o.Log = e =>
        {
            lock (serverLog)
            {
                serverLog.Add(e);
            }
        });
        using var cts = new CancellationTokenSource(QuicTestEnvironment.Timeout);
        var accept = listener.AcceptConnectionAsync(cts.Token).AsTask();

        var error = await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o => o.Alpn = "something-else"), cts.Token));

        Assert.Equal(QuicError.AlpnMismatch, error.Error);
        Assert.Contains("no_application_protocol", error.Message, StringComparison.Ordinal);
        Assert.Equal(0x100 + 120, error.TransportErrorCode);

        // A correct client right after is accepted, and it is the first connection the listener hands out.
        await using var good = await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener), cts.Token);
        await using var accepted = await accept;
        Assert.Equal(good.LocalEndPoint.Port, accepted.RemoteEndPoint.Port);
        lock (serverLog)
        {
            Assert.Contains(serverLog, e => e.Message.Contains("Handshake", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Connect_WithPinnedFingerprint_SucceedsWhenItMatches()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        await using var client = await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o =>
        {
            o.SkipCertificateValidation = false;
            o.PinnedCertificateSha256 = listener.CertificateSha256Fingerprint.ToUpperInvariant();
        }));
        Assert.Equal(QuicTestEnvironment.Alpn, client.NegotiatedAlpn);
    }

    [Fact]
    public async Task Connect_WithPinnedFingerprintMismatch_IsRejected()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var wrong = string.Join(':', Enumerable.Repeat("ab", 32));
        var error = await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o =>
            {
                o.SkipCertificateValidation = false;
                o.PinnedCertificateSha256 = wrong;
            })));
        Assert.Equal(QuicError.CertificateRejected, error.Error);
        Assert.Contains("fingerprint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_TrustingTheServerCertificate_Succeeds()
    {
        var certificate = ServerCertificate.CreateSelfSigned();
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.CertificatePem = certificate.CertificatePem;
            o.PrivateKeyPem = certificate.PrivateKeyPem;
        });
        Assert.Equal(certificate.Sha256Fingerprint, listener.CertificateSha256Fingerprint);
        await using var client = await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o =>
        {
            o.SkipCertificateValidation = false;
            o.TrustedCaPem = certificate.CertificatePem;
            o.ServerName = "localhost";
        }));
        Assert.Equal(QuicTestEnvironment.Alpn, client.NegotiatedAlpn);
    }

    [Fact]
    public async Task Connect_TrustingAnotherCa_IsRejected()
    {
        var other = ServerCertificate.CreateSelfSigned("other-ca");
        await using var listener = QuicTestEnvironment.StartListener();
        var error = await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o =>
            {
                o.SkipCertificateValidation = false;
                o.TrustedCaPem = other.CertificatePem;
                o.ServerName = "localhost";
            })));
        Assert.Equal(QuicError.CertificateRejected, error.Error);
    }

    [Fact]
    public async Task ConnectionFilter_ReturningFalse_RefusesTheClient()
    {
        var seen = 0;
        await using var listener = QuicTestEnvironment.StartListener(o => o.ConnectionFilter = _ =>
        {
            Interlocked.Increment(ref seen);
            return false;
        });
        var error = await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener)));
        Assert.Equal(QuicError.ConnectionRefused, error.Error);
        Assert.True(Volatile.Read(ref seen) >= 1);
    }
}
