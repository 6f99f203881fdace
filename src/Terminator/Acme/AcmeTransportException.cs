namespace Terminator.Acme;

/// <summary>
/// The CA could not be reached or did not answer in time: connection refused or reset, DNS or TLS failure, a request
/// or poll that exceeded its timeout, or a server error (5xx) without a problem document. Transient by nature: back
/// off and retry; nothing about the request itself was refused.
/// </summary>
internal sealed class AcmeTransportException : AcmeException
{
    public AcmeTransportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
