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
        OcspResponder = FindOcspResponder(leafWithKey);
    }

    private TlsState? _tls;
    private volatile OcspStaplingState _ocspStapling;

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
        // two first handshakes racing may both build one, and the first published wins. Entries that staple OCSP
        // never get here: EnableOcspStapling built their context before they were published.
        var context = SslStreamCertificateContext.Create(Certificate, Intermediates, offline: true);
        var state = new TlsState(context, TlsServerOptions.Create(context));
        return Interlocked.CompareExchange(ref _tls, state, null) ?? state;
    }

    /// <summary>The first <c>http://</c> OCSP responder named in the leaf's Authority Information Access extension, or
    /// null. Only http counts: it is all SslStream fetches from (RFC 6960 §A.1 GET; https would need OCSP to check the
    /// responder's own certificate).</summary>
    public string? OcspResponder { get; }

    /// <summary>Whether handshakes carry a stapled OCSP response; <see cref="OcspStaplingState.NotRequested"/> until
    /// <see cref="EnableOcspStapling"/> has run.</summary>
    public OcspStaplingState OcspStapling => _ocspStapling;

    /// <summary>One line for the log when stapling was asked for but cannot happen, else null.</summary>
    public string? OcspStaplingProblem => _ocspStapling == OcspStaplingState.IncompleteChain
        ? $"names OCSP responder {OcspResponder} but its chain does not reach a root (add the root to the file or to the system trust store); not stapling"
        : null;

    /// <summary>
    /// Builds the context now, with OCSP stapling, when the leaf names an OCSP responder and its chain reaches a root
    /// without downloads; otherwise the entry stays offline and lazy. Call it before publishing the entry (a
    /// <see cref="CertificateMap"/> created with <c>ocspStapling: true</c> does, in <see cref="CertificateMap.Set"/>):
    /// it costs one or two chain builds (CPU, ~1-2 ms each) on the caller's thread and never waits on the network.
    /// </summary>
    /// <remarks>
    /// What SslStream does on Linux (dotnet/runtime SslStreamCertificateContext.cs and .Linux.cs, .NET 8-10):
    /// <c>offline: true</c> forbids stapling outright. <c>offline: false</c> (1) lets the chain build download missing
    /// issuers over AIA, synchronously, and only when the chain is partial: ruled out here by building it offline
    /// first; (2) starts the OCSP fetch as a background task (HttpClient GET to the AIA URL, response verified against
    /// the issuer) and returns without waiting, but only when the chain ends in a root; a handshake staples whatever
    /// response is already cached (SSL_set_tlsext_status_ocsp_resp per connection) and never waits for one. There is no
    /// timer: the handshake that finds the response older than min(24 h, nextUpdate - 5 min) starts a background
    /// refresh and still staples the old response; once it has expired nothing is stapled until a fetch succeeds, and
    /// a failed fetch is retried no sooner than 5 s later. Two racing calls may both build a context; the last wins.
    /// </remarks>
    public OcspStaplingState EnableOcspStapling()
    {
        OcspStaplingState current = _ocspStapling;
        if (current != OcspStaplingState.NotRequested)
        {
            return current;
        }

        if (OcspResponder is null)
        {
            current = OcspStaplingState.NoResponder;
        }
        else if (!ChainReachesRootOffline())
        {
            current = OcspStaplingState.IncompleteChain;
        }
        else
        {
            var context = SslStreamCertificateContext.Create(Certificate, Intermediates, offline: false);
            Interlocked.Exchange(ref _tls, new TlsState(context, TlsServerOptions.Create(context)));
            current = OcspStaplingState.Enabled;
        }

        _ocspStapling = current;
        return current;
    }

    /// <summary>True when the leaf chains to a self-signed root using only the file's certificates and the system
    /// trust store; the same test SslStream applies before it staples (a partial chain has no root to start from).</summary>
    private bool ChainReachesRootOffline()
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.AddRange(Intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // Trust, validity and usage do not matter here (the client judges those); only whether the chain is complete.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
        chain.Build(Certificate);
        bool complete = true;
        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            if ((status.Status & X509ChainStatusFlags.PartialChain) != 0)
            {
                complete = false;
            }
        }

        foreach (X509ChainElement element in chain.ChainElements)
        {
            element.Certificate.Dispose();
        }

        return complete;
    }

    private static string? FindOcspResponder(X509Certificate2 leaf)
    {
        try
        {
            foreach (X509Extension extension in leaf.Extensions)
            {
                if (extension is X509AuthorityInformationAccessExtension access)
                {
                    foreach (string uri in access.EnumerateOcspUris())
                    {
                        if (Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) && parsed.Scheme == Uri.UriSchemeHttp)
                        {
                            return uri;
                        }
                    }

                    return null;
                }
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A malformed AIA extension: treat as naming no responder; the certificate is still served.
        }

        return null;
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
