using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.PackageCheck;

/// <summary>
/// Two edges bind one TCP tunnel through the relay (ingress first, then egress), then each writes 1 MiB of
/// random bytes into the tunnel stream and checks the other side's bytes arrive unchanged.
/// </summary>
internal static class TunnelCheck
{
    private const int Bytes = 1024 * 1024;

    public static async Task RunAsync(IPEndPoint relay, CancellationToken ct)
    {
        var tunnel = Guid.NewGuid();
        await using var ingress = await SimulatedEdge.ConnectAsync(relay, null, ct);
        await using var egress = await SimulatedEdge.ConnectAsync(relay, null, ct);
        await ingress.BindAsync(tunnel, "ingress", "tcp", ct: ct);
        await Expect(ingress.ReceiveControlAsync(ct), "tunnel_waiting");
        await egress.BindAsync(tunnel, "egress", "tcp", ct: ct);
        await Expect(egress.ReceiveControlAsync(ct), "tunnel_ready");
        await Expect(ingress.ReceiveNotificationAsync(ct), "tunnel_ready");

        var opened = await ingress.OpenTunnelStreamAsync(tunnel, ct);
        var accepted = (await egress.AcceptTunnelStreamAsync(ct)).Stream;
        var forward = RandomNumberGenerator.GetBytes(Bytes);
        var backward = RandomNumberGenerator.GetBytes(Bytes);
        var results = await Task.WhenAll(
            WriteAsync(opened.Output, forward, ct),
            WriteAsync(accepted.Output, backward, ct),
            ReadAllAsync(accepted.Input, ct),
            ReadAllAsync(opened.Input, ct));
        Check(forward, results[2], "ingress -> egress");
        Check(backward, results[3], "egress -> ingress");
    }

    private static async Task Expect(ValueTask<EdgeMessage> reply, string type)
    {
        var message = await reply;
        if (message.Type != type)
        {
            throw new InvalidOperationException($"expected {type}, got {message}");
        }
    }

    private static async Task<byte[]> WriteAsync(PipeWriter output, byte[] bytes, CancellationToken ct)
    {
        await output.WriteAsync(bytes, ct);
        await output.CompleteAsync();
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader input, CancellationToken ct)
    {
        var received = new ArrayBufferWriter<byte>(Bytes);
        while (true)
        {
            var result = await input.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await input.CompleteAsync();
                return received.WrittenSpan.ToArray();
            }
        }
    }

    private static void Check(byte[] sent, byte[] received, string direction)
    {
        if (!sent.AsSpan().SequenceEqual(received))
        {
            throw new InvalidOperationException($"{direction}: sent {sent.Length} bytes, received {received.Length} different ones");
        }
    }
}
