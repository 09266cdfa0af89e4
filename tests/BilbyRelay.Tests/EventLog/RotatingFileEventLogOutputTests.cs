using System.Text;
using BilbyRelay.Core.Events;
using BilbyRelay.EventLog;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.EventLog;

/// <summary>Size rotation of the event log file, with a threshold of a few bytes so no large files are needed.</summary>
public sealed class RotatingFileEventLogOutputTests : IDisposable
{
    private static readonly RelayEvent AnyEvent = new(EventSeverity.Info, EventCategory.Edge, "x", null, null, DateTimeOffset.UnixEpoch);
    private readonly TempFilesDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void LinesAppendUntilTheNextWouldPassTheLimit_ThenTheFileRotates()
    {
        var path = Path.Combine(_directory.Path, "events.json");
        using (var output = new RotatingFileEventLogOutput(path, maxBytes: 20, maxBackups: 3))
        {
            Write(output, "aaaaaaaa"); // 9 bytes with its line feed
            Write(output, "bbbbbbbb"); // 18: still fits
            Write(output, "cccccccc"); // 27 would pass 20: rotate first
        }

        Assert.Equal("cccccccc\n", File.ReadAllText(path));
        Assert.Equal("aaaaaaaa\nbbbbbbbb\n", File.ReadAllText(path + ".1"));
        Assert.False(File.Exists(path + ".2"));
    }

    [Fact]
    public void BackupsShiftUpAndTheOldestBeyondMaxBackupsIsDeleted()
    {
        var path = Path.Combine(_directory.Path, "events.json");
        using (var output = new RotatingFileEventLogOutput(path, maxBytes: 5, maxBackups: 2))
        {
            foreach (var line in new[] { "1111", "2222", "3333", "4444" })
            {
                Write(output, line); // each line fills the file, so every next line rotates
            }
        }

        Assert.Equal("4444\n", File.ReadAllText(path));
        Assert.Equal("3333\n", File.ReadAllText(path + ".1"));
        Assert.Equal("2222\n", File.ReadAllText(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
    }

    [Fact]
    public void ALineLargerThanTheLimit_IsWrittenWholeInItsOwnFile()
    {
        var path = Path.Combine(_directory.Path, "events.json");
        using (var output = new RotatingFileEventLogOutput(path, maxBytes: 4, maxBackups: 1))
        {
            Write(output, "long line");
            Write(output, "next");
        }

        Assert.Equal("next\n", File.ReadAllText(path));
        Assert.Equal("long line\n", File.ReadAllText(path + ".1"));
    }

    [Fact]
    public void ZeroBackups_StartsAFreshFileAndKeepsNone()
    {
        var path = Path.Combine(_directory.Path, "events.json");
        using (var output = new RotatingFileEventLogOutput(path, maxBytes: 5, maxBackups: 0))
        {
            Write(output, "old1");
            Write(output, "new1");
        }

        Assert.Equal("new1\n", File.ReadAllText(path));
        Assert.Equal(["events.json"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AnExistingFileIsAppendedTo_AndCountsTowardsTheLimit()
    {
        var path = _directory.WriteFile("events.json", "earlier\n");
        using (var output = new RotatingFileEventLogOutput(path, maxBytes: 12, maxBackups: 1))
        {
            Write(output, "abc"); // 8 + 4 = 12 fits exactly
            Write(output, "d");
        }

        Assert.Equal("earlier\nabc\n", File.ReadAllText(path + ".1"));
        Assert.Equal("d\n", File.ReadAllText(path));
    }

    private static void Write(RotatingFileEventLogOutput output, string line) => output.Write(AnyEvent, Encoding.UTF8.GetBytes(line));
}
