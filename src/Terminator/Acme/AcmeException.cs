namespace Terminator.Acme;

/// <summary>
/// Any failure of an ACME operation other than the caller's cancellation. Three kinds, so a scheduler can decide what
/// to do: <see cref="AcmeProblemException"/> (the CA answered with a problem document: it refused, or a challenge
/// failed), <see cref="AcmeTransportException"/> (the CA could not be reached or did not answer in time: back off and
/// retry), <see cref="AcmeProtocolException"/> (the CA answered something this client cannot use). Messages are one
/// line an operator can read, and never contain key material.
/// </summary>
internal abstract class AcmeException : Exception
{
    protected AcmeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>How long the CA asked to wait before trying again (its Retry-After header), if it said.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
