namespace BilbyRelay.Tests.Common;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempFilesDirectory : IDisposable
{
    public TempFilesDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bilbyrelay-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="content"/> to a file in this directory and returns its full path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open by a child process must not fail the test run.
        }
    }
}
