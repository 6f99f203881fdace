using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.Certificates;

/// <summary>
/// Which hosts the TLS side serves with a valid certificate (the port-80 redirect's question): exact names and one-label
/// wildcards, any key family, only while valid; the default certificate for names without one of their own; and never a
/// log line (unlike a handshake that settles for an expired certificate).
/// </summary>
public sealed class ServedHostNamesTests : IDisposable
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UtcNow;
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Served Names Test Root");

    public void Dispose() => _authority.Dispose();

    [Fact]
    public void HasValidCertificate_ExactWildcardFamiliesAndValidity()
    {
        using var log = new StringWriter();
        using var terminatorLog = new TerminatorLog(LogLevel.Debug, log);
        var map = new CertificateMap(terminatorLog);
        map.Set(Issue(CertificateKeyType.Rsa2048, -1, 30, "rsa-only.test"));
        map.Set(Issue(CertificateKeyType.EcdsaP256, -1, 30, "*.wild.test"));
        map.Set(Issue(CertificateKeyType.EcdsaP256, -60, -1, "expired.test", "*.expired-wild.test"));
        map.Set(Issue(CertificateKeyType.EcdsaP256, -60, -1, "renewed.test"));
        map.Set(Issue(CertificateKeyType.Rsa2048, -1, 30, "renewed.test"));

        Assert.True(Has(map, "rsa-only.test"));
        Assert.True(Has(map, "RSA-Only.Test."));
        Assert.True(Has(map, "a.wild.test"));
        Assert.False(Has(map, "a.b.wild.test"));
        Assert.False(Has(map, "wild.test"));
        Assert.False(Has(map, "*.wild.test"));
        Assert.False(Has(map, "expired.test"));
        Assert.False(Has(map, "x.expired-wild.test"));
        Assert.True(Has(map, "renewed.test"));      // an expired ECDSA and a valid RSA: RSA works for every client
        Assert.False(Has(map, "unknown.test"));
        Assert.False(Has(map, ""));
        Assert.False(Has(map, "."));
        Assert.True(terminatorLog.Flush(TimeSpan.FromSeconds(10)));
        Assert.Equal(string.Empty, log.ToString()); // asking is not serving: no "served outside its validity" warning
    }

    [Fact]
    public void SelectorHasValidCertificateFor_DefaultCertificateCoversNamesWithoutTheirOwn()
    {
        var map = new CertificateMap();
        map.Set(Issue(CertificateKeyType.EcdsaP256, -60, -1, "own-expired.fallback.test"));
        var selector = new SniCertificateSelector(map);

        Assert.False(selector.HasValidCertificateFor("a.fallback.test"u8));
        selector.DefaultCertificate = Issue(CertificateKeyType.EcdsaP256, -1, 30, "*.fallback.test");
        Assert.True(selector.HasValidCertificateFor("a.fallback.test"u8));
        Assert.False(selector.HasValidCertificateFor("other.test"u8));
        Assert.False(selector.HasValidCertificateFor("own-expired.fallback.test"u8)); // its own expired one is what a handshake gets
        selector.DefaultCertificate = Issue(CertificateKeyType.EcdsaP256, -60, -1, "*.fallback.test");
        Assert.False(selector.HasValidCertificateFor("a.fallback.test"u8));
    }

    private static bool Has(CertificateMap map, string name) =>
        map.HasValidCertificate(System.Text.Encoding.ASCII.GetBytes(name), out _);

    private CertificateEntry Issue(CertificateKeyType keyType, int notBeforeDays, int notAfterDays, params string[] names)
    {
        IssuedCertificate issued = _authority.Issue(names, keyType, s_now.AddDays(notBeforeDays), s_now.AddDays(notAfterDays));
        return CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, $"memory:{names[0]}:{Guid.NewGuid():N}");
    }
}
