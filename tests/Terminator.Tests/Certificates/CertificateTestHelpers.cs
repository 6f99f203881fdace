using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.Certificates;

internal static class CertificateTestHelpers
{
    public static CertificateEntry Entry(LocalCertificateAuthority authority, params string[] names)
    {
        var issued = authority.Issue(names);
        return CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "memory:" + names[0]);
    }

    /// <summary>Test convenience over the byte-span lookup the handshake uses (a string host, case-insensitive ASCII).</summary>
    public static bool TryGet(this CertificateMap map, string hostName, bool clientAcceptsEcdsa, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        if (!Ascii.IsValid(hostName))
        {
            entry = null;
            return false;
        }

        return map.TryGet(Encoding.ASCII.GetBytes(hostName), clientAcceptsEcdsa, out entry);
    }

    /// <summary><see cref="TryGet(CertificateMap, string, bool, out CertificateEntry)"/> for a client that accepts ECDSA.</summary>
    public static bool TryGet(this CertificateMap map, string hostName, [MaybeNullWhen(false)] out CertificateEntry entry) =>
        map.TryGet(hostName, clientAcceptsEcdsa: true, out entry);

    /// <summary>Adds every entry (the order does not matter: selection happens per handshake).</summary>
    public static void SetAll(this CertificateMap map, IEnumerable<CertificateEntry> entries)
    {
        foreach (CertificateEntry entry in entries)
        {
            map.Set(entry);
        }
    }

    public static string CommonName(CertificateEntry entry) =>
        entry.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
}
