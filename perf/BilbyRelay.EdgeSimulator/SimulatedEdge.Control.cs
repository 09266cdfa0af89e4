using System.Text.Json;

namespace BilbyRelay.EdgeSimulator;

public sealed partial class SimulatedEdge
{
    public Task HelloAsync(uint protocolVersion, string softwareVersion, CancellationToken ct = default) =>
        SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "hello");
            w.WriteNumber("protocol_version", protocolVersion);
            w.WriteString("software_version", softwareVersion);
        }), ct);

    public Task IdentifyAsync(string edgeId, CancellationToken ct = default) =>
        SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "identify");
            w.WriteString("edge_id", edgeId);
        }), ct);

    public Task BindAsync(Guid tunnelId, string direction, string protocol = "udp", string? bindToken = null, CancellationToken ct = default) =>
        BindAsync(tunnelId.ToString("D"), direction, protocol, bindToken, ct);

    /// <summary>Bind with the tunnel id as raw text, so tests can send ids that are not UUIDs.</summary>
    public Task BindAsync(string tunnelId, string direction, string protocol = "udp", string? bindToken = null, CancellationToken ct = default) =>
        SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "tunnel_bind");
            w.WriteString("tunnel_id", tunnelId);
            w.WriteString("direction", direction);
            w.WriteString("protocol", protocol);
            if (bindToken is not null)
            {
                w.WriteString("bind_token", bindToken);
            }
        }), ct);

    public Task UnbindAsync(Guid tunnelId, CancellationToken ct = default) =>
        SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "tunnel_unbind");
            w.WriteString("tunnel_id", tunnelId.ToString("D"));
        }), ct);

    public Task PingAsync(CancellationToken ct = default) =>
        SendAsync(EdgeFraming.Json(w => w.WriteString("type", "ping")), ct);

    /// <summary>Sends one framed message (any bytes, valid JSON or not) on the control stream.</summary>
    public async Task SendAsync(byte[] payload, CancellationToken ct = default)
    {
        await _controlWriteLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await EdgeFraming.WriteFrameAsync(_control.Output, payload, ct).ConfigureAwait(false);
        }
        finally
        {
            _controlWriteLock.Release();
        }
    }

    /// <summary>Sends raw bytes on the control stream (for framing violations).</summary>
    public async Task SendRawAsync(byte[] bytes, CancellationToken ct = default)
    {
        await _controlWriteLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _control.Output.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
        finally
        {
            _controlWriteLock.Release();
        }
    }

    /// <summary>The next message the relay sent on this edge's control stream.</summary>
    public ValueTask<EdgeMessage> ReceiveControlAsync(CancellationToken ct = default) => _controlMessages.Reader.ReadAsync(ct);

    /// <summary>The next message the relay sent on a unidirectional stream it opened.</summary>
    public ValueTask<EdgeMessage> ReceiveNotificationAsync(CancellationToken ct = default) => _notifications.Reader.ReadAsync(ct);

    public bool TryReceiveControl(out EdgeMessage? message) => _controlMessages.Reader.TryRead(out message);

    public bool TryReceiveNotification(out EdgeMessage? message) => _notifications.Reader.TryRead(out message);

    private async Task PumpControlAsync()
    {
        try
        {
            while (await EdgeFraming.ReadFrameAsync(_control.Input, _control, _stop.Token).ConfigureAwait(false) is { } frame)
            {
                _controlMessages.Writer.TryWrite(EdgeMessage.Parse(frame));
            }

            _controlMessages.Writer.TryComplete();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidDataException or JsonException)
        {
            _controlMessages.Writer.TryComplete(ex);
        }
    }
}
