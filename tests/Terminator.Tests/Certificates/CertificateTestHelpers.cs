using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;

namespace Terminator.Tests.Certificates;

internal static class CertificateTestHelpers
{
    public static CertificateEntry Entry(LocalCertificateAuthority authority, params string[] names)
    {
        var issued = authority.Issue(names);
        return CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "memory:" + names[0]);
    }

    public static string CommonName(CertificateEntry entry) =>
        entry.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
}
