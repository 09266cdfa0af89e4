namespace BilbyRelay.Quic;

/// <summary>How <see cref="QuicStream.SpliceInputToAsync"/> ended.</summary>
public enum QuicSpliceEnd
{
    /// <summary>The source's FIN arrived: every byte was moved and the target's output was completed (FIN).</summary>
    Finished,

    /// <summary>The source stream was reset, or its connection ended, before its FIN.</summary>
    InputFailed,

    /// <summary>The target stream can take no more bytes: its peer sent STOP_SENDING, or it or its connection ended.</summary>
    OutputFailed,

    /// <summary>The cancellation token fired, or the source's input was completed or aborted locally.</summary>
    Canceled,
}
