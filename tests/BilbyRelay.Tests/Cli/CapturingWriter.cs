using System.Text;

namespace BilbyRelay.Tests.Cli;

/// <summary>
/// A thread-safe text writer that remembers everything written and lets a test await the first
/// time the output contains some text (instead of sleeping and hoping).
/// </summary>
internal sealed class CapturingWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Append(value.ToString());

    public override void Write(string? value) => Append(value ?? string.Empty);

    public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }

    public Task WaitForAsync(string text)
    {
        lock (_text)
        {
            if (_text.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, seen));
            return seen.Task;
        }
    }

    private void Append(string value)
    {
        lock (_text)
        {
            _text.Append(value);
            var all = _text.ToString();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (all.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
