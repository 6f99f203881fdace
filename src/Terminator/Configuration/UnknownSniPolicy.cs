namespace Terminator.Configuration;

/// <summary>What to do with a TLS ClientHello whose SNI matches no loaded certificate (or carries no SNI).</summary>
internal enum UnknownSniPolicy
{
    /// <summary>Abort the handshake (TLS alert); nothing is served for names we do not own.</summary>
    Reject,

    /// <summary>Complete the handshake with <see cref="TerminatorOptions.DefaultCertificatePath"/>.</summary>
    Default,
}
