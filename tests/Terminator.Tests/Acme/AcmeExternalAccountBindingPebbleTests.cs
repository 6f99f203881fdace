using Terminator.Acme;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>External Account Binding (RFC 8555 §7.3.4) against a Pebble that requires it.</summary>
public sealed class AcmeExternalAccountBindingPebbleTests(AcmeExternalAccountBindingPebbleTests.EabPebble fixture)
    : IClassFixture<AcmeExternalAccountBindingPebbleTests.EabPebble>
{
    private const string KeyId = "kid-1";
    private const string MacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"; // Pebble's example key
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(30);

    [PebbleFact]
    public async Task EnsureAccountAsync_WithTheCasMacKey_RegistersTheAccount()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(Options() with { ExternalAccountKeyId = KeyId, ExternalAccountHmacKey = MacKey }, key, timeout.Token);

        Assert.True((await client.GetDirectoryAsync(timeout.Token)).ExternalAccountRequired);
        Uri account = await client.EnsureAccountAsync(timeout.Token);

        Assert.StartsWith(fixture.Pebble.DirectoryUri.GetLeftPart(UriPartial.Authority), account.AbsoluteUri, StringComparison.Ordinal);
    }

    [PebbleFact]
    public async Task EnsureAccountAsync_WithoutBinding_SurfacesExternalAccountRequired()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(Options(), key, timeout.Token);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() => client.EnsureAccountAsync(timeout.Token));

        Assert.Equal("urn:ietf:params:acme:error:externalAccountRequired", problem.Type);
    }

    [PebbleFact]
    public async Task EnsureAccountAsync_WrongMacKey_IsRefused()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var key = AcmeAccountKey.Generate();
        AcmeClientOptions options = Options() with { ExternalAccountKeyId = KeyId, ExternalAccountHmacKey = "AAECAwQFBgcICQoLDA0ODw" };
        await using AcmeClient client = await AcmeClient.CreateAsync(options, key, timeout.Token);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() => client.EnsureAccountAsync(timeout.Token));

        Assert.StartsWith(AcmeProblemException.ErrorNamespace, problem.Type, StringComparison.Ordinal);
    }

    private AcmeClientOptions Options() => new()
    {
        DirectoryUri = fixture.Pebble.DirectoryUri,
        AdditionalRootCertificatesPemPath = fixture.Pebble.WfeCaPemPath,
    };

    /// <summary>A Pebble with EAB required (no challenges are validated: its ports point nowhere).</summary>
    public sealed class EabPebble : IAsyncLifetime
    {
        private PebbleProcess? _pebble;

        public PebbleProcess Pebble => _pebble ?? throw new InvalidOperationException("pebble is not installed");

        public async Task InitializeAsync()
        {
            if (PebbleProcess.IsInstalled)
            {
                _pebble = await PebbleProcess.StartAsync(LoopbackPorts.Reserve(), LoopbackPorts.Reserve(),
                    new Dictionary<string, string> { [KeyId] = MacKey });
            }
        }

        public async Task DisposeAsync()
        {
            if (_pebble is not null)
            {
                await _pebble.DisposeAsync();
            }
        }
    }
}
