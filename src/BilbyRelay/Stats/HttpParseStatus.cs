namespace BilbyRelay.Stats;

/// <summary>Result of one parse attempt over the bytes received so far.</summary>
internal enum HttpParseStatus : byte
{
    /// <summary>The request head is not complete yet and no limit is exceeded: read more.</summary>
    Incomplete,

    /// <summary>A full request head was parsed.</summary>
    Complete,

    /// <summary>The request is invalid or over a limit; answer with the error and close.</summary>
    Error,
}
