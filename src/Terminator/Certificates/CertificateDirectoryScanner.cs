namespace Terminator.Certificates;

/// <summary>
/// Decides which files in a certificate directory are certificates to load. Recognised layouts:
/// <list type="bullet">
/// <item>certbot: <c>live/&lt;name&gt;/fullchain.pem</c> + <c>privkey.pem</c> (in a folder that has <c>live/</c>, certbot's
/// bookkeeping folders such as <c>archive/</c>, which holds numbered copies, are skipped), and the same
/// pair directly in <c>&lt;dir&gt;/&lt;name&gt;/</c>. In such a folder only <c>fullchain.pem</c> is loaded
/// (<c>cert.pem</c>/<c>chain.pem</c> are its parts).</item>
/// <item>flat pairs: <c>&lt;name&gt;.crt</c>, <c>.cer</c> or <c>.pem</c> with <c>&lt;name&gt;.key</c>.</item>
/// <item>combined (HAProxy style): a <c>.pem</c> holding the chain and the key.</item>
/// </list>
/// Hidden entries (leading '.') are skipped; recursion stops at <see cref="MaxDepth"/> levels.
/// </summary>
internal static class CertificateDirectoryScanner
{
    /// <summary>Deep enough for <c>&lt;root&gt;/live/&lt;name&gt;/</c> plus one grouping level; bounds symlink loops.</summary>
    internal const int MaxDepth = 4;

    /// <summary>certbot folders beside <c>live/</c> that hold no servable pairs (archive = numbered copies of live).</summary>
    private static readonly HashSet<string> CertbotBookkeepingFolders =
        new(["archive", "renewal", "renewal-hooks", "accounts", "keys", "csr"], StringComparer.Ordinal);

    public static List<string> FindCertificateFiles(string root, List<CertificateLoadError> errors)
    {
        var files = new List<string>();
        Scan(root, 0, files, errors);
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static void Scan(string directory, int depth, List<string> files, List<CertificateLoadError> errors)
    {
        string[] entries;
        string[] subdirectories;
        try
        {
            entries = Directory.GetFiles(directory);
            subdirectories = Directory.GetDirectories(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new CertificateLoadError(directory, "directory is unreadable: " + ex.Message));
            return;
        }

        var fullChain = Path.Combine(directory, "fullchain.pem");
        if (File.Exists(fullChain))
        {
            // certbot folder: fullchain.pem + privkey.pem is the whole story.
            files.Add(fullChain);
        }
        else
        {
            AddLooseFiles(entries, files, errors);
        }

        if (depth >= MaxDepth)
        {
            return;
        }

        var isCertbotRoot = Directory.Exists(Path.Combine(directory, "live"));
        foreach (var subdirectory in subdirectories)
        {
            var name = Path.GetFileName(subdirectory);
            if (!name.StartsWith('.') && !(isCertbotRoot && CertbotBookkeepingFolders.Contains(name)))
            {
                Scan(subdirectory, depth + 1, files, errors);
            }
        }
    }

    private static void AddLooseFiles(string[] entries, List<string> files, List<CertificateLoadError> errors)
    {
        foreach (var path in entries)
        {
            var fileName = Path.GetFileName(path);
            if (fileName.StartsWith('.'))
            {
                continue;
            }

            var extension = Path.GetExtension(fileName).ToLowerInvariant();
            switch (extension)
            {
                case ".crt" or ".cer" or ".pem":
                    files.Add(path);
                    break;
                case ".key" when !HasCertificateBeside(path):
                    errors.Add(new CertificateLoadError(path, "private key without a certificate (no .crt/.pem with the same name)"));
                    break;
            }
        }
    }

    private static bool HasCertificateBeside(string keyPath) =>
        File.Exists(Path.ChangeExtension(keyPath, ".crt"))
        || File.Exists(Path.ChangeExtension(keyPath, ".pem"))
        || File.Exists(Path.ChangeExtension(keyPath, ".cer"));
}
