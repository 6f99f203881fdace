using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// Loads certificates with their private keys from PEM files.
/// <para>Policy decisions (documented here because operators will ask):</para>
/// <list type="bullet">
/// <item>Names come only from the leaf's SAN dNSName entries, never from the file name or the subject CN. A
/// certificate without usable SAN DNS names is an error.</item>
/// <item>Expired (or not yet valid) certificates are still loaded, and reported in
/// <see cref="CertificateDirectoryLoadResult.Warnings"/>: if nothing better exists, a client gets a precise
/// "certificate expired" error instead of a confusing handshake failure, and a renewed certificate for the same name
/// wins anyway because of the next rule.</item>
/// <item>When several files claim the same name, all are kept and each handshake gets the newest valid one (latest
/// NotBefore) of the key family the client accepts, independent of file system order; see <see cref="CertificateMap"/>.</item>
/// <item>Reasons never contain key material; PEM is read with <see cref="File.ReadAllText(string)"/> and parsed in memory.</item>
/// </list>
/// </summary>
internal static partial class CertificateLoader
{
    /// <summary>
    /// Scans <paramref name="directory"/> (see <see cref="CertificateDirectoryScanner"/> for the layouts: certbot
    /// <c>live/&lt;name&gt;/fullchain.pem</c> + <c>privkey.pem</c>, <c>&lt;name&gt;/fullchain.pem</c>, flat
    /// <c>&lt;name&gt;.crt|.pem</c> + <c>&lt;name&gt;.key</c>, combined chain+key <c>.pem</c>) and loads every
    /// certificate in parallel across cores (parsing chains and importing keys is CPU-bound). Broken files are reported in
    /// <see cref="CertificateDirectoryLoadResult.Errors"/> and skipped; this method does not throw for bad files or a
    /// missing directory.
    /// </summary>
    public static CertificateDirectoryLoadResult LoadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var scanErrors = new List<CertificateLoadError>();
        if (!Directory.Exists(directory))
        {
            scanErrors.Add(new CertificateLoadError(directory, "directory does not exist"));
            return new CertificateDirectoryLoadResult([], scanErrors, []);
        }

        var candidates = CertificateDirectoryScanner.FindCertificateFiles(directory, scanErrors);
        var entries = new ConcurrentBag<CertificateEntry>();
        var errors = new ConcurrentBag<CertificateLoadError>(scanErrors);
        var warnings = new ConcurrentBag<CertificateLoadError>();
        var now = DateTimeOffset.UtcNow;

        Parallel.ForEach(
            candidates,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            path =>
            {
                try
                {
                    // Full entries: the caller (certs import, tests) uses the certificate and key right away; a compact
                    // entry would read both again and build a TLS context it never needs.
                    var entry = LoadFile(path, out var keyPath);
                    entries.Add(entry);
                    if (entry.IsExpiredAt(now))
                    {
                        var reason = now > entry.NotAfter
                            ? $"certificate expired on {entry.NotAfter:u} (loaded anyway)"
                            : $"certificate is not valid before {entry.NotBefore:u} (loaded anyway)";
                        warnings.Add(new CertificateLoadError(path, reason));
                    }

                    var permissionWarning = DescribeKeyPermissionProblem(keyPath);
                    if (permissionWarning is not null)
                    {
                        warnings.Add(new CertificateLoadError(keyPath, permissionWarning));
                    }
                }
                catch (CertificateLoadException ex)
                {
                    errors.Add(new CertificateLoadError(ex.Path, ex.Message));
                }
            });

        var entryList = entries.ToList();
        entryList.Sort(CertificateMap.CompareByExpiry);
        return new CertificateDirectoryLoadResult(entryList, SortByPath(errors), SortByPath(warnings));
    }

    /// <summary>
    /// Loads one file: a combined PEM (chain and key in one file), or a certificate file whose key lies beside it
    /// (<c>&lt;name&gt;.key</c>, or <c>privkey.pem</c> next to certbot's <c>fullchain.pem</c>/<c>cert.pem</c>).
    /// </summary>
    /// <exception cref="CertificateLoadException">The file cannot be used; the message says why.</exception>
    public static CertificateEntry LoadFile(string path) => LoadFile(path, out _);

    /// <summary>Loads an entry from PEM text: a certificate chain (leaf first by convention; the leaf is the certificate
    /// matching the key) and a private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY").</summary>
    /// <param name="certificateChainPem">One or more CERTIFICATE blocks.</param>
    /// <param name="privateKeyPem">Text containing an unencrypted private key block (other blocks are ignored).</param>
    /// <param name="source">Where the PEM came from; used as <see cref="CertificateEntry.Source"/> and in errors.</param>
    /// <exception cref="CertificateLoadException">The PEM cannot be used; the message says why.</exception>
    public static CertificateEntry LoadPem(string certificateChainPem, string privateKeyPem, string source)
    {
        ArgumentNullException.ThrowIfNull(certificateChainPem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        ArgumentNullException.ThrowIfNull(source);
        return PemCertificateReader.CreateEntry(certificateChainPem, privateKeyPem, source);
    }

    /// <summary>Same as <see cref="LoadFile(string)"/>, also returning which file held the private key.</summary>
    internal static CertificateEntry LoadFile(string path, out string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var text = ReadText(path, path, "file");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CertificateLoadException(path, "empty file");
        }

        if (PemCertificateReader.ContainsPrivateKey(text))
        {
            keyPath = path;
            return PemCertificateReader.CreateEntry(text, text, path);
        }

        if (!PemCertificateReader.ContainsCertificate(text))
        {
            throw new CertificateLoadException(path, "no certificate (no PEM CERTIFICATE block found)");
        }

        keyPath = FindKeyBeside(path)
            ?? throw new CertificateLoadException(
                path,
                $"no private key (none in the file and no '{Path.GetFileNameWithoutExtension(path)}.key' beside it)");
        var keyText = ReadText(keyPath, path, "private key file '" + Path.GetFileName(keyPath) + "'");
        return PemCertificateReader.CreateEntry(text, keyText, path);
    }

    /// <summary>
    /// Loads and fully validates one file like <see cref="LoadFile(string, out string)"/> (key imported and matched, so a
    /// broken or half-written pair is reported now and a failed replacement keeps the old certificate serving), then
    /// keeps only a compact entry: names, dates and the two paths. The certificate and key are read again on the
    /// entry's first handshake and kept in the bounded <see cref="CertificateContextCache"/>.
    /// </summary>
    internal static CertificateEntry LoadFileCompact(string path, out string keyPath)
    {
        CertificateEntry loaded = LoadFile(path, out keyPath);
        var compact = new CertificateEntry(loaded.Names, loaded.NotBefore, loaded.NotAfter, loaded.KeyAlgorithm, loaded.Source,
            new PemFileMaterialSource(keyPath), ocspResponder: loaded.OcspResponder);
        // The validation copy is not kept: its key handle would otherwise live until a finalizer ran.
        loaded.Certificate.Dispose();
        foreach (var intermediate in loaded.Intermediates)
        {
            intermediate.Dispose();
        }

        return compact;
    }

    private static string? FindKeyBeside(string certificatePath)
    {
        var fileName = Path.GetFileName(certificatePath);
        var directory = Path.GetDirectoryName(certificatePath) ?? ".";
        if (fileName is "fullchain.pem" or "cert.pem")
        {
            var certbotKey = Path.Combine(directory, "privkey.pem");
            if (File.Exists(certbotKey))
            {
                return certbotKey;
            }
        }

        var keyPath = Path.ChangeExtension(certificatePath, ".key");
        return File.Exists(keyPath) ? keyPath : null;
    }

    private static string ReadText(string path, string reportedPath, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // IO messages name the path and the OS error, never file contents.
            throw new CertificateLoadException(reportedPath, $"{what} is unreadable: {ex.Message}", ex);
        }
    }

    /// <summary>A private key readable by "other" users can be copied by any local account.</summary>
    private static string? DescribeKeyPermissionProblem(string keyPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var mode = File.GetUnixFileMode(keyPath);
            if ((mode & UnixFileMode.OtherRead) != 0)
            {
                var octal = Convert.ToString((int)mode & 0x1FF, 8);
                return $"private key file is readable by all users (mode {octal}); restrict it (chmod 600)";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already loaded successfully; a failed stat is not worth a second report.
        }

        return null;
    }

    private static List<CertificateLoadError> SortByPath(IEnumerable<CertificateLoadError> items)
    {
        var list = items.ToList();
        list.Sort(static (x, y) =>
        {
            var byPath = string.CompareOrdinal(x.Path, y.Path);
            return byPath != 0 ? byPath : string.CompareOrdinal(x.Reason, y.Reason);
        });
        return list;
    }
}
