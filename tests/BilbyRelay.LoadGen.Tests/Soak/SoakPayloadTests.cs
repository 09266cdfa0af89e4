using System.IO.Pipelines;
using BilbyRelay.LoadGen;

namespace BilbyRelay.LoadGen.Tests.Soak;

public sealed class SoakPayloadTests
{
    private static byte[] Payload(ulong seed, int length)
    {
        var bytes = new byte[length];
        SoakPayload.Fill(seed, 0, bytes);
        return bytes;
    }

    private static async Task<long> VerifyAsync(byte[] received, ulong seed, long expectedLength)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(received);
        await pipe.Writer.CompleteAsync();
        return await SoakPayload.VerifyAsync(pipe.Reader, seed, expectedLength, CancellationToken.None);
    }

    [Fact]
    public void AnySlice_RegeneratesTheSameBytes()
    {
        var whole = Payload(7, 100_000);
        var slice = new byte[333];

        SoakPayload.Fill(7, 12_345, slice);

        Assert.Equal(whole.AsSpan(12_345, 333).ToArray(), slice);
    }

    [Fact]
    public void Seeds_GiveDifferentBytes()
    {
        Assert.NotEqual(Payload(1, 64), Payload(2, 64));
    }

    [Fact]
    public async Task WrittenStream_VerifiesWithoutErrors()
    {
        var pipe = new Pipe();
        var write = SoakPayload.WriteAsync(pipe.Writer, 42, 1_000_003, CancellationToken.None);

        var errors = await SoakPayload.VerifyAsync(pipe.Reader, 42, 1_000_003, CancellationToken.None);
        await write;

        Assert.Equal(0, errors);
    }

    [Fact]
    public async Task ChangedBytes_AreCountedOneByOne()
    {
        var bytes = Payload(42, 50_000);
        bytes[10] ^= 1;
        bytes[40_000] ^= 0x80;

        Assert.Equal(2, await VerifyAsync(bytes, 42, bytes.Length));
    }

    [Fact]
    public async Task MissingAndExcessBytes_AreErrors()
    {
        var bytes = Payload(42, 50_000);

        Assert.Equal(100, await VerifyAsync(bytes[..49_900], 42, 50_000));
        Assert.Equal(5, await VerifyAsync([.. bytes, 1, 2, 3, 4, 5], 42, 50_000));
    }

    [Fact]
    public async Task ReorderedBytes_AreErrors()
    {
        var bytes = Payload(42, 50_000);
        var at = Enumerable.Range(100, 100).First(i => bytes[i] != bytes[i + 1]);
        (bytes[at], bytes[at + 1]) = (bytes[at + 1], bytes[at]);

        Assert.Equal(2, await VerifyAsync(bytes, 42, bytes.Length));
    }
}
