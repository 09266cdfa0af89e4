using System.Net.Sockets;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>
/// A TLS client connection over a connected TCP socket, with GnuTLS (already loaded for QUIC) doing the TLS, so
/// the process needs no second TLS library. One reader and one writer may run at the same time, as a WebSocket
/// does; the stream owns the socket and the session.
/// </summary>
/// <remarks>
/// Threading: every call into the session holds <see cref="_gate"/> (GnuTLS sessions are not thread-safe), and no
/// socket I/O happens under it. Records reach the socket in the order the session wrote them: whoever sends takes
/// all written so far while holding <see cref="_sendOrder"/>. The server certificate is not judged here; the
/// caller does that with <see cref="PeerCertificate"/> and <see cref="VerifyPeer"/> before it sends anything.
/// </remarks>
internal sealed class TlsClientStream : DuplexStream
{
    private readonly Socket _socket;
    private readonly TlsClientSession _session;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _sendOrder = new(1, 1);

    // Only the reader (or the handshake, before any reader) receives into it.
    private readonly byte[] _receiveBuffer = new byte[16 * 1024];
    private bool _disposed;

    private TlsClientStream(Socket socket, TlsClientSession session)
    {
        _socket = socket;
        _session = session;
    }

    /// <summary>
    /// Runs the TLS handshake on <paramref name="connectedSocket"/>, which the stream owns from then on (also when
    /// this throws). <paramref name="serverName"/> goes out as SNI when <paramref name="serverNameIsDns"/>.
    /// </summary>
    /// <exception cref="IOException">The handshake failed or the server closed the connection during it.</exception>
    internal static async Task<TlsClientStream> ConnectAsync(
        Socket connectedSocket, string serverName, bool serverNameIsDns, bool loadSystemTrust, CancellationToken cancellationToken)
    {
        TlsClientSession session;
        try
        {
            session = TlsClientSession.Create(serverName, serverNameIsDns, loadSystemTrust);
        }
        catch
        {
            connectedSocket.Dispose();
            throw;
        }

        var stream = new TlsClientStream(connectedSocket, session);
        try
        {
            await stream.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The server's leaf certificate (DER), or null when it sent none.</summary>
    internal byte[]? PeerCertificate()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _session.PeerCertificate();
        }
    }

    /// <summary>Null when the server's chain verifies against the system CAs for <paramref name="hostName"/>; else why not.</summary>
    internal string? VerifyPeer(string hostName)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _session.VerifyPeer(hostName);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            int read;
            bool answered;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                read = _session.Decrypt(buffer.Span);
                answered = _session.HasOutbound;
            }

            // Reading can make the session answer (a TLS 1.3 key update). Only then does the reader queue behind a
            // send, so a writer stuck on a server that stopped reading does not stop this stream from reading.
            if (answered)
            {
                await SendOutboundAsync(cancellationToken).ConfigureAwait(false);
            }

            if (read >= 0)
            {
                return read;
            }

            if (!await ReceiveAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _session.Encrypt(buffer.Span);
        }

        await SendOutboundAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    // The WebSocket's close handshake ends the conversation; no close_notify is sent, so a server that stopped
    // reading cannot hold up disposal.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    _session.Dispose();
                }
            }

            _socket.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            bool complete;
            lock (_gate)
            {
                complete = _session.Handshake();
            }

            await SendOutboundAsync(cancellationToken).ConfigureAwait(false);
            if (complete)
            {
                return;
            }

            if (!await ReceiveAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException("the server closed the connection during the TLS handshake");
            }
        }
    }

    /// <summary>Receives what the socket has (at least one byte) into the session; false at end of stream.</summary>
    private async Task<bool> ReceiveAsync(CancellationToken cancellationToken)
    {
        int room;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            room = Math.Min(_session.ReceiveRoom, _receiveBuffer.Length);
        }

        var received = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(0, room), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (received == 0)
        {
            return false;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _session.Receive(_receiveBuffer.AsSpan(0, received));
        }

        return true;
    }

    private async Task SendOutboundAsync(CancellationToken cancellationToken)
    {
        await _sendOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                byte[]? records;
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    records = _session.TakeOutbound();
                }

                if (records is null)
                {
                    return;
                }

                for (var sent = 0; sent < records.Length;)
                {
                    sent += await _socket.SendAsync(records.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _sendOrder.Release();
        }
    }
}
