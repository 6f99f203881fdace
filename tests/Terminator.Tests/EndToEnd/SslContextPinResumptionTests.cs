using System.Net.Security;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// What the SSL_CTX pin is for, seen by a client (openssl s_client offering its TLS 1.3 ticket): sessions resume after
/// the runtime's SSL_CTX cache has cleaned up, for every key type, and only because of the pin. If a runtime change
/// made the pin unnecessary (the "off" cases start resuming) or broke it (the "on" cases stop), these fail.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class SslContextPinResumptionTests : IDisposable
{
    /// <summary>More than the 32 new SSL_CTX after which SslStream's cache frees every context no connection uses.</summary>
    private const int Names = 40;

    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Pin Resumption CA");

    public void Dispose() => _authority.Dispose();

    public static TheoryData<CertificateKeyType, bool> KeyTypes => new()
    {
        { CertificateKeyType.EcdsaP256, true },
        { CertificateKeyType.EcdsaP384, true },
        { CertificateKeyType.EcdsaP521, true },
        { CertificateKeyType.Rsa2048, true },
        { CertificateKeyType.Rsa3072, true },
        { CertificateKeyType.Rsa4096, true },
        // The control: without the pin the churn below does cost the session (so the cases above prove something).
        { CertificateKeyType.EcdsaP384, false },
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task KeyType_SessionSurvivesTheRuntimesSslContextCleanupOnlyWhenPinned(CertificateKeyType keyType, bool pin)
    {
        const string Site = "pinned.resume.test";
        var map = new CertificateMap(contextCache: new CertificateContextCache(8, pinSslContexts: pin));
        IssuedCertificate issued = _authority.Issue([Site], keyType);
        map.Set(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:pinned"));
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, map);
        using var temp = new TempDirectory("pin-session");
        string session = temp.PathOf("session.pem");
        string first = await SessionResumptionTests.RequestAsync(terminator.Https.Port, ["-sess_out", session], Site);
        Assert.Single(SessionResumptionTests.SessionLines(first, "New, TLSv1.3"));
        SslContextPinCounters pins = map.ContextCache.Pins;
        Assert.True(await Eventually.TrueAsync(() => pins.Held == (pin ? 1 : 0)), $"{pins.Held} pins held");
        Assert.Equal(0, pins.Failed);

        await ChurnRuntimeSslContextCacheAsync();
        string second = await SessionResumptionTests.RequestAsync(terminator.Https.Port, ["-sess_in", session], Site);

        Assert.Single(SessionResumptionTests.SessionLines(second, pin ? "Reused, TLSv1.3" : "New, TLSv1.3"));
        Assert.Equal(pin ? 1 : 0, pins.Held);
        Assert.Equal(0, pins.Failed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FortyNames_EveryOneResumesWithThePinAndNotAllWithout(bool pin)
    {
        // SslStream's process-wide SSL_CTX cache frees every unused context each time it grows by 32: without the pins
        // a new SSL_CTX (with an empty session cache and a new ticket key) is built for most of these handshakes.
        var map = new CertificateMap(contextCache: new CertificateContextCache(Names, pinSslContexts: pin));
        string[] sites = [.. Enumerable.Range(0, Names).Select(i => $"site{i:D2}.pins.test")];
        foreach (string site in sites)
        {
            IssuedCertificate issued = _authority.Issue([site]);
            map.Set(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:" + site));
        }

        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, map);
        using var temp = new TempDirectory("pin-sessions");
        string[] sessions = [.. sites.Select(site => temp.PathOf(site + ".pem"))];
        for (int i = 0; i < sites.Length; i++)
        {
            await SessionResumptionTests.RequestAsync(terminator.Https.Port, ["-sess_out", sessions[i]], sites[i]);
        }

        var reused = new List<string>();
        for (int i = 0; i < sites.Length; i++)
        {
            string output = await SessionResumptionTests.RequestAsync(terminator.Https.Port, ["-sess_in", sessions[i]], sites[i]);
            if (SessionResumptionTests.SessionLines(output, "Reused, TLSv1.3").Count == 1)
            {
                reused.Add(sites[i]);
            }
        }

        if (pin)
        {
            Assert.Equal(sites, reused);
            Assert.Equal(Names, map.ContextCache.Pins.Held);
        }
        else
        {
            // If this starts failing, the runtime keeps SSL_CTXs (and their sessions) by itself: the pin may go.
            Assert.True(reused.Count < Names, $"all {Names} names resumed without the pin");
            Assert.Equal(0, map.ContextCache.Pins.Held);
        }

        Assert.Equal(0, map.ContextCache.Pins.Failed);
    }

    /// <summary>Makes SslStream's SSL_CTX cache build more than 32 new contexts and so free every unused one: each of
    /// these certificates gets its SSL_CTX from a pin taken and released at once.</summary>
    private async Task ChurnRuntimeSslContextCacheAsync()
    {
        var counters = new SslContextPinCounters();
        for (int i = 0; i < Names; i++)
        {
            IssuedCertificate issued = _authority.Issue([$"churn{i}.resume.test"]);
            CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:churn");
            SslServerAuthenticationOptions options = TlsPolicy.CreateServerOptions(SslStreamCertificateContext.Create(entry.Certificate, null, offline: true));
            SslContextPin pin = SslContextPin.Start(options, counters);
            Assert.True(await Eventually.TrueAsync(() => pin.IsHeld), "a churn pin did not hold");
            pin.Release();
        }
    }
}
