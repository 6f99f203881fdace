using System.Diagnostics;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

/// <summary>
/// 1,000 ECDSA leaf certificates from one local CA, written once per test class in all supported layouts
/// (certbot live/, certbot-style folders, flat .crt/.pem + .key, combined .pem), then loaded once.
/// </summary>
public sealed class CertificateCorpusFixture : IDisposable
{
    public const int CertificateCount = 1000;

    private readonly TempDirectory _root;

    public CertificateCorpusFixture()
    {
        Authority = LocalCertificateAuthority.Create("Terminator Test Root");
        _root = new TempDirectory("cert-corpus");
        try
        {
            var live = Path.Combine(Root, "live");
            var generate = Stopwatch.StartNew();
            for (var i = 0; i < CertificateCount; i++)
            {
                Expected.Add(NamesFor(i));
            }

            // Signing and file writes are independent per certificate: use both cores to keep the fixture short.
            Parallel.For(0, CertificateCount, i => Write(Authority.Issue(Expected[i]), i, live));
            GenerateElapsed = generate.Elapsed;
            var load = Stopwatch.StartNew();
            Result = CertificateLoader.LoadDirectory(Root);
            LoadElapsed = load.Elapsed;
            Map.SetAll(Result.Entries);
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw.
            Dispose();
            throw;
        }
    }

    public LocalCertificateAuthority Authority { get; }

    /// <summary>Names of certificate i, in issue order (the first is the subject CN).</summary>
    public List<string[]> Expected { get; } = [];

    internal CertificateDirectoryLoadResult Result { get; }

    internal CertificateMap Map { get; } = new();

    public TimeSpan GenerateElapsed { get; }

    public TimeSpan LoadElapsed { get; }

    public int ExpectedNameCount
    {
        get
        {
            var count = 0;
            foreach (var names in Expected)
            {
                count += names.Length;
            }

            return count;
        }
    }

    /// <summary>One exact name, an exact + wildcard pair, or two exact names, depending on i.</summary>
    public static string[] NamesFor(int i) => (i % 3) switch
    {
        0 => [$"host{i}.tenant{i}.test"],
        1 => [$"click.shop{i}.test", $"*.shop{i}.test"],
        _ => [$"mail{i}.test", $"www.mail{i}.test"],
    };

    public void Dispose()
    {
        Authority.Dispose();
        _root.Dispose();
    }

    private void Write(IssuedCertificate issued, int i, string live)
    {
        var baseName = "site" + i;
        switch (i % 4)
        {
            case 0:
                issued.WriteCertbot(live, baseName);
                break;
            case 1:
                issued.WriteCertbot(Root, baseName);
                break;
            case 2 when i % 8 == 2:
                // Flat pair with a .pem certificate instead of .crt.
                File.WriteAllText(Path.Combine(Root, baseName + ".pem"), issued.ChainPem);
                File.WriteAllText(Path.Combine(Root, baseName + ".key"), issued.PrivateKeyPem);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(Path.Combine(Root, baseName + ".key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                break;
            case 2:
                issued.WriteFlat(Root, baseName);
                break;
            default:
                issued.WriteCombined(Path.Combine(Root, "combined", baseName + ".pem"));
                break;
        }
    }

    public string Root => _root.FullName;
}
