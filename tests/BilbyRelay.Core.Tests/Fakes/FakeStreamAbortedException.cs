namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>What the fake transport throws where QUIC would report a reset, STOP_SENDING or a lost connection.</summary>
internal sealed class FakeStreamAbortedException : IOException
{
    public FakeStreamAbortedException(long errorCode)
        : base("stream aborted with code " + errorCode)
    {
        ErrorCode = errorCode;
    }

    public long ErrorCode { get; }
}
