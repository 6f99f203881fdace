using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

public sealed class CertificateExpiryMonitorTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Expiry test CA");

    public void Dispose() => _authority.Dispose();

    [Fact]
    public void Check_LogsCertificatesNearExpiry_OnceEach_NotTheHealthyOnes()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var map = new CertificateMap();
        map.Set(Entry("healthy.test", now.AddDays(-30), now.AddDays(60)));
        map.Set(Entry("late.test", now.AddDays(-80), now.AddDays(10)));           // 90-day certificate, renewal overdue
        map.Set(Entry("short.test", now.AddDays(-1), now.AddDays(5)));            // 6-day certificate, 5 days left: fine
        map.Set(Entry("short-late.test", now.AddDays(-5), now.AddDays(1)));       // 6-day certificate, 1 day left
        var multi = Entry("a.multi.test", now.AddDays(-85), now.AddDays(5), "b.multi.test");
        map.Set(multi);                                                            // two names, one certificate
        var log = new LogLines();

        int near = new CertificateExpiryMonitor(map, log.Log).Check();

        Assert.Equal(3, near);
        string text = string.Join('\n', log.Lines);
        Assert.Contains("3 served certificate(s) expire soon", text, StringComparison.Ordinal);
        Assert.Contains("late.test", text, StringComparison.Ordinal);
        Assert.Contains("short-late.test", text, StringComparison.Ordinal);
        Assert.Single(log.Lines, l => l.Contains("a.multi.test, b.multi.test", StringComparison.Ordinal));
        Assert.DoesNotContain("healthy.test", text, StringComparison.Ordinal);
        Assert.DoesNotContain("short.test from", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NothingNear_Silent()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var map = new CertificateMap();
        map.Set(Entry("healthy.test", now.AddDays(-1), now.AddDays(89)));
        var log = new LogLines();

        Assert.Equal(0, new CertificateExpiryMonitor(map, log.Log).Check());
        Assert.Empty(log.Lines);
    }

    private CertificateEntry Entry(string name, DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] more)
    {
        IssuedCertificate issued = _authority.Issue([name, .. more], CertificateKeyType.EcdsaP256, notBefore, notAfter);
        return CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:" + name);
    }
}
