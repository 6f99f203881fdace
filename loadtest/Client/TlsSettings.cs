using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Client.OpenSsl;

namespace Terminator.LoadTest.Client;

/// <summary>
/// How the client checks the target's certificates: against the given CA (<c>--ca</c>, the demo's throwaway CA), or the
/// system's roots; never skipped unless <see cref="Insecure"/> (<c>--insecure</c>), which every report prints. Which
/// TLS client does it is <see cref="Engine"/>; both check the chain and the host name on every full handshake.
/// </summary>
/// <remarks>
/// SslStream builds the chain before it would call a validation callback, so a callback that remembered earlier
/// verdicts could not save that work (measured on the dev box: 140 µs per chain build of a ~1.6 ms client handshake);
/// the OpenSSL engine verifies inside the handshake against a store parsed once. See loadtest/README.md, "Client CPU".
/// </remarks>
internal sealed class TlsSettings
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.1");

    private static readonly List<SslApplicationProtocol> Http11 = [SslApplicationProtocol.Http11];

    private readonly X509ChainPolicy? _chainPolicy;

    private readonly Lazy<OpenSslClientContext> _openSsl;

    public TlsSettings(X509Certificate2Collection? trustedRoots, bool insecure, TlsEngineKind engine = TlsEngineKind.OpenSsl)
    {
        Insecure = insecure;
        TrustedRoots = trustedRoots;
        Engine = engine;
        _openSsl = new Lazy<OpenSslClientContext>(() => OpenSslClientContext.Create(trustedRoots, insecure));
        if (trustedRoots is { Count: > 0 })
        {
            _chainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            // One policy object serves every concurrent handshake. SslStream adds the server-auth EKU to a policy whose
            // ApplicationPolicy is empty, which on a shared instance is a concurrent write to one OidCollection; set
            // it here so nothing ever writes to it after construction.
            _chainPolicy.ApplicationPolicy.Add(ServerAuthentication);
            _chainPolicy.CustomTrustStore.AddRange(trustedRoots);
        }
    }

    public bool Insecure { get; }

    public TlsEngineKind Engine { get; }

    /// <summary>The OpenSSL engine's client context for this target, made on first use (the roots parsed once).</summary>
    public OpenSslClientContext OpenSslContext => _openSsl.Value;

    public X509Certificate2Collection? TrustedRoots { get; }

    /// <summary>The SslStream engine's options for one connection.</summary>
    public SslClientAuthenticationOptions Options(string serverName, bool allowResume) => new()
    {
        TargetHost = serverName,
        ApplicationProtocols = Http11,
        EnabledSslProtocols = SslProtocols.None,   // the OS default: TLS 1.2 and 1.3
        AllowTlsResume = allowResume,
        CertificateChainPolicy = _chainPolicy,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = Insecure ? static (_, _, _, _) => true : null,
    };
}
