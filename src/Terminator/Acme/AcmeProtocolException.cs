namespace Terminator.Acme;

/// <summary>
/// The CA answered, but not with something this client can use: malformed JSON, a missing Location or URL, a
/// challenge type it does not offer, a certificate that does not match the order. Retrying soon rarely helps.
/// </summary>
internal sealed class AcmeProtocolException : AcmeException
{
    public AcmeProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
