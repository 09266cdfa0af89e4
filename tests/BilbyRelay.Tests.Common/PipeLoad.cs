using System.IO.Pipelines;

namespace BilbyRelay.Tests.Common;

/// <summary>Writers and readers that run until told to stop, for tests of backpressure and memory bounds.</summary>
public static class PipeLoad
{
    /// <summary>Writes <paramref name="chunkSize"/>-byte chunks until stopped or the stream fails; counts what each write committed.</summary>
    public static async Task WriteUntilStoppedAsync(PipeWriter output, int chunkSize, Action<long> written, CancellationToken stop)
    {
        var chunk = new byte[chunkSize];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await output.WriteAsync(chunk, stop);
                written(chunk.Length);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>Consumes everything until stopped, the end of the stream, or a failure.</summary>
    public static async Task DrainUntilStoppedAsync(PipeReader input, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(stop);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }
}
