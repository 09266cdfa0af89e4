using System.Buffers;
using System.Text;
using BilbyRelay.Stats;
using Xunit;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Stats;

/// <summary>The request-head parser in isolation, including heads split across buffer segments.</summary>
public sealed class HttpRequestParserTests
{
    private static readonly HttpRequestParser s_parser = new(new StatsServerOptions { ApiToken = "tok" }, new BearerTokenVerifier("tok"));

    [Fact]
    public void TryParse_CompleteHead_FillsEveryField()
    {
        ReadOnlySequence<byte> buffer = Sequence("DELETE /api/v1/tunnels/6f1c2a4e-9b7d-4c1e-8a2f-0123456789ab HTTP/1.1\r\nAuthorization: Bearer tok\r\nContent-Length: 3\r\n\r\nabc");

        HttpParseStatus status = s_parser.TryParse(buffer, out SequencePosition consumed, out HttpRequestHead head, out _);

        Assert.Equal(HttpParseStatus.Complete, status);
        Assert.Equal(HttpMethodKind.Delete, head.Method);
        Assert.Equal(StatsRoute.TunnelById, head.Route);
        Assert.True(head.TunnelIdValid);
        Assert.Equal(Guid.Parse("6f1c2a4e-9b7d-4c1e-8a2f-0123456789ab"), head.TunnelId);
        Assert.True(head.IsHttp11);
        Assert.True(head.KeepAlive);
        Assert.Equal(3, head.ContentLength);
        Assert.Equal(AuthorizationOutcome.Valid, head.Authorization);
        Assert.Equal(3, buffer.Slice(consumed).Length);
    }

    [Fact]
    public void TryParse_HeadSplitAcrossSegments_IsComplete()
    {
        ReadOnlySequence<byte> buffer = Sequence("GET /met", "rics HTTP/1.0\r\nConnec", "tion: Keep-Alive\r", "\n\r\n");

        HttpParseStatus status = s_parser.TryParse(buffer, out SequencePosition consumed, out HttpRequestHead head, out _);

        Assert.Equal(HttpParseStatus.Complete, status);
        Assert.Equal(StatsRoute.Metrics, head.Route);
        Assert.False(head.IsHttp11);
        Assert.True(head.KeepAlive);
        Assert.Equal(AuthorizationOutcome.Missing, head.Authorization);
        Assert.True(buffer.Slice(consumed).IsEmpty);
    }

    [Theory]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /health HTTP/1.1\r\n")]
    [InlineData("GET /heal")]
    [InlineData("")]
    public void TryParse_PartialHead_IsIncomplete(string text)
    {
        Assert.Equal(HttpParseStatus.Incomplete, s_parser.TryParse(Sequence(text), out _, out _, out _));
    }

    [Theory]
    [InlineData("Connection: close", false)]
    [InlineData("Connection: keep-alive, Upgrade", true)]
    [InlineData("Connection: Upgrade, CLOSE", false)]
    public void TryParse_ConnectionHeader_DecidesKeepAlive(string header, bool keepAlive)
    {
        s_parser.TryParse(Sequence($"GET /health HTTP/1.1\r\n{header}\r\n\r\n"), out _, out HttpRequestHead head, out _);

        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void TryParse_WrongToken_IsInvalid()
    {
        s_parser.TryParse(Sequence("GET /metrics HTTP/1.1\r\nAuthorization: Bearer tok2\r\n\r\n"), out _, out HttpRequestHead head, out _);

        Assert.Equal(AuthorizationOutcome.Invalid, head.Authorization);
    }

    [Fact]
    public void TryParse_TunnelIdThatIsNotAUuid_IsRoutedButInvalid()
    {
        s_parser.TryParse(Sequence("DELETE /api/v1/tunnels/xyz HTTP/1.1\r\n\r\n"), out _, out HttpRequestHead head, out _);

        Assert.Equal(StatsRoute.TunnelById, head.Route);
        Assert.False(head.TunnelIdValid);
    }

    [Fact]
    public void TryParse_HeaderBlockOverLimitWithoutEnd_FailsEarly()
    {
        var parser = new HttpRequestParser(new StatsServerOptions { MaxHeaderBytes = 100 }, new BearerTokenVerifier(null));

        HttpParseStatus status = parser.TryParse(Sequence("GET / HTTP/1.1\r\nX: " + new string('a', 200)), out _, out _, out HttpParseError error);

        Assert.Equal(HttpParseStatus.Error, status);
        Assert.Equal(431, error.StatusCode);
    }

    [Fact]
    public void TryParse_TypicalRequest_AllocatesNothing()
    {
        ReadOnlySequence<byte> buffer = Sequence("GET /metrics HTTP/1.1\r\nHost: relay:4480\r\nUser-Agent: Prometheus/2.42\r\nAccept: text/plain\r\nAuthorization: Bearer tok\r\nConnection: keep-alive\r\n\r\n");
        s_parser.TryParse(buffer, out _, out _, out _);

        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                s_parser.TryParse(buffer, out _, out _, out _);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Verifier_WithoutConfiguredToken_RejectsEverything()
    {
        var verifier = new BearerTokenVerifier("");

        Assert.False(verifier.IsConfigured);
        Assert.False(verifier.Verify("Bearer "u8));
    }

    [Theory]
    [InlineData("Bearer tok", true)]
    [InlineData("BEARER tok", true)]
    [InlineData("Bearer  tok", true)]
    [InlineData("Bearer tok ", false)]
    [InlineData("Bearertok", false)]
    [InlineData("Bearer to", false)]
    [InlineData("Bearer tokk", false)]
    [InlineData("tok", false)]
    public void Verifier_ComparesSchemeAndToken(string value, bool expected)
    {
        Assert.Equal(expected, new BearerTokenVerifier("tok").Verify(Encoding.ASCII.GetBytes(value)));
    }

    private static ReadOnlySequence<byte> Sequence(params string[] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(parts[0]));
        }

        var first = new Segment(Encoding.ASCII.GetBytes(parts[0]), 0);
        Segment last = first;
        foreach (string part in parts.Skip(1))
        {
            last = last.Append(Encoding.ASCII.GetBytes(part));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
