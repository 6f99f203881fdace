using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// Loads PEM certificates into <see cref="CertificateEntry"/>s: certbot folders (<c>live/&lt;name&gt;/fullchain.pem</c> +
/// <c>privkey.pem</c>), flat pairs (<c>&lt;name&gt;.crt|.pem</c> + <c>&lt;name&gt;.key</c>) and combined PEMs holding chain and
/// key (HAProxy style). Served names always come from the SAN DNS entries, never from file names.
/// </summary>
public static class CertificateLoader
{
    // certbot keeps history, account keys and CSRs next to live/; none of them is a servable pair.
    private static readonly HashSet<string> s_ignoredDirectories = new(StringComparer.Ordinal) { "archive", "accounts", "renewal", "renewal-hooks", "keys", "csr" };

    /// <summary>
    /// Scans <paramref name="directory"/> recursively. Broken files land in Errors with their path and reason and are
    /// skipped; expired certificates are still served (a stale certificate beats a failed handshake while renewal
    /// catches up) and reported in Warnings. Loading runs in parallel: building contexts is CPU-bound.
    /// </summary>
    public static CertificateDirectoryLoadResult LoadDirectory(string directory)
    {
        var candidates = new List<(string Chain, string Key)>();
        var errors = new ConcurrentBag<CertificateLoadError>();
        Collect(directory, candidates, errors);

        var entries = new ConcurrentBag<CertificateEntry>();
        var warnings = new ConcurrentBag<CertificateLoadError>();
        Parallel.ForEach(candidates, candidate =>
        {
            try
            {
                CertificateEntry entry = LoadFiles(candidate.Chain, candidate.Key);
                entries.Add(entry);
                if (entry.NotAfter < DateTimeOffset.UtcNow)
                {
                    warnings.Add(new CertificateLoadError(candidate.Chain, $"expired on {entry.NotAfter:yyyy-MM-dd}"));
                }

                if ((File.GetUnixFileMode(candidate.Key) & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0)
                {
                    warnings.Add(new CertificateLoadError(candidate.Key, "private key is readable by group or others (chmod 600)"));
                }
            }
            catch (CertificateLoadException ex)
            {
                errors.Add(new CertificateLoadError(ex.Path, ex.Message));
            }
        });

        List<CertificateEntry> ordered = [.. entries];
        ordered.Sort(static (a, b) =>
        {
            int byExpiry = a.NotAfter.CompareTo(b.NotAfter);
            return byExpiry != 0 ? byExpiry : string.CompareOrdinal(a.Source, b.Source);
        });
        List<CertificateLoadError> sortedErrors = [.. errors.OrderBy(e => e.Path, StringComparer.Ordinal)];
        return new CertificateDirectoryLoadResult(ordered, sortedErrors, [.. warnings.OrderBy(e => e.Path, StringComparer.Ordinal)]);
    }

    /// <summary>A combined PEM (chain + key), or a certificate file with its key beside it (<c>&lt;name&gt;.key</c>).</summary>
    public static CertificateEntry LoadFile(string path)
    {
        string sibling = Path.ChangeExtension(path, ".key");
        return File.Exists(sibling) && !string.Equals(sibling, path, StringComparison.Ordinal) ? LoadFiles(path, sibling) : LoadFiles(path, path);
    }

    /// <summary>Builds an entry from PEM text: the chain (leaf first, then intermediates) and the private key.</summary>
    public static CertificateEntry LoadPem(string certificateChainPem, string privateKeyPem, string source)
    {
        ArgumentNullException.ThrowIfNull(certificateChainPem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificateChainPem);
        }
        catch (CryptographicException)
        {
            throw new CertificateLoadException(source, "certificate PEM is malformed");
        }

        if (chain.Count == 0)
        {
            throw new CertificateLoadException(source, "no PEM certificate found");
        }

        if (!privateKeyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new CertificateLoadException(source, "no PEM private key found");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certificateChainPem, privateKeyPem);
        }
        catch (CryptographicException ex) when (ex.Message.Contains("match", StringComparison.OrdinalIgnoreCase))
        {
            throw new CertificateLoadException(source, "private key does not match the certificate");
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // The exception text of a key parse can echo input; keep only a fixed reason.
            throw new CertificateLoadException(source, "private key is malformed, encrypted or of an unsupported type");
        }

        List<string> names = DnsNames(leaf);
        if (names.Count == 0)
        {
            leaf.Dispose();
            throw new CertificateLoadException(source, "certificate has no DNS subjectAltName (names are never taken from the CN or file name)");
        }

        var intermediates = new X509Certificate2Collection();
        for (int i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        try
        {
            return new CertificateEntry(leaf, intermediates, names, source);
        }
        catch (Exception ex) when (ex is CryptographicException or NotSupportedException or ArgumentException)
        {
            throw new CertificateLoadException(source, $"cannot be used for TLS: {ex.GetType().Name}");
        }
    }

    private static CertificateEntry LoadFiles(string chainPath, string keyPath)
    {
        string chain, key;
        try
        {
            chain = File.ReadAllText(chainPath);
            key = string.Equals(chainPath, keyPath, StringComparison.Ordinal) ? chain : File.ReadAllText(keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(chainPath, $"cannot read: {ex.Message}");
        }

        return LoadPem(chain, key, chainPath);
    }

    internal static List<string> DnsNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (string name in san.EnumerateDnsNames())
                {
                    string normalized = name.TrimEnd('.').ToLowerInvariant();
                    if (normalized.Length > 0 && !names.Contains(normalized))
                    {
                        names.Add(normalized);
                    }
                }
            }
        }

        return names;
    }

    /// <summary>Pairs up files per directory: certbot folders first, then flat pairs, then combined PEMs.</summary>
    private static void Collect(string directory, List<(string Chain, string Key)> candidates, ConcurrentBag<CertificateLoadError> errors)
    {
        string[] files;
        try
        {
            files = Directory.GetFiles(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new CertificateLoadError(directory, $"cannot list: {ex.Message}"));
            return;
        }

        Array.Sort(files, StringComparer.Ordinal);
        string fullchain = Path.Combine(directory, "fullchain.pem");
        string privkey = Path.Combine(directory, "privkey.pem");
        if (File.Exists(fullchain) && File.Exists(privkey))
        {
            // certbot: cert.pem and chain.pem beside them are parts of fullchain.pem.
            candidates.Add((fullchain, privkey));
        }
        else
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (string key in files)
            {
                if (!key.EndsWith(".key", StringComparison.Ordinal))
                {
                    continue;
                }

                string crt = Path.ChangeExtension(key, ".crt");
                string pem = Path.ChangeExtension(key, ".pem");
                string? chain = File.Exists(crt) ? crt : File.Exists(pem) ? pem : null;
                used.Add(key);
                if (chain is null)
                {
                    errors.Add(new CertificateLoadError(key, "private key without a certificate (expected a .crt or .pem beside it)"));
                    continue;
                }

                used.Add(chain);
                candidates.Add((chain, key));
            }

            foreach (string file in files)
            {
                if (used.Contains(file) || !(file.EndsWith(".pem", StringComparison.Ordinal) || file.EndsWith(".crt", StringComparison.Ordinal)))
                {
                    continue;
                }

                candidates.Add((file, file)); // combined PEM; a lone certificate is reported as "no PEM private key found"
            }
        }

        foreach (string sub in Directory.EnumerateDirectories(directory))
        {
            if (!s_ignoredDirectories.Contains(Path.GetFileName(sub)))
            {
                Collect(sub, candidates, errors);
            }
        }
    }
}
