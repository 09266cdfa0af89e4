using BilbyRelay.Stats;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// Pipelined HTTP/1.x request heads through the stats endpoint's parser, with small limits so the
/// fuzzer reaches every 4xx branch. Each complete head must consume at least one byte.
/// </summary>
internal static class HttpRequestHarness
{
    private static readonly HttpRequestParser Parser = new(
        new StatsServerOptions { ApiToken = "fuzz-token", MaxRequestLineBytes = 256, MaxHeaderBytes = 512, MaxHeaderCount = 8, MaxBodyBytes = 4096 },
        new BearerTokenVerifier("fuzz-token"));

    public static void Run(byte[] input)
    {
        var (chunkSize, body) = ChunkedInput.Split(input);
        var buffer = ChunkedInput.AsSequence(body, chunkSize);
        while (true)
        {
            var status = Parser.TryParse(buffer, out var consumed, out var head, out var error);
            if (status == HttpParseStatus.Error)
            {
                if (error.StatusCode is < 400 or > 599)
                {
                    throw new InvalidOperationException($"http: error status {error.StatusCode}");
                }

                return;
            }

            if (status != HttpParseStatus.Complete)
            {
                return;
            }

            var rest = buffer.Slice(consumed);
            if (rest.Length >= buffer.Length || head.ContentLength < 0 || head.ContentLength > 4096)
            {
                throw new InvalidOperationException("http: complete head consumed nothing or has an out-of-range length");
            }

            buffer = rest.Slice(Math.Min(head.ContentLength, rest.Length));
        }
    }
}
