using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>
/// Appends lines to a file and rotates it by size: before a line would take the file past <c>maxBytes</c>, the file
/// becomes <c>path.1</c>, <c>path.1</c> becomes <c>path.2</c>, and so on; beyond <c>maxBackups</c> the oldest is deleted.
/// A line is never split across files. Each line is flushed so <c>tail -F</c> and collectors see it at once.
/// </summary>
internal sealed class RotatingFileEventLogOutput : IEventLogOutput
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _maxBackups;
    private FileStream _file;

    public RotatingFileEventLogOutput(string path, long maxBytes, int maxBackups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBackups);
        _path = path;
        _maxBytes = maxBytes;
        _maxBackups = maxBackups;
        _file = Open(path);
    }

    public void Write(RelayEvent relayEvent, ReadOnlySpan<byte> json)
    {
        var lineLength = json.Length + 1;
        if (_file.Length > 0 && _file.Length + lineLength > _maxBytes)
        {
            Rotate();
        }

        _file.Write(json);
        _file.WriteByte((byte)'\n');
        _file.Flush();
    }

    public void Dispose() => _file.Dispose();

    private void Rotate()
    {
        _file.Dispose();
        if (_maxBackups == 0)
        {
            File.Delete(_path);
        }
        else
        {
            File.Delete(Backup(_maxBackups));
            for (var i = _maxBackups - 1; i >= 1; i--)
            {
                if (File.Exists(Backup(i)))
                {
                    File.Move(Backup(i), Backup(i + 1), overwrite: true);
                }
            }

            File.Move(_path, Backup(1), overwrite: true);
        }

        _file = Open(_path);
    }

    private string Backup(int index) => _path + "." + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // The buffer holds a line and its line feed until Flush, so a reader never sees a line without its end.
    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
}
