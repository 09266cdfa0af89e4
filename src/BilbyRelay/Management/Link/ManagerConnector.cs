using System.Net.WebSockets;

namespace BilbyRelay.Management;

/// <summary>
/// Opens the WebSocket to one manager URL: wss:// only, the certificate judged by
/// <see cref="ManagerCertificatePolicy"/>, and TCP connect + TLS + upgrade bounded by
/// <see cref="ManagerOptions.ConnectTimeout"/> so a URL that accepts TCP and then says nothing
/// cannot hold the link. Failures surface as <see cref="ManagerConnectException"/> with a readable reason.
/// </summary>
internal static class ManagerConnector
{
    public static async Task<ClientWebSocket> ConnectAsync(
        Uri url, ManagerOptions options, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (!string.Equals(url.Scheme, "wss", StringComparison.OrdinalIgnoreCase))
        {
            throw new ManagerConnectException($"{url} is not a wss:// URL; the manager link only connects over TLS");
        }

        var policy = ManagerCertificatePolicy.Create(options, environment);
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = options.KeepAliveInterval;
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => policy.Validate(certificate, errors);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(url, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ManagerConnectException(
                $"no WebSocket connection within {options.ConnectTimeout.TotalSeconds:0.###} s (TCP connect, TLS handshake and upgrade)");
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            socket.Dispose();
            throw new ManagerConnectException(policy.Rejection ?? Describe(ex), ex);
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
