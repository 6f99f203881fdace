using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Acme;

/// <summary>
/// Validates the CA's HTTPS certificate against the system store OR a few extra roots (a test CA's API certificate,
/// e.g. Pebble's, is signed by a root of its own). The host name must match either way: only the chain's anchor is
/// widened, never the name check.
/// </summary>
internal sealed class AcmeServerTrust : IDisposable
{
    private readonly X509Certificate2Collection _extraRoots;

    private AcmeServerTrust(X509Certificate2Collection extraRoots) => _extraRoots = extraRoots;

    /// <summary>Loads every certificate in the PEM file <paramref name="path"/> as an additional trust anchor.</summary>
    public static AcmeServerTrust FromPemFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"cannot read the extra ACME root certificates from '{path}': {ex.Message}", nameof(path), ex);
        }

        if (roots.Count == 0)
        {
            throw new ArgumentException($"'{path}' holds no PEM certificate", nameof(path));
        }

        return new AcmeServerTrust(roots);
    }

    /// <summary>The callback for <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true; // the system store already trusts it
        }

        // Name mismatch or no certificate: never rescued by an extra root.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private test CA publishes no revocation
        custom.ChainPolicy.DisableCertificateDownloads = true; // no AIA fetches from inside a TLS callback
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return custom.Build(leaf);
        }

        using X509Certificate2 loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(loaded);
    }

    public void Dispose()
    {
        foreach (X509Certificate2 root in _extraRoots)
        {
            root.Dispose();
        }
    }
}
