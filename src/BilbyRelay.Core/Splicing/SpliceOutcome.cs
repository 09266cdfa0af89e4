namespace BilbyRelay.Core.Splicing;

/// <summary>How one direction of a splice ended, classified by which side failed (as YARP's StreamCopier does).</summary>
public enum SpliceOutcome
{
    /// <summary>The source sent FIN and it was passed on as FIN.</summary>
    Completed,

    /// <summary>Reading the source failed (peer reset, connection lost).</summary>
    InputError,

    /// <summary>Writing or flushing to the destination failed, or its reader stopped (STOP_SENDING).</summary>
    OutputError,

    /// <summary>The splice was cancelled (the other direction failed or the session ended).</summary>
    Canceled,
}
