namespace BilbyRelay.Management.Credentials;

/// <summary>Credentials could not be written; <see cref="Exception.Message"/> says why and is shown to operators verbatim.</summary>
internal sealed class CredentialPersistenceException : Exception
{
    public CredentialPersistenceException()
    {
    }

    public CredentialPersistenceException(string message)
        : base(message)
    {
    }

    public CredentialPersistenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
