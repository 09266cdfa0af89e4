using System.IO.Pipelines;

namespace BilbyRelay.LoadGen;

/// <summary>
/// Seeded pseudo-random stream contents for the soak's TCP tunnels: the sender writes <c>length</c> bytes from a seed,
/// the receiver regenerates them and compares every byte, so a dropped, duplicated or reordered byte is an error
/// wherever it happens (a hash of the whole would only say that something differed).
/// </summary>
public static class SoakPayload
{
    private const int BlockBytes = 16 * 1024;

    /// <summary>The byte at <paramref name="position"/> of the stream with <paramref name="seed"/>.</summary>
    public static void Fill(ulong seed, long position, Span<byte> destination)
    {
        // One 64-bit mix per 8-byte word keyed by the word index: any slice can be regenerated without the bytes before it.
        for (var i = 0; i < destination.Length;)
        {
            var at = position + i;
            var word = Mix(seed ^ (ulong)(at >> 3));
            var shift = (int)(at & 7);
            var take = Math.Min(8 - shift, destination.Length - i);
            for (var k = 0; k < take; k++)
            {
                destination[i + k] = (byte)(word >> ((shift + k) * 8));
            }

            i += take;
        }
    }

    public static async Task WriteAsync(PipeWriter output, ulong seed, long length, CancellationToken ct)
    {
        for (long sent = 0; sent < length;)
        {
            var count = (int)Math.Min(BlockBytes, length - sent);
            var memory = output.GetMemory(count);
            Fill(seed, sent, memory.Span[..count]);
            output.Advance(count);
            sent += count;
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            if (flush.IsCanceled || flush.IsCompleted)
            {
                throw new IOException($"the stream stopped accepting data after {sent} of {length} bytes");
            }
        }

        await output.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the stream to its end. Returns the number of bytes that differ from the seeded contents plus every byte
    /// missing or in excess of <paramref name="length"/> (0 when the stream is exact).
    /// </summary>
    public static async Task<long> VerifyAsync(PipeReader input, ulong seed, long length, CancellationToken ct)
    {
        var expected = new byte[BlockBytes];
        long received = 0;
        long errors = 0;
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                errors += Compare(segment.Span, seed, received, length, expected);
                received += segment.Length;
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await input.CompleteAsync().ConfigureAwait(false);
        return errors + Math.Abs(length - received);
    }

    private static long Compare(ReadOnlySpan<byte> actual, ulong seed, long position, long length, byte[] scratch)
    {
        long errors = 0;
        // Bytes beyond the expected length are counted by the caller as excess.
        var comparable = (int)Math.Clamp(length - position, 0, actual.Length);
        for (var offset = 0; offset < comparable; offset += scratch.Length)
        {
            var count = Math.Min(scratch.Length, comparable - offset);
            Fill(seed, position + offset, scratch.AsSpan(0, count));
            var slice = actual.Slice(offset, count);
            if (!slice.SequenceEqual(scratch.AsSpan(0, count)))
            {
                for (var i = 0; i < count; i++)
                {
                    errors += slice[i] != scratch[i] ? 1 : 0;
                }
            }
        }

        return errors;
    }

    private static ulong Mix(ulong x)
    {
        // SplitMix64 finaliser: cheap and every input bit affects every output bit.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
