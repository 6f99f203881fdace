using System.Net.Security;
using Terminator.Listener;

namespace Terminator.Tls;

/// <summary>A certificate the TLS step can serve: its prebuilt server options and the names it covers.</summary>
internal interface ITlsServerCertificate : IServerCertificateNames
{
    /// <summary>Where the certificate comes from (a file path or store entry), for log lines; never key material.</summary>
    string Source { get; }

    /// <summary>True for an ECDSA key, false for RSA (the key family a completed handshake is counted under).</summary>
    bool IsEcdsa { get; }

    /// <summary>True when the server options are built, so <see cref="GetServerOptionsAsync"/> returns them at once (a
    /// certificate cache hit); false when it will load them first.</summary>
    bool IsMaterialized { get; }

    /// <summary>
    /// The options for <see cref="SslStream.AuthenticateAsServerAsync(SslServerAuthenticationOptions, CancellationToken)"/>;
    /// synchronous and allocation-free when they are already built. Throws when the certificate cannot be loaded (its
    /// file gone or tampered with since it was indexed): the TLS step then refuses the handshake with an alert.
    /// </summary>
    ValueTask<SslServerAuthenticationOptions> GetServerOptionsAsync(CancellationToken cancellationToken);
}
