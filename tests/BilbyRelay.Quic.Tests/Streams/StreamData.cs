using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace BilbyRelay.Quic.Tests.Streams;

/// <summary>Deterministic payloads and their hashes, written and read through pipes.</summary>
internal static class StreamData
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Writes <paramref name="length"/> bytes from a seeded PRNG; returns their SHA-256.</summary>
    /// <summary>
    /// Opens a bidirectional stream on <paramref name="client"/> and accepts it on <paramref name="server"/>.
    /// The peer only learns of a stream when bytes arrive, so <paramref name="primeBytes"/> zero bytes are
    /// written first; they stay unread on the server side.
    /// </summary>
    internal static async Task<(QuicStream Client, QuicStream Server)> OpenAcceptedAsync(QuicConnection client, QuicConnection server, int primeBytes)
    {
        var clientStream = await client.OpenStreamAsync(bidirectional: true);
        await clientStream.Output.WriteAsync(new byte[primeBytes]);
        var serverStream = await server.AcceptStreamAsync();
        return (clientStream, serverStream);
    }

    internal static async Task<byte[]> WriteAsync(PipeWriter writer, long length, int seed, bool complete = true)
    {
        var random = new Random(seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkSize];
        var remaining = length;
        while (remaining > 0)
        {
            var size = (int)Math.Min(remaining, ChunkSize);
            random.NextBytes(chunk.AsSpan(0, size));
            hash.AppendData(chunk, 0, size);
            var result = await writer.WriteAsync(chunk.AsMemory(0, size));
            if (result.IsCompleted)
            {
                throw new InvalidOperationException("The reader went away.");
            }

            remaining -= size;
        }

        if (complete)
        {
            await writer.CompleteAsync();
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Reads to the end (FIN); returns the byte count and SHA-256.</summary>
    internal static async Task<(long Length, byte[] Hash)> ReadToEndAsync(PipeReader reader)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                total += segment.Length;
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        return (total, hash.GetHashAndReset());
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    internal static async Task<byte[]> ReadExactlyAsync(PipeReader reader, int count)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                reader.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException($"Stream ended after {result.Buffer.Length} of {count} bytes.");
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> are buffered, examining without consuming (no credit is returned).</summary>
    internal static async Task<long> BufferedWithoutConsumingAsync(PipeReader input, long bytes)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var length = result.Buffer.Length;
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (length >= bytes || result.IsCompleted)
            {
                return length;
            }
        }
    }
}
