using System.Buffers;
using System.Text;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Protocol;

public class EdgeMessageParserTests
{
    private const string Id = "6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6";

    [Fact]
    public void Hello_Parsed()
    {
        var hello = Assert.IsType<HelloMessage>(Known("""{"type":"hello","protocol_version":2,"software_version":"1.4.0"}"""));
        Assert.Equal(2u, hello.ProtocolVersion);
        Assert.Equal("1.4.0", hello.SoftwareVersion);
    }

    [Fact]
    public void Identify_Parsed()
    {
        var identify = Assert.IsType<IdentifyMessage>(Known("""{"type":"identify","edge_id":"node-7"}"""));
        Assert.Equal("node-7", identify.EdgeId);
    }

    [Fact]
    public void TunnelBind_ParsedWithAndWithoutToken()
    {
        var bind = Assert.IsType<TunnelBindMessage>(Known($$"""{"type":"tunnel_bind","tunnel_id":"{{Id}}","direction":"egress","protocol":"tcp","bind_token":"ab12"}"""));
        Assert.Equal(TunnelId.Parse(Id), bind.TunnelId);
        Assert.Equal(TunnelDirection.Egress, bind.Direction);
        Assert.Equal(TunnelProtocol.Tcp, bind.Protocol);
        Assert.Equal("ab12", bind.BindToken);

        var plain = Assert.IsType<TunnelBindMessage>(Known($$"""{"type":"tunnel_bind","tunnel_id":"{{Id}}","direction":"ingress","protocol":"udp"}"""));
        Assert.Equal(TunnelDirection.Ingress, plain.Direction);
        Assert.Equal(TunnelProtocol.Udp, plain.Protocol);
        Assert.Null(plain.BindToken);
    }

    [Fact]
    public void UnbindAndPing_Parsed()
    {
        var unbind = Assert.IsType<TunnelUnbindMessage>(Known($$"""{"type":"tunnel_unbind","tunnel_id":"{{Id}}"}"""));
        Assert.Equal(TunnelId.Parse(Id), unbind.TunnelId);
        Assert.IsType<PingMessage>(Known("""{"type":"ping"}"""));
    }

    [Fact]
    public void ExtraFields_Ignored()
    {
        var message = Known($$"""{"extra":{"nested":[1,2,{"type":"x"}]},"type":"tunnel_unbind","tunnel_id":"{{Id}}","future":true}""");
        Assert.IsType<TunnelUnbindMessage>(message);
    }

    [Theory]
    [InlineData("""{"type":"tunnel_migrate","tunnel_id":"x"}""")]
    [InlineData("""{"kind":"ping"}""")]
    [InlineData("""{"type":7}""")]
    public void UnknownOrMissingType_IsUnknown(string json) =>
        Assert.Equal(EdgeMessageParseStatus.UnknownType, Parse(json).Status);

    [Theory]
    [InlineData("{\"type\":\"ping\"")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    [InlineData("""{"type":"hello","protocol_version":"one","software_version":"x"}""")]
    [InlineData("""{"type":"hello","software_version":"x"}""")]
    [InlineData("""{"type":"identify"}""")]
    [InlineData("""{"type":"tunnel_bind","tunnel_id":"not-a-uuid","direction":"ingress","protocol":"udp"}""")]
    [InlineData("""{"type":"tunnel_bind","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","direction":"sideways","protocol":"udp"}""")]
    [InlineData("""{"type":"tunnel_bind","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","direction":"ingress","protocol":"sctp"}""")]
    [InlineData("""{"type":"tunnel_bind","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","direction":0,"protocol":"udp"}""")]
    [InlineData("""{"type":"tunnel_unbind","tunnel_id":12}""")]
    public void Malformed_IsReportedNotThrown(string json) =>
        Assert.Equal(EdgeMessageParseStatus.Malformed, Parse(json).Status);

    [Fact]
    public void ReadTypeName_ReturnsTheType() =>
        Assert.Equal("tunnel_migrate", EdgeMessageParser.ReadTypeName(Seq("""{"a":1,"type":"tunnel_migrate"}""")));

    [Fact]
    public void ReadTypeName_TypeThatIsNotUtf8_IsNamedInvalidInsteadOfThrowing()
    {
        // Found by the control-frames fuzz harness: GetString threw InvalidOperationException on this type.
        byte[] bytes = [.. "{\"type\":\""u8, 0xDF, 0xFF, .. "\"}"u8];
        var json = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(EdgeMessageParseStatus.UnknownType, EdgeMessageParser.Parse(json).Status);
        Assert.Equal(EdgeMessageParser.InvalidTypeName, EdgeMessageParser.ReadTypeName(json));
    }

    [Fact]
    public void DataStreamHeader_Parsed()
    {
        var header = EdgeMessageParser.ParseDataStreamHeader(Seq($$"""{"tunnel_id":"{{Id}}","stream_type":"tcp"}"""));
        Assert.NotNull(header);
        Assert.Equal(TunnelId.Parse(Id), header.TunnelId);
    }

    [Theory]
    [InlineData("""{"tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","stream_type":"udp"}""")]
    [InlineData("""{"tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6"}""")]
    [InlineData("""{"tunnel_id":"nope","stream_type":"tcp"}""")]
    [InlineData("""{"tunnel_id":""")]
    public void DataStreamHeader_InvalidIsNull(string json) =>
        Assert.Null(EdgeMessageParser.ParseDataStreamHeader(Seq(json)));

    [Fact]
    public void Parse_AcrossSegments()
    {
        const string json = """{"type":"identify","edge_id":"split-across-segments"}""";
        var result = EdgeMessageParser.Parse(TwoSegments(json[..10], json[10..]));
        Assert.Equal("split-across-segments", Assert.IsType<IdentifyMessage>(result.Message).EdgeId);
    }

    [Theory]
    [InlineData("t", "")]
    [InlineData("", "t")]
    [InlineData("tr", "u")]
    [InlineData("n", "ul")]
    [InlineData("f", "als")]
    [InlineData("{\"type\":t", "r")]
    public void TruncatedLiteralAcrossSegments_IsMalformed(string first, string second)
    {
        // Utf8JsonReader's multi-segment path throws IndexOutOfRangeException, not JsonException, for a literal cut
        // short at the end of a multi-segment input (found by fuzzing the control stream): such a frame must be
        // skipped as malformed like any other, not end the edge's control stream.
        var json = TwoSegments(first, second);
        Assert.Equal(EdgeMessageParseStatus.Malformed, EdgeMessageParser.Parse(json).Status);
        Assert.Null(EdgeMessageParser.ReadTypeName(json));
        Assert.Null(EdgeMessageParser.ParseDataStreamHeader(json));
    }

    private static ReadOnlySequence<byte> TwoSegments(string first, string second)
    {
        var head = new Segment(Encoding.UTF8.GetBytes(first));
        var tail = head.Append(Encoding.UTF8.GetBytes(second));
        return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
    }

    private static EdgeMessage Known(string json)
    {
        var result = Parse(json);
        Assert.Equal(EdgeMessageParseStatus.Known, result.Status);
        return result.Message!;
    }

    private static EdgeMessageParseResult Parse(string json) => EdgeMessageParser.Parse(Seq(json));

    private static ReadOnlySequence<byte> Seq(string json) => new(Encoding.UTF8.GetBytes(json));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
