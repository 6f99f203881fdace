namespace Terminator.Samples.Certificates;

/// <summary>A certificate issued by <see cref="LocalCertificateAuthority"/>, as PEM, with helpers that write it in the
/// layouts the PEM folder loader understands. Key files are created with mode 600.</summary>
public sealed class IssuedCertificate
{
    internal IssuedCertificate(string certificatePem, string privateKeyPem, string chainPem)
    {
        // .NET's Export*Pem omits the final newline; PEM files end with one, and concatenating blocks without it
        // would glue "-----END X----------BEGIN Y-----" together.
        CertificatePem = WithFinalNewline(certificatePem);
        PrivateKeyPem = WithFinalNewline(privateKeyPem);
        ChainPem = WithFinalNewline(chainPem);
    }

    internal static string WithFinalNewline(string pem) => pem.EndsWith('\n') ? pem : pem + "\n";

    /// <summary>The leaf certificate alone.</summary>
    public string CertificatePem { get; }

    /// <summary>The leaf's private key, PKCS#8 PEM.</summary>
    public string PrivateKeyPem { get; }

    /// <summary>Leaf followed by intermediates (none for a local root); the root is not included, as in fullchain.pem.</summary>
    public string ChainPem { get; }

    /// <summary>Writes <c>&lt;directory&gt;/&lt;baseName&gt;.crt</c> (chain) and <c>&lt;baseName&gt;.key</c>.</summary>
    public void WriteFlat(string directory, string baseName)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, baseName + ".crt"), ChainPem);
        WritePrivate(Path.Combine(directory, baseName + ".key"), PrivateKeyPem);
    }

    /// <summary>Writes certbot's layout: <c>&lt;liveDirectory&gt;/&lt;name&gt;/fullchain.pem</c>, <c>cert.pem</c>,
    /// <c>chain.pem</c> and <c>privkey.pem</c>.</summary>
    public void WriteCertbot(string liveDirectory, string name)
    {
        var directory = Path.Combine(liveDirectory, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), ChainPem);
        File.WriteAllText(Path.Combine(directory, "cert.pem"), CertificatePem);
        File.WriteAllText(Path.Combine(directory, "chain.pem"), ChainPem[CertificatePem.Length..]);
        WritePrivate(Path.Combine(directory, "privkey.pem"), PrivateKeyPem);
    }

    /// <summary>Writes one HAProxy-style file: the chain, then the key.</summary>
    public void WriteCombined(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        WritePrivate(path, ChainPem + PrivateKeyPem);
    }

    private static void WritePrivate(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Create the file 0600 rather than chmod after writing: no window where the key is world-readable.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(contents);
    }
}
