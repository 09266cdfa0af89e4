using System.Text.Json;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;
using Xunit;

namespace BilbyRelay.Tests.Hosting;

public sealed class LogSinkTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 31, 12, 34, 56, 789, TimeSpan.Zero);

    [Fact]
    public void Text_WritesOneLinePerEntry()
    {
        var output = new StringWriter();
        var sink = new TextLogSink(output);

        sink.Write(new LogEntry(Time, LogLevel.Warning, "config", 1102, "Warning", "first\nsecond", null));

        Assert.Equal("2026-01-31T12:34:56.789Z warn  config[1102] first\\nsecond\n", output.ToString());
    }

    [Fact]
    public void Text_ExceptionStaysOnTheLine()
    {
        var output = new StringWriter();
        var sink = new TextLogSink(output);
        var exception = CreateThrownException();

        sink.Write(new LogEntry(Time, LogLevel.Error, "hosting", 1009, "ComponentStopFailed", "failed", exception));

        var text = output.ToString();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.Contains("exception=System.InvalidOperationException: boom", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_WritesOneObjectPerLine()
    {
        var output = new StringWriter();
        var sink = new JsonLogSink(output);

        sink.Write(new LogEntry(Time, LogLevel.Information, "hosting", 1004, "Ready", "Relay \"ready\"", null));
        sink.Write(new LogEntry(Time, LogLevel.Error, "hosting", 1009, "ComponentStopFailed", "failed", CreateThrownException()));

        var lines = output.ToString().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Empty, lines[2]);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal("2026-01-31T12:34:56.789Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("info", root.GetProperty("level").GetString());
        Assert.Equal("hosting", root.GetProperty("category").GetString());
        Assert.Equal(1004, root.GetProperty("event_id").GetInt32());
        Assert.Equal("Ready", root.GetProperty("event").GetString());
        Assert.Equal("Relay \"ready\"", root.GetProperty("message").GetString());
        Assert.False(root.TryGetProperty("exception", out _));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.StartsWith("System.InvalidOperationException: boom", second.RootElement.GetProperty("exception").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_ConcurrentWriters_NeverInterleave()
    {
        var output = new StringWriter();
        var sink = new JsonLogSink(output);
        const int Writers = 8;
        const int PerWriter = 200;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                sink.Write(new LogEntry(Time, LogLevel.Information, "w" + w, i, "E", new string('x', 100), null));
            }
        })));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Writers * PerWriter, lines.Length);
        Assert.All(lines, line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public void Factory_AppliesFormatAndLevel()
    {
        var sink = LogSinkFactory.Create(LogFormat.Json, LogLevel.Warning, new StringWriter());

        Assert.IsType<JsonLogSink>(sink);
        Assert.False(sink.IsEnabled(LogLevel.Information));
        Assert.True(sink.IsEnabled(LogLevel.Warning));
        Assert.IsType<TextLogSink>(LogSinkFactory.Create(LogFormat.Text, LogLevel.Trace, new StringWriter()));
    }

    private static InvalidOperationException CreateThrownException()
    {
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }
}
