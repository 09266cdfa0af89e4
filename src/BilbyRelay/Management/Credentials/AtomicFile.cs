namespace BilbyRelay.Management.Credentials;

/// <summary>
/// Replaces a file's content so that a crash leaves either the old or the new file, never a torn
/// one: write a temporary file in the same directory, fsync it, then rename it over the target.
/// The target's Unix permission bits are copied to the new file (a config holding secrets is
/// usually 0600 and must stay so); a new file gets <c>modeIfNew</c> from the moment it is created.
/// </summary>
internal static class AtomicFile
{
    public static void Replace(string path, ReadOnlySpan<byte> content, UnixFileMode? modeIfNew = null)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new IOException($"{path} has no directory");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.Exists(fullPath) ? File.GetUnixFileMode(fullPath) : modeIfNew;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (mode is { } createMode && !OperatingSystem.IsWindows())
        {
            // Created with the final bits (minus umask, restored below), so a secret is never readable by others in between.
            options.UnixCreateMode = createMode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } unixMode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, unixMode);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temporary file is harmless and named so operators recognise it.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: the directory refused the write in the first place.
        }
    }
}
