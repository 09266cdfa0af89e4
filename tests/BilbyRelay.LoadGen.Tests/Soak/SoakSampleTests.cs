using BilbyRelay.LoadGen;

namespace BilbyRelay.LoadGen.Tests.Soak;

public sealed class SoakSampleTests
{
    private static SoakResult ResultWith(params SoakSample[] samples)
    {
        var result = new SoakResult
        {
            Config = new SoakConfig { RelayBinary = "bilbyrelay", Duration = TimeSpan.FromMinutes(1), ResultsDirectory = "unused" },
            StartedUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        };
        result.Samples.AddRange(samples);
        return result;
    }

    private static readonly SoakSample s_sample = new()
    {
        Seconds = 12.5,
        RssMiB = 41.25,
        Fds = 23,
        Threads = 19,
        CpuPercent = 8.5,
        EdgesConnected = 10,
        TunnelsTotal = 12,
        TcpStreamsActive = 1,
        BufferedBytes = 65536,
        BytesForwardedTotal = 123456789,
        GcHeapMiB = 3.5,
    };

    [Fact]
    public void ResultsJson_ReadsBackEverySample()
    {
        var second = s_sample with { Seconds = 17.5, RssMiB = 42 };
        var json = SoakResults.ToJson(ResultWith(s_sample, second));

        var samples = SoakSample.ReadAll(json);

        Assert.Equal([s_sample, second], samples);
    }

    [Fact]
    public void ResultsJson_ReadsBackFiguresNotesAndVerdict()
    {
        var result = ResultWith(s_sample);
        result.Notes.Add("a note");

        var recorded = SoakResults.Read(SoakResults.ToJson(result));

        Assert.Equal("2026-01-02T03:04:05Z", recorded.StartedUtc);
        Assert.False(recorded.Passed);
        Assert.Equal(1, recorded.Figures["samples"]);
        Assert.Equal(123456789, recorded.Figures["relay_bytes_forwarded"]);
        Assert.Equal(["a note"], recorded.Notes);
        Assert.Equal([s_sample], recorded.Samples);
    }

    [Fact]
    public void RecordedRun_IsJudgedAgainFromItsCountsAndSamples()
    {
        var result = ResultWith([.. Enumerable.Range(0, 100).Select(i => s_sample with { Seconds = i * 5.0 })]);
        result.CleanupSeconds = 4;
        var json = SoakResults.ToJson(result);

        Assert.True(result.Passed);
        Assert.True(SoakResults.Read(json).PassesNow);
        Assert.False(SoakResults.Read(json.Replace("\"byte_errors\": 0", "\"byte_errors\": 5", StringComparison.Ordinal)).PassesNow);
        Assert.False(SoakResults.Read(json.Replace("\"cleanup_seconds\": 4", "\"cleanup_seconds\": null", StringComparison.Ordinal)).PassesNow);
    }

    [Fact]
    public void Csv_HasTheColumnsAndOneLinePerSample()
    {
        var lines = SoakSample.ToCsv([s_sample]).TrimEnd('\n').Split('\n');

        Assert.Equal("seconds,rss_mib,fds,threads,cpu_pct,edges_connected,tunnels_total,tcp_streams_active,buffered_bytes,bytes_forwarded_total,gc_heap_mib", lines[0]);
        Assert.Equal("12.5,41.25,23,19,8.5,10,12,1,65536,123456789,3.5", lines[1]);
    }

    [Fact]
    public void SampleWrittenBeforeTheGcHeapWasSampled_ReadsWithoutIt()
    {
        var samples = SoakSample.ReadAll("""
            {"samples":[{"seconds":1,"rss_mib":2,"fds":3,"threads":4,"cpu_pct":5,"edges_connected":6,"tunnels_total":7,
              "tcp_streams_active":8,"buffered_bytes":9,"bytes_forwarded_total":10}]}
            """);

        Assert.Equal(2, Assert.Single(samples).RssMiB);
        Assert.True(double.IsNaN(samples[0].GcHeapMiB));
    }

    [Fact]
    public void ResultsJson_WithoutSamples_IsAClearError()
    {
        var error = Assert.Throws<FormatException>(() => SoakSample.ReadAll("""{"figures":{}}"""));

        Assert.Contains("samples", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleMissingAField_IsAClearError()
    {
        var error = Assert.Throws<FormatException>(() => SoakSample.ReadAll("""{"samples":[{"seconds":1,"rss_mib":2}]}"""));

        Assert.Contains("fds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryFiveMinutes_TakesTheFirstSampleOfEachAndTheLast()
    {
        var samples = Enumerable.Range(0, 14).Select(i => s_sample with { Seconds = i * 60.0 }).ToList();

        var picked = SoakResults.EveryFiveMinutes(samples).Select(s => s.Seconds / 60).ToList();

        Assert.Equal([0, 5, 10, 13], picked);
    }
}
