namespace BilbyRelay.Quic;

/// <summary>Flow-control credit held back while a memory budget is under pressure; the loop grants it once usage falls.</summary>
internal interface IWithheldCredit
{
    /// <summary>Loop thread: grants what was held back; false while the budget is still under pressure.</summary>
    bool TryGrantWithheldCredit();
}
