using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.MacroBench;

/// <summary>
/// The working directory of one benchmark invocation: N certificates (ECDSA P-256, one SAN each) written once in the
/// layouts each terminator reads — flat pairs for Terminator and nginx, combined PEMs for HAProxy — plus configs and logs.
/// </summary>
internal sealed class BenchLayout
{
    private BenchLayout(string root, string[] names)
    {
        Root = root;
        Names = names;
    }

    public string Root { get; }
    public string[] Names { get; }
    public string FlatDirectory => Path.Combine(Root, "flat");
    public string CombinedDirectory => Path.Combine(Root, "combined");
    public string NginxServersDirectory => Path.Combine(Root, "nginx-servers");
    public LocalCertificateAuthority? Authority { get; private set; }

    public static string NameOf(int i) => $"s{i:D7}.bench.test";

    public static BenchLayout Create(string root, int count)
    {
        var names = new string[count];
        for (int i = 0; i < count; i++) names[i] = NameOf(i);
        var layout = new BenchLayout(root, names);
        foreach (string dir in new[] { layout.FlatDirectory, layout.CombinedDirectory, layout.NginxServersDirectory })
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
        }

        layout.Authority = LocalCertificateAuthority.Create("Terminator MacroBench CA");
        Parallel.For(0, count, i => layout.Write(names[i], layout.Authority.Issue([names[i]])));
        return layout;
    }

    /// <summary>Writes one certificate in every layout (also used for the "new certificate" measurement).</summary>
    public void Write(string name, IssuedCertificate issued)
    {
        issued.WriteFlat(FlatDirectory, name);
        issued.WriteCombined(Path.Combine(CombinedDirectory, name + ".pem"));
        File.WriteAllText(Path.Combine(NginxServersDirectory, name + ".conf"), NginxContender.ServerBlock(this, name));
    }

    /// <summary>Removes what <see cref="Write"/> wrote: every run and contender starts from the same names (a certificate
    /// left over from the "new certificate" step made the next run's store one larger than TERMINATOR_CERT_CACHE_SIZE,
    /// so Terminator prewarmed none of it).</summary>
    public void Remove(string name)
    {
        File.Delete(Path.Combine(FlatDirectory, name + ".crt"));
        File.Delete(Path.Combine(FlatDirectory, name + ".key"));
        File.Delete(Path.Combine(CombinedDirectory, name + ".pem"));
        File.Delete(Path.Combine(NginxServersDirectory, name + ".conf"));
    }
}
