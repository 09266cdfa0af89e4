using System.Text;
using System.Text.Json;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Core.Tests.Tunnels;

public class TunnelIdTests
{
    private const string Text = "6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6";

    [Fact]
    public void Parse_FormatsBackLowercaseHyphenated()
    {
        Assert.Equal(Text, TunnelId.Parse(Text.ToUpperInvariant()).ToString());
    }

    [Fact]
    public void Parse_GivesRfc4122BigEndianHalves()
    {
        var id = TunnelId.Parse(Text);
        Assert.Equal(0x6f1c2a4e8b3d4c5eUL, id.High);
        Assert.Equal(0x9f60718293a4b5c6UL, id.Low);
    }

    [Fact]
    public void FromBytes_MatchesTextForm()
    {
        byte[] wire = Convert.FromHexString("6f1c2a4e8b3d4c5e9f60718293a4b5c6");
        Assert.Equal(TunnelId.Parse(Text), TunnelId.FromBytes(wire));

        var back = new byte[16];
        TunnelId.Parse(Text).WriteBytes(back);
        Assert.Equal(wire, back);
    }

    [Fact]
    public void FromBytes_ReadsOnlyThePrefix()
    {
        byte[] datagram = [.. Convert.FromHexString("6f1c2a4e8b3d4c5e9f60718293a4b5c6"), 1, 2, 3];
        Assert.Equal(TunnelId.Parse(Text), TunnelId.FromBytes(datagram));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    [InlineData("6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c")]
    [InlineData("6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6x")]
    public void TryParse_RejectsNonUuids(string text)
    {
        Assert.False(TunnelId.TryParse(text, out _));
        Assert.False(TunnelId.TryParse(Encoding.UTF8.GetBytes(text).AsSpan(), out _));
    }

    [Fact]
    public void TryParseUtf8_AcceptsUuid()
    {
        Assert.True(TunnelId.TryParse("6F1C2A4E-8B3D-4C5E-9F60-718293A4B5C6"u8, out var id));
        Assert.Equal(TunnelId.Parse(Text), id);
    }

    [Fact]
    public void Equality_ByValue()
    {
        Assert.Equal(TunnelId.Parse(Text), new TunnelId(0x6f1c2a4e8b3d4c5eUL, 0x9f60718293a4b5c6UL));
        Assert.NotEqual(TunnelId.Parse(Text), new TunnelId(0x6f1c2a4e8b3d4c5eUL, 0x9f60718293a4b5c7UL));
        Assert.Equal(TunnelId.Parse(Text).GetHashCode(), new TunnelId(0x6f1c2a4e8b3d4c5eUL, 0x9f60718293a4b5c6UL).GetHashCode());
    }

    [Fact]
    public void FromBytes_AllocatesNothing()
    {
        byte[] wire = Convert.FromHexString("6f1c2a4e8b3d4c5e9f60718293a4b5c6");
        ulong sink = TunnelId.FromBytes(wire).Low;
        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink ^= TunnelId.FromBytes(wire).High + (ulong)TunnelId.FromBytes(wire).GetHashCode();
                TunnelId.TryParse("6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6"u8, out var parsed);
                sink ^= parsed.Low;
            }
        });

        Assert.Equal(0, allocated);
        Assert.NotEqual(0UL, sink | 1);
    }

    [Fact]
    public void Json_RoundTripsThroughConverter()
    {
        var converter = new TunnelIdJsonConverter();
        var reader = new Utf8JsonReader("\"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6\""u8);
        reader.Read();
        var id = converter.Read(ref reader, typeof(TunnelId), JsonSerializerOptions.Default);
        Assert.Equal(TunnelId.Parse(Text), id);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            converter.Write(writer, id, JsonSerializerOptions.Default);
        }

        Assert.Equal("\"" + Text + "\"", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Json_TooLongStringIsJsonException()
    {
        var converter = new TunnelIdJsonConverter();
        byte[] json = Encoding.UTF8.GetBytes("\"" + new string('a', 500) + "\"");
        Assert.Throws<JsonException>(() =>
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            converter.Read(ref reader, typeof(TunnelId), JsonSerializerOptions.Default);
        });
    }
}
