namespace BilbyRelay.Quic;

/// <summary>
/// A stream that reads and writes but has no length or position (a connection): the members every such stream answers
/// the same way. Flush does nothing, for streams that send every write before it returns.
/// </summary>
internal abstract class DuplexStream : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
