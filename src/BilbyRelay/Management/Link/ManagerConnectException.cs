namespace BilbyRelay.Management;

/// <summary>A connection attempt failed for a reason worth showing verbatim (timeout, TLS refusal, auth).</summary>
internal sealed class ManagerConnectException : Exception
{
    public ManagerConnectException()
    {
    }

    public ManagerConnectException(string message)
        : base(message)
    {
    }

    public ManagerConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
