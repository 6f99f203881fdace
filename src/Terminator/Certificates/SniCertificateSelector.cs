using Terminator.Tls;

namespace Terminator.Certificates;

/// <summary>
/// The TLS step's certificate choice for the proxy route: the <see cref="CertificateMap"/> entry for the SNI (exact,
/// then wildcard; ECDSA or RSA by what the client can verify), else the default certificate when the unknown-SNI
/// policy serves one, else nothing (the step answers <c>unrecognized_name</c>).
/// </summary>
internal sealed class SniCertificateSelector(CertificateMap certificates) : ITlsCertificateSelector
{
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
}
