using BilbyRelay.Core.Protocol;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>The JSON header that opens a data stream, split across segments as a QUIC stream may deliver it.</summary>
internal static class DataStreamHeaderHarness
{
    public static void Run(byte[] input)
    {
        var (chunkSize, body) = ChunkedInput.Split(input);
        var header = EdgeMessageParser.ParseDataStreamHeader(ChunkedInput.AsSequence(body, chunkSize));
        if (header is not null && header.StreamType != RelayProtocol.StreamTypeTcp)
        {
            throw new InvalidOperationException("data stream header accepted a stream type other than tcp");
        }
    }
}
