using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Acme;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>
/// The client against a real ACME server (Pebble) with real validation: Pebble's validator connects to the fixture's
/// loopback responder for HTTP-01 and TLS-ALPN-01, and the issued chains are verified against Pebble's root.
/// </summary>
public sealed class AcmeClientPebbleTests(PebbleFixture fixture) : IClassFixture<PebbleFixture>
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(60);

    [PebbleFact]
    public async Task IssueAsync_Http01_IssuesAnEcdsaCertificateChainingToPebblesRoot()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        string name = UniqueName("http"), second = UniqueName("www");
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(Options(AcmeChallengeTypes.Http01), key, timeout.Token);

        using AcmeIssuedCertificate issued = await client.IssueAsync([name, second], AcmeKeyType.EcdsaP256, fixture.Responder, null, timeout.Token);

        AssertChainsToPebbleRoot(issued);
        Assert.Equal([name, second], DnsNames(issued.Leaf));
        Assert.Equal(name, issued.Leaf.GetNameInfo(X509NameType.SimpleName, false));
        using ECDsa? leafKey = issued.Leaf.GetECDsaPrivateKey();
        Assert.NotNull(leafKey);
        Assert.Equal(256, leafKey.KeySize);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", issued.PrivateKeyPem, StringComparison.Ordinal);
        Assert.Contains($"served http-01 {name} 200", fixture.Responder.Log);
        Assert.Contains($"served http-01 {second} 200", fixture.Responder.Log);
        Assert.Contains($"cleanup http-01 {name}", fixture.Responder.Log);
        Assert.DoesNotContain(fixture.Responder.Live, c => c.Domain == name || c.Domain == second);
    }

    [PebbleFact]
    public async Task IssueAsync_TlsAlpn01_IssuesThroughTheChallengeCertificate()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        string name = UniqueName("alpn");
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(Options(AcmeChallengeTypes.TlsAlpn01), key, timeout.Token);

        using AcmeIssuedCertificate issued = await client.IssueAsync([name], AcmeKeyType.EcdsaP256, fixture.Responder, null, timeout.Token);

        AssertChainsToPebbleRoot(issued);
        Assert.Contains($"served tls-alpn-01 {name} acme-tls/1", fixture.Responder.Log);
        Assert.Contains($"cleanup tls-alpn-01 {name}", fixture.Responder.Log);
        Assert.DoesNotContain(fixture.Responder.Log, line => line.StartsWith($"served http-01 {name}", StringComparison.Ordinal));
    }

    [PebbleFact]
    public async Task IssueAsync_Rsa2048AsDefaultKeyType_IssuesAnRsaCertificateWithAFreshKey()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        string name = UniqueName("rsa");
        using var key = AcmeAccountKey.Generate();
        AcmeClientOptions options = Options(AcmeChallengeTypes.Http01) with { DefaultKeyType = AcmeKeyType.Rsa2048 };
        await using AcmeClient client = await AcmeClient.CreateAsync(options, key, timeout.Token);

        using AcmeIssuedCertificate issued = await client.IssueAsync([name], fixture.Responder, null, timeout.Token);

        AssertChainsToPebbleRoot(issued);
        using RSA? leafKey = issued.Leaf.GetRSAPrivateKey();
        Assert.NotNull(leafKey);
        Assert.Equal(2048, leafKey.KeySize);
        Assert.Equal(AcmeKeyType.Rsa2048, issued.KeyType);
        // The PEM key is the leaf's key.
        using var fromPem = RSA.Create();
        fromPem.ImportFromPem(issued.PrivateKeyPem);
        Assert.Equal(issued.Leaf.PublicKey.ExportSubjectPublicKeyInfo(), fromPem.ExportSubjectPublicKeyInfo());
    }

    [PebbleFact]
    public async Task EnsureAccountAsync_SamePersistedKey_ReturnsTheSameAccountUrl()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var temp = new TempDirectory("acme-account");
        string directory = temp.FullName;
        using StoreKey storeKey = StoreKey.Generate();
        var store = new AcmeAccountStore(directory, storeKey);
        Uri first, second;
        string thumbprint;
        await using (AcmeClient client = await AcmeClient.CreateAsync(Options(AcmeChallengeTypes.Http01), store, timeout.Token))
        {
            first = await client.EnsureAccountAsync(timeout.Token);
            thumbprint = client.AccountKeyThumbprint;
        }

        // A restart: a new client over the same folder and store key.
        await using (AcmeClient client = await AcmeClient.CreateAsync(Options(AcmeChallengeTypes.Http01), new AcmeAccountStore(directory, storeKey), timeout.Token))
        {
            second = await client.EnsureAccountAsync(timeout.Token);
            Assert.Equal(thumbprint, client.AccountKeyThumbprint);
        }

        Assert.Equal(first, second);
        string keyFile = store.KeyPath(fixture.Pebble.DirectoryUri);
        Assert.EndsWith(".key", keyFile, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(first, await store.ReadAccountUrlAsync(fixture.Pebble.DirectoryUri, timeout.Token));
        Assert.Empty(Directory.GetFiles(directory, "*.tcert"));
    }

    [PebbleFact]
    public async Task IssueAsync_ChallengeNotServed_SurfacesPebblesProblemAndCleansUp()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        string name = UniqueName("unserved");
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(Options(AcmeChallengeTypes.Http01), key, timeout.Token);
        var silent = new RecordingResponder(); // presents nothing: the fixture's server answers 404

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() =>
            client.IssueAsync([name], AcmeKeyType.EcdsaP256, silent, null, timeout.Token));

        Assert.Equal("urn:ietf:params:acme:error:unauthorized", problem.Type);
        Assert.Contains("/.well-known/acme-challenge/", problem.Message, StringComparison.Ordinal);
        Assert.Contains("404", problem.Detail, StringComparison.Ordinal);
        Assert.Equal([$"present http-01 {name}", $"cleanup http-01 {name}"], silent.Log);
    }

    [PebbleFact]
    public async Task EnsureAccountAsync_WithoutTheExtraRoot_IsATransportFailure()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var key = AcmeAccountKey.Generate();
        AcmeClientOptions options = Options(AcmeChallengeTypes.Http01) with { AdditionalRootCertificatesPemPath = null };
        await using AcmeClient client = await AcmeClient.CreateAsync(options, key, timeout.Token);

        AcmeTransportException failure = await Assert.ThrowsAsync<AcmeTransportException>(() => client.EnsureAccountAsync(timeout.Token));

        Assert.Contains(fixture.Pebble.DirectoryUri.AbsoluteUri, failure.Message, StringComparison.Ordinal);
    }

    private AcmeClientOptions Options(string challengeType) => new()
    {
        DirectoryUri = fixture.Pebble.DirectoryUri,
        AdditionalRootCertificatesPemPath = fixture.Pebble.WfeCaPemPath,
        Email = "ops@example.com",
        ChallengePreference = [challengeType],
        PollInterval = TimeSpan.FromMilliseconds(100),
        ValidationTimeout = TimeSpan.FromSeconds(30),
        OrderTimeout = TimeSpan.FromSeconds(30),
    };

    private static string UniqueName(string label) => $"{label}-{Guid.NewGuid():N}"[..20] + ".acme.test";

    private void AssertChainsToPebbleRoot(AcmeIssuedCertificate issued)
    {
        var sent = new X509Certificate2Collection();
        sent.ImportFromPem(issued.ChainPem);
        Assert.True(sent.Count >= 2, "the chain holds the leaf and Pebble's intermediate");
        using X509Certificate2 root = X509Certificate2.CreateFromPem(fixture.Pebble.RootPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(issued.Leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(sent[0].Thumbprint, issued.Leaf.Thumbprint);
    }

    private static List<string> DnsNames(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames()];
}
