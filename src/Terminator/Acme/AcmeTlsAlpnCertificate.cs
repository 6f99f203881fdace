using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Tls;

namespace Terminator.Acme;

/// <summary>
/// The TLS-ALPN-01 challenge certificate (RFC 8737 §3): self-signed, ECDSA P-256, one SAN dNSName = the domain being
/// validated, and the critical <c>id-pe-acmeIdentifier</c> extension holding SHA-256 of the key authorization; with
/// the server options to serve it (ALPN <c>acme-tls/1</c> only, TLS 1.2 and 1.3). An
/// <see cref="ITlsServerCertificate"/>, so the TLS step's <c>acme-tls/1</c> route can serve it like any other
/// certificate.
/// </summary>
internal sealed class AcmeTlsAlpnCertificate : ITlsServerCertificate, IDisposable
{
    /// <summary>id-pe-acmeIdentifier (RFC 8737 §6.1): 1.3.6.1.5.5.7.1.31.</summary>
    public const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

    /// <summary>The ALPN protocol a TLS-ALPN-01 validation offers, and the only one the server may select (RFC 8737 §3).</summary>
    public static readonly SslApplicationProtocol AcmeTls1 = new("acme-tls/1");

    private static readonly List<SslApplicationProtocol> s_protocols = [AcmeTls1];
    private readonly byte[] _domainAscii;

    private AcmeTlsAlpnCertificate(string domain, X509Certificate2 certificate)
    {
        Domain = domain;
        _domainAscii = Encoding.ASCII.GetBytes(domain);
        Certificate = certificate;
        ServerOptions = new SslServerAuthenticationOptions
        {
            // offline: no AIA or OCSP fetches for a self-signed certificate.
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
            EnabledSslProtocols = TlsPolicy.Protocols,
            // RFC 8737 §4: the server MUST negotiate acme-tls/1 and nothing else on this connection.
            ApplicationProtocols = s_protocols,
            ClientCertificateRequired = false,
            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
            AllowRenegotiation = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary>The domain being validated (lower-case ASCII).</summary>
    public string Domain { get; }

    /// <summary>The self-signed certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Options for <see cref="SslStream.AuthenticateAsServerAsync(SslServerAuthenticationOptions, CancellationToken)"/>.</summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <inheritdoc />
    public string Source => $"ACME tls-alpn-01 challenge for {Domain}";

    /// <inheritdoc />
    public bool IsEcdsa => true; // P-256 (RFC 8737 leaves the key type to the client; see Create)

    /// <inheritdoc />
    public bool IsMaterialized => true;

    /// <summary>
    /// Builds the certificate for <paramref name="domain"/> and <paramref name="keyAuthorization"/>. Valid from a day
    /// ago for a week: the validator checks the extension, not the dates, but a sane window avoids surprises.
    /// </summary>
    public static AcmeTlsAlpnCertificate Create(string domain, string keyAuthorization)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        ArgumentException.ThrowIfNullOrEmpty(keyAuthorization);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(domain);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(domain); // RFC 8737 §3: exactly one dNSName, the domain being validated
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509Extension(AcmeIdentifierOid, AcmeIdentifierValue(keyAuthorization), critical: true));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        return new AcmeTlsAlpnCertificate(domain, certificate);
    }

    /// <summary>
    /// The extension's value (RFC 8737 §3): <c>Authorization ::= OCTET STRING (SIZE (32))</c>, the SHA-256 of the key
    /// authorization's ASCII, DER-encoded (04 20 followed by the digest).
    /// </summary>
    public static byte[] AcmeIdentifierValue(string keyAuthorization)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        return writer.Encode();
    }

    /// <inheritdoc />
    public bool Covers(ReadOnlySpan<byte> hostName) => Ascii.EqualsIgnoreCase(hostName, _domainAscii);

    /// <inheritdoc />
    public ValueTask<SslServerAuthenticationOptions> GetServerOptionsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ServerOptions);

    public void Dispose() => Certificate.Dispose();
}
