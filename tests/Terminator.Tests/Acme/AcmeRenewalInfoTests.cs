using System.Security.Cryptography.X509Certificates;
using Terminator.Acme;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.Acme;

/// <summary>ACME Renewal Information (RFC 9773) against the scripted CA: the URL, the window, Retry-After, absence.</summary>
public sealed class AcmeRenewalInfoTests
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetRenewalInfoAsync_ReadsTheWindowExplanationAndRetryAfter()
    {
        using var authority = LocalCertificateAuthority.Create("ARI CA");
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(authority.Issue(["ari.shop.test"]).CertificatePem);
        string id = AcmeCertificateIdentifier.TryCreate(certificate)!;
        await using var server = new ScriptedAcmeServer(request => request.Path == "/renewal-info/" + id
            ? new ScriptedAcmeResponse(200, """
                {"suggestedWindow":{"start":"2026-01-02T04:00:00Z","end":"2026-01-03T04:00:00Z"},"explanationURL":"https://ca.test/incident/1"}
                """).WithHeader("Retry-After", "21600")
            : null, renewalInfo: true);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeRenewalInfo? info = await client.GetRenewalInfoAsync(certificate, timeout.Token);

        Assert.NotNull(info);
        Assert.Equal(DateTimeOffset.Parse("2026-01-02T04:00:00Z", System.Globalization.CultureInfo.InvariantCulture), info.WindowStart);
        Assert.Equal(DateTimeOffset.Parse("2026-01-03T04:00:00Z", System.Globalization.CultureInfo.InvariantCulture), info.WindowEnd);
        Assert.Equal(new Uri("https://ca.test/incident/1"), info.ExplanationUrl);
        Assert.Equal(TimeSpan.FromHours(6), info.RetryAfter);
        ScriptedAcmeRequest request = server.Requests.Single(r => r.Path.StartsWith("/renewal-info/", StringComparison.Ordinal));
        Assert.Equal("GET", request.Method); // RFC 9773 §4.2: unauthenticated GET
    }

    [Fact]
    public async Task GetRenewalInfoAsync_CaWithoutRenewalInfo_ReturnsNull()
    {
        using var authority = LocalCertificateAuthority.Create("ARI CA");
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(authority.Issue(["ari.shop.test"]).CertificatePem);
        await using var server = new ScriptedAcmeServer(_ => null, renewalInfo: false);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        Assert.Null(await client.GetRenewalInfoAsync(certificate, timeout.Token));
        Assert.Equal(["/dir"], server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task GetRenewalInfoAsync_UnknownCertificate_ReturnsNull()
    {
        using var authority = LocalCertificateAuthority.Create("ARI CA");
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(authority.Issue(["ari.shop.test"]).CertificatePem);
        await using var server = new ScriptedAcmeServer(_ => null, renewalInfo: true); // default: 404 problem
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        Assert.Null(await client.GetRenewalInfoAsync(certificate, timeout.Token));
    }

    private static Task<AcmeClient> CreateAsync(ScriptedAcmeServer server) =>
        AcmeClient.CreateAsync(new AcmeClientOptions { DirectoryUri = server.DirectoryUri }, AcmeAccountKey.Generate(), CancellationToken.None);
}
