using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// One loaded certificate, ready to serve: its SAN DNS names, the leaf with its key, and the
/// <see cref="SslStreamCertificateContext"/> and <see cref="SslServerAuthenticationOptions"/> built once here so a
/// handshake only looks them up (full chain prebuilt offline: no AIA fetch in the handshake, dotnet/runtime#35500).
/// </summary>
public sealed class CertificateEntry
{
    internal CertificateEntry(X509Certificate2 certificate, X509Certificate2Collection intermediates, IReadOnlyList<string> names, string source)
    {
        Certificate = certificate;
        Names = names;
        Source = source;
        NotBefore = certificate.NotBefore.ToUniversalTime();
        NotAfter = certificate.NotAfter.ToUniversalTime();
        KeyAlgorithm = DescribeKey(certificate);
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        ServerOptions = TlsServerOptions.Create(Context);
    }

    /// <summary>Lower-case SAN DNS names, wildcards as "*.example.com".</summary>
    public IReadOnlyList<string> Names { get; }
    public X509Certificate2 Certificate { get; }
    public SslStreamCertificateContext Context { get; }
    public SslServerAuthenticationOptions ServerOptions { get; }
    public DateTimeOffset NotBefore { get; }
    public DateTimeOffset NotAfter { get; }
    /// <summary>Where it came from (a path, or a label such as "demo:click.example.com").</summary>
    public string Source { get; }
    /// <summary>"ECDSA P-256", "RSA 2048", ...</summary>
    public string KeyAlgorithm { get; }

    private static string DescribeKey(X509Certificate2 certificate)
    {
        using (var ecdsa = certificate.GetECDsaPublicKey())
        {
            if (ecdsa is not null)
            {
                return ecdsa.KeySize switch { 256 => "ECDSA P-256", 384 => "ECDSA P-384", 521 => "ECDSA P-521", int bits => $"ECDSA {bits}" };
            }
        }

        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return $"RSA {rsa.KeySize}";
            }
        }

        return certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
    }
}
