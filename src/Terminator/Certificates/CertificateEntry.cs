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

    }

    private TlsState? _tls;

    /// <summary>
    /// The chain context, built on first use and then kept: with 10,000 certificates, building every context at
    /// start-up was ~60% of a 23 s start (bench/macro.sh), while most names see no handshake for minutes.
    /// </summary>
    public SslStreamCertificateContext Context => Tls.Context;

    /// <summary>Server options over <see cref="Context"/>, built with it, never per handshake.</summary>
    public SslServerAuthenticationOptions ServerOptions => Tls.Options;

    /// <summary>True once the context exists (for tests and memory accounting).</summary>
    public bool IsMaterialized => Volatile.Read(ref _tls) is not null;

    private TlsState Tls => Volatile.Read(ref _tls) ?? Materialize();

    private TlsState Materialize()
    {
        // offline: true — never fetch missing intermediates (AIA) or OCSP responses from the network;
        // the operator supplies the full chain (certbot's fullchain.pem). Pure CPU (~1-2 ms), once per entry;
        // two first handshakes racing may both build one, and the first published wins.
        var context = SslStreamCertificateContext.Create(Certificate, Intermediates, offline: true);
        var state = new TlsState(context, TlsServerOptions.Create(context));
        return Interlocked.CompareExchange(ref _tls, state, null) ?? state;
    }

    private sealed record TlsState(SslStreamCertificateContext Context, SslServerAuthenticationOptions Options);

    /// <summary>Lower-case SAN DNS names ("click.shop.com", "*.shop.com"). Never taken from the file name or CN.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The leaf certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent after the leaf (the root, if present in the file, is kept here too;
    /// the context decides what goes on the wire).</summary>
    public X509Certificate2Collection Intermediates { get; }

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
