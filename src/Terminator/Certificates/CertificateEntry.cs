using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// One loaded certificate: the leaf with its private key, the names it serves and the TLS state built once from it
/// (<see cref="Context"/> and <see cref="ServerOptions"/>), so a handshake only has to look the entry up.
/// Create entries with <see cref="CertificateLoader"/>.
/// </summary>
public sealed class CertificateEntry
{
    internal CertificateEntry(
        X509Certificate2 leafWithKey,
        X509Certificate2Collection intermediates,
        IReadOnlyList<string> names,
        string source)
    {
        Certificate = leafWithKey;
        Intermediates = intermediates;
        Names = names;
        Source = source;
        NotBefore = new DateTimeOffset(leafWithKey.NotBefore.ToUniversalTime());
        NotAfter = new DateTimeOffset(leafWithKey.NotAfter.ToUniversalTime());
        KeyAlgorithm = CertificateNames.DescribeKey(leafWithKey);

        // offline: true — never fetch missing intermediates (AIA) or OCSP responses from the network while loading;
        // the operator supplies the full chain (certbot's fullchain.pem). Built once: chain building is the
        // expensive part and must not happen per handshake.
        Context = SslStreamCertificateContext.Create(leafWithKey, intermediates, offline: true);
        ServerOptions = TlsServerOptions.Create(Context);
    }

    /// <summary>Lower-case SAN DNS names ("click.shop.com", "*.shop.com"). Never taken from the file name or CN.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The leaf certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent after the leaf (the root, if present in the file, is kept here too;
    /// the context decides what goes on the wire).</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>Chain context built once by <see cref="SslStreamCertificateContext.Create(X509Certificate2, X509Certificate2Collection?, bool, SslCertificateTrust?)"/> (offline).</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>Server options built once by <see cref="TlsServerOptions.Create"/>; hand these to the handshake as is.</summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>Start of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>End of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>The file the entry was loaded from (or the caller's label for <see cref="CertificateLoader.LoadPem"/>).</summary>
    public string Source { get; }

    /// <summary>Leaf key algorithm, e.g. "ECDSA P-256" or "RSA 2048".</summary>
    public string KeyAlgorithm { get; }

    /// <summary>True when <paramref name="now"/> lies outside [<see cref="NotBefore"/>, <see cref="NotAfter"/>].</summary>
    public bool IsExpiredAt(DateTimeOffset now) => now > NotAfter || now < NotBefore;

    /// <inheritdoc />
    public override string ToString() => $"{Source} [{string.Join(", ", Names)}] {KeyAlgorithm} until {NotAfter:u}";
}
