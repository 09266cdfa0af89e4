using System.IO.Pipelines;
using System.Security.Cryptography;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// Deterministic pseudo-random payloads streamed through pipes and fingerprinted with SHA-256, so
/// large transfers are compared byte for byte without keeping them in memory.
/// </summary>
internal static class TestPayload
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The first <paramref name="length"/> bytes of the sequence for <paramref name="seed"/>.</summary>
    public static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="length"/> bytes of the sequence, flushing per chunk, then completes the writer.</summary>
    /// <returns>SHA-256 of what was written.</returns>
    public static async Task<byte[]> WriteAsync(PipeWriter output, int seed, long length, bool complete = true)
    {
        var ct = TestTimeouts.Token();
        var random = new Random(seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkSize];
        for (long written = 0; written < length;)
        {
            int count = (int)Math.Min(ChunkSize, length - written);
            random.NextBytes(chunk.AsSpan(0, count));
            hash.AppendData(chunk, 0, count);
            var flush = await output.WriteAsync(chunk.AsMemory(0, count), ct);
            Assert.False(flush.IsCompleted, "the reader stopped before the payload was written");
            written += count;
        }

        if (complete)
        {
            await output.CompleteAsync();
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Reads until the writer completed (FIN); returns the byte count and SHA-256 of everything read.</summary>
    public static async Task<(long Length, byte[] Sha256)> ReadToEndAsync(PipeReader input)
    {
        var ct = TestTimeouts.Token();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        while (true)
        {
            var result = await input.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await input.CompleteAsync();
                return (length, hash.GetHashAndReset());
            }
        }
    }

    /// <summary>Copies everything read back to the writer, then completes it once the reader saw FIN.</summary>
    public static async Task EchoAsync(IDuplexPipe stream)
    {
        await stream.Input.CopyToAsync(stream.Output, TestTimeouts.Token());
        await stream.Input.CompleteAsync();
        await stream.Output.CompleteAsync();
    }

    public static byte[] Sha256(ReadOnlySpan<byte> bytes) => SHA256.HashData(bytes);
}
