using Terminator.Listener;
using Terminator.Tls;

namespace Terminator.Certificates;

/// <summary>
/// The TLS step's certificate choice for the proxy route: the <see cref="CertificateMap"/> entry for the SNI (exact,
/// then wildcard; ECDSA or RSA by what the client can verify), else the default certificate when the unknown-SNI
/// policy serves one, else nothing (the step answers <c>unrecognized_name</c>). Also tells the plain-HTTP side which
/// hosts that choice would serve with a valid certificate (<see cref="IServedHostNames"/>).
/// </summary>
internal sealed class SniCertificateSelector(CertificateMap certificates, TimeProvider? timeProvider = null) : ITlsCertificateSelector, IServedHostNames
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private CertificateEntry? _defaultCertificate;

    /// <summary>Served when the SNI is missing or unknown; null refuses such handshakes. Replaced when the file is
    /// reloaded; handshakes read it once each.</summary>
    public CertificateEntry? DefaultCertificate
    {
        get => Volatile.Read(ref _defaultCertificate);
        set => Volatile.Write(ref _defaultCertificate, value);
    }

    /// <inheritdoc />
    public ITlsServerCertificate? Select(ReadOnlySpan<byte> serverName, in ClientHelloInfo hello)
    {
        if (!serverName.IsEmpty && certificates.TryGet(serverName, hello.OffersEcdsa, out CertificateEntry? entry))
        {
            return entry;
        }

        return DefaultCertificate;
    }

    /// <inheritdoc />
    public bool HasValidCertificateFor(ReadOnlySpan<byte> hostName)
    {
        if (certificates.HasValidCertificate(hostName, out bool known))
        {
            return true;
        }

        // Under TERMINATOR_UNKNOWN_SNI=default a name without a certificate of its own gets the default one, which
        // works for the names it covers (typically a wildcard); a name whose own certificates are all expired gets one
        // of those instead.
        return !known && DefaultCertificate is { } fallback && fallback.Covers(hostName) && !fallback.IsExpiredAt(_time.GetUtcNow());
    }
}
