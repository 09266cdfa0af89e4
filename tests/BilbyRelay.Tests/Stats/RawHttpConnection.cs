using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BilbyRelay.Tests.Stats;

/// <summary>
/// A bare TCP client for sending exactly the bytes a test wants (malformed, pipelined, slow) and
/// reading responses one by one. Every read is bounded by a generous timeout so a broken server
/// fails the test instead of hanging it.
/// </summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_readBound = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawHttpConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawHttpConnection(socket);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Reads one response; <paramref name="expectBody"/> false for HEAD (Content-Length describes a body that is not sent).</summary>
    public async Task<RawHttpResponse> ReadResponseAsync(bool expectBody = true)
    {
        using var timeout = new CancellationTokenSource(s_readBound);
        int headEnd;
        while ((headEnd = IndexOfHeadEnd()) < 0)
        {
            if (!await ReceiveMoreAsync(timeout.Token))
            {
                throw new InvalidOperationException($"Connection closed before a full response head; received: {Encoding.ASCII.GetString([.. _received])}");
            }
        }

        string headText = Encoding.ASCII.GetString(_received.GetRange(0, headEnd).ToArray());
        _received.RemoveRange(0, headEnd + 4);
        string[] lines = headText.Split("\r\n");
        string[] statusParts = lines[0].Split(' ', 3);
        var headers = new Dictionary<string, string>();
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        int length = expectBody && headers.TryGetValue("content-length", out string? cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
        while (_received.Count < length)
        {
            if (!await ReceiveMoreAsync(timeout.Token))
            {
                throw new InvalidOperationException("Connection closed inside a response body.");
            }
        }

        byte[] body = _received.GetRange(0, length).ToArray();
        _received.RemoveRange(0, length);
        return new RawHttpResponse(int.Parse(statusParts[1], System.Globalization.CultureInfo.InvariantCulture), lines[0], headers, body);
    }

    /// <summary>True when the server closes (or resets) the connection within the bound, with nothing more to read.</summary>
    public async Task<bool> WaitForServerCloseAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            while (await ReceiveMoreAsync(timeout.Token))
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Bytes received but not yet consumed as a response.</summary>
    public int UnreadCount => _received.Count;

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> ReceiveMoreAsync(CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[8192];
        int read;
        try
        {
            read = await _socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false;
        }

        _received.AddRange(chunk.AsSpan(0, read));
        return read > 0;
    }

    private int IndexOfHeadEnd()
    {
        for (int i = 0; i + 3 < _received.Count; i++)
        {
            if (_received[i] == '\r' && _received[i + 1] == '\n' && _received[i + 2] == '\r' && _received[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
