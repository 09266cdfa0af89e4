using System.Net.Sockets;
using System.Net.WebSockets;
using BilbyRelay.Quic;

namespace BilbyRelay.Management;

/// <summary>
/// Opens the WebSocket to one manager URL: wss:// only, TLS by GnuTLS (the library the QUIC engine already has
/// loaded, so the manager link loads no second TLS stack), the certificate judged by
/// <see cref="ManagerCertificatePolicy"/> before anything is sent, and TCP connect + TLS + upgrade bounded by
/// <see cref="ManagerOptions.ConnectTimeout"/> so a URL that accepts TCP and then says nothing cannot hold the link.
/// Failures surface as <see cref="ManagerConnectException"/> with a readable reason.
/// </summary>
internal static class ManagerConnector
{
    public static async Task<WebSocket> ConnectAsync(
        Uri url, ManagerOptions options, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (!string.Equals(url.Scheme, "wss", StringComparison.OrdinalIgnoreCase))
        {
            throw new ManagerConnectException($"{url} is not a wss:// URL; the manager link only connects over TLS");
        }

        var policy = ManagerCertificatePolicy.Create(options, environment);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        TlsClientStream? tls = null;
        try
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(url.IdnHost, url.Port, timeout.Token).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            tls = await TlsClientStream.ConnectAsync(
                socket, url.IdnHost, url.HostNameType == UriHostNameType.Dns, policy.NeedsChainVerification, timeout.Token).ConfigureAwait(false);
            var chainProblem = policy.NeedsChainVerification ? tls.VerifyPeer(url.IdnHost) : null;
            if (!policy.Validate(tls.PeerCertificate(), chainProblem))
            {
                throw new ManagerConnectException(policy.Rejection!);
            }

            await WebSocketUpgrade.RequestAsync(tls, url, timeout.Token).ConfigureAwait(false);
            return new StreamClientWebSocket(tls, options.KeepAliveInterval);
        }
        catch (Exception ex)
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }

            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new ManagerConnectException(
                    $"no WebSocket connection within {options.ConnectTimeout.TotalSeconds:0.###} s (TCP connect, TLS handshake and upgrade)");
            }

            if (ex is SocketException or IOException)
            {
                throw new ManagerConnectException(Describe(ex), ex);
            }

            throw;
        }
    }

    /// <summary>The innermost useful message: "Connection refused", a TLS error, an HTTP status…</summary>
    private static string Describe(Exception exception)
    {
        var message = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            // Inner messages often repeat the outer text ("Connection refused (host:port)"): add only news.
            if (!message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message = $"{message} ({inner.Message})";
            }
        }

        return message;
    }
}
