namespace Terminator.Certificates;

/// <summary>Whether handshakes for a <see cref="CertificateEntry"/> carry a stapled OCSP response, and if not, why.</summary>
/// <remarks>One byte: every <see cref="CertificateEntry"/> holds one, a million of them at scale.</remarks>
internal enum OcspStaplingState : byte
{
    /// <summary>Stapling was not asked for (<c>TERMINATOR_OCSP_STAPLING=off</c>, or a map built without it): the
    /// context is built offline, and no responder is ever contacted.</summary>
    NotRequested,

    /// <summary>The leaf names no <c>http://</c> OCSP responder in its AIA extension (Let's Encrypt certificates since
    /// 2025, for example): nothing to staple, the context is built offline.</summary>
    NoResponder,

    /// <summary>The leaf names a responder, but its chain does not reach a root with the certificates at hand (the
    /// file's chain plus the system trust store). SslStream staples only for a complete chain, and completing it would
    /// mean AIA downloads; the context is built offline and nothing is stapled.</summary>
    IncompleteChain,

    /// <summary>The context was built with OCSP enabled: SslStream fetches the response in the background and staples
    /// it once it has one (see <see cref="CertificateEntry.EnableOcspStapling"/>).</summary>
    Enabled,
}
