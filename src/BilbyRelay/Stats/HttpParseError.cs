namespace BilbyRelay.Stats;

/// <summary>Why a request could not be parsed: the status to answer with and the JSON error text. The connection closes after it.</summary>
internal readonly record struct HttpParseError(int StatusCode, string Message);
