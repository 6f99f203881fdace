using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>OCSP stapling: which entries get a context built online, and what SslStream then does.</summary>
/// <remarks>
/// What SslStream does on Linux (dotnet/runtime SslStreamCertificateContext.cs and .Linux.cs, .NET 8-10):
/// <c>offline: true</c> forbids stapling outright. <c>offline: false</c> (1) lets the chain build download missing
/// issuers over AIA, synchronously, and only when the chain is partial: ruled out here by building it offline first;
/// (2) starts the OCSP fetch as a background task (HttpClient GET to the AIA URL, response verified against the
/// issuer) and returns without waiting, but only when the chain ends in a root; a handshake staples whatever response
/// is already cached and never waits for one. There is no timer: the handshake that finds the response older than
/// min(24 h, nextUpdate - 5 min) starts a background refresh and still staples the old response; once it has expired
/// nothing is stapled until a fetch succeeds, and a failed fetch is retried no sooner than 5 s later. An entry evicted
/// from the <see cref="CertificateContextCache"/> fetches again when it is next materialised.
/// </remarks>
internal sealed partial class CertificateEntry
{
    private string? _ocspResponder;
    private volatile bool _ocspStaplingWanted;
    private volatile OcspStaplingState _ocspStapling;

    /// <summary>The first <c>http://</c> OCSP responder named in the leaf's Authority Information Access extension, or
    /// null (also for a store entry not yet materialised). Only http counts: it is all SslStream fetches from
    /// (RFC 6960 §A.1 GET; https would need OCSP to check the responder's own certificate).</summary>
    public string? OcspResponder => Volatile.Read(ref _ocspResponder);

    /// <summary>Whether handshakes carry a stapled OCSP response; <see cref="OcspStaplingState.NotRequested"/> until
    /// <see cref="EnableOcspStapling"/> has run and the entry's material has been seen.</summary>
    public OcspStaplingState OcspStapling => _ocspStapling;

    /// <summary>One line for the log when stapling was asked for but cannot happen, else null.</summary>
    public string? OcspStaplingProblem => _ocspStapling == OcspStaplingState.IncompleteChain
        ? $"names OCSP responder {OcspResponder} but its chain does not reach a root (add the root to the file or to the system trust store); not stapling"
        : null;

    /// <summary>
    /// Asks for OCSP stapling. When the leaf is already known to name a responder (loaded certificates and the PEM
    /// folder), the context is built now, online, off the handshake path: one or two chain builds (CPU, ~1-2 ms) on
    /// the caller's thread, never a wait on the network. Otherwise (store entries, whose index does not parse
    /// certificates) the decision is made when the entry is first materialised. Call it before publishing the entry
    /// (a <see cref="CertificateMap"/> created with <c>ocspStapling: true</c> does, in <see cref="CertificateMap.Set"/>).
    /// </summary>
    public OcspStaplingState EnableOcspStapling()
    {
        _ocspStaplingWanted = true;
        if (_ocspStapling != OcspStaplingState.NotRequested)
        {
            return _ocspStapling;
        }

        if (_pinned is not null)
        {
            if (DecideOcspStapling(_pinned) != OcspStaplingState.Enabled)
            {
                return _ocspStapling; // nothing to staple: the context stays lazy and offline
            }
        }
        else if (OcspResponder is null)
        {
            return OcspStaplingState.NotRequested; // a store entry: decided on first materialisation
        }

        if (Volatile.Read(ref _tls) is null)
        {
            // Materialise now, so the first OCSP fetch starts at load rather than on the first handshake.
            _ = MaterializeSync();
        }

        return _ocspStapling;
    }

    /// <summary>Called while building the context: whether this build should staple.</summary>
    private OcspStaplingState DecideOcspStapling(CertificateMaterial material)
    {
        if (!_ocspStaplingWanted)
        {
            return OcspStaplingState.NotRequested;
        }

        if (_ocspStapling != OcspStaplingState.NotRequested)
        {
            return _ocspStapling; // decided once per entry (its material never changes; a new file is a new entry)
        }

        string? responder = OcspResponder ?? FindOcspResponder(material.LeafWithKey);
        Volatile.Write(ref _ocspResponder, responder);
        OcspStaplingState decided = responder is null
            ? OcspStaplingState.NoResponder
            : ChainReachesRootOffline(material) ? OcspStaplingState.Enabled : OcspStaplingState.IncompleteChain;
        _ocspStapling = decided;
        return decided;
    }

    /// <summary>True when the leaf chains to a self-signed root using only the file's certificates and the system
    /// trust store; the same test SslStream applies before it staples (a partial chain has no root to start from).</summary>
    private static bool ChainReachesRootOffline(CertificateMaterial material)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.AddRange(material.Intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // Trust, validity and usage do not matter here (the client judges those); only whether the chain is complete.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
        chain.Build(material.LeafWithKey);
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

    internal static string? FindOcspResponder(X509Certificate2 leaf)
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
}
