namespace Terminator.Certificates;

/// <summary>A leaf certificate and its key as PEM text, with writers for the directory layouts the loader reads.</summary>
public sealed class IssuedCertificate
{
    // Keys are written owner-only from the first byte (no chmod window).
    private static readonly FileStreamOptions s_privateFile = new()
    {
        Mode = FileMode.Create,
        Access = FileAccess.Write,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };

    internal IssuedCertificate(string certificatePem, string privateKeyPem, string chainPem)
    {
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
        ChainPem = chainPem;
    }

    public string CertificatePem { get; }
    /// <summary>PKCS#8 PEM. Never log it.</summary>
    public string PrivateKeyPem { get; }
    /// <summary>Leaf, then intermediates; the root is not included.</summary>
    public string ChainPem { get; }

    /// <summary><c>&lt;base&gt;.crt</c> + <c>&lt;base&gt;.key</c>.</summary>
    public void WriteFlat(string directory, string baseName)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, baseName + ".crt"), ChainPem);
        WritePrivate(Path.Combine(directory, baseName + ".key"), PrivateKeyPem);
    }

    /// <summary>certbot's <c>live/&lt;name&gt;/fullchain.pem</c> + <c>privkey.pem</c>.</summary>
    public void WriteCertbot(string liveDirectory, string name)
    {
        string directory = Path.Combine(liveDirectory, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), ChainPem);
        WritePrivate(Path.Combine(directory, "privkey.pem"), PrivateKeyPem);
    }

    /// <summary>Chain then key in one file (HAProxy <c>crt</c> style).</summary>
    public void WriteCombined(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        WritePrivate(path, ChainPem + PrivateKeyPem);
    }

    private static void WritePrivate(string path, string text)
    {
        using var stream = new FileStream(path, s_privateFile);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
