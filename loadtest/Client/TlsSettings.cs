using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.LoadTest.Client;

/// <summary>
/// How the client checks the target's certificates: against the given CA (<c>--ca</c>, the demo's throwaway CA), or the
/// system's roots; never skipped unless <see cref="Insecure"/> (<c>--insecure</c>), which every report prints.
/// </summary>
internal sealed class TlsSettings
{
    private readonly X509ChainPolicy? _chainPolicy;

    public TlsSettings(X509Certificate2Collection? trustedRoots, bool insecure)
    {
        Insecure = insecure;
        TrustedRoots = trustedRoots;
        if (trustedRoots is { Count: > 0 })
        {
            _chainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            _chainPolicy.CustomTrustStore.AddRange(trustedRoots);
        }
    }

    public bool Insecure { get; }

    public X509Certificate2Collection? TrustedRoots { get; }

    public SslClientAuthenticationOptions Options(string serverName, bool allowResume) => new()
    {
        TargetHost = serverName,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
        EnabledSslProtocols = SslProtocols.None,   // the OS default: TLS 1.2 and 1.3
        AllowTlsResume = allowResume,
        CertificateChainPolicy = _chainPolicy,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = Insecure ? static (_, _, _, _) => true : null,
    };
}
