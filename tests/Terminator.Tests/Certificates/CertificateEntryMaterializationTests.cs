using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Storage;
using Terminator.Tests.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

/// <summary>Compact entries: nothing heavy at load, one shared materialisation on first use, real handshakes over
/// sockets, and broken store entries refused at load.</summary>
public sealed class CertificateEntryMaterializationTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public async Task ConcurrentFirstHandshakes_ShareOneMaterialisation()
    {
        (CertificateEntry loaded, _) = _ctx.Issue(["shared.example"]);
        var source = new GatedMaterialSource(new CertificateMaterial(loaded.Certificate, loaded.Intermediates, loaded.Names));
        CertificateEntry entry = CertificateContextCacheTests.Entry("shared.example", source, new CertificateContextCache(16));

        var waiters = new List<Task<SslServerAuthenticationOptions>>();
        for (int i = 0; i < 32; i++)
        {
            waiters.Add(entry.GetServerOptionsAsync(CancellationToken.None).AsTask());
        }

        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        source.Release();
        SslServerAuthenticationOptions[] options = await Task.WhenAll(waiters);

        Assert.Equal(1, source.Loads);
        Assert.All(options, o => Assert.Same(options[0], o));
        Assert.True(IsSynchronous(entry.GetServerOptionsAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task FailedMaterialisation_ReachesEveryWaiter_AndTheNextCallRetries()
    {
        (CertificateEntry loaded, _) = _ctx.Issue(["retry.example"]);
        var source = new GatedMaterialSource(new CertificateMaterial(loaded.Certificate, loaded.Intermediates, loaded.Names)) { FailNext = true };
        CertificateEntry entry = CertificateContextCacheTests.Entry("retry.example", source, new CertificateContextCache(16));

        Task<SslServerAuthenticationOptions> a = entry.GetServerOptionsAsync(CancellationToken.None).AsTask();
        Task<SslServerAuthenticationOptions> b = entry.GetServerOptionsAsync(CancellationToken.None).AsTask();
        source.Release();
        await Assert.ThrowsAsync<CertificateLoadException>(() => a);
        await Assert.ThrowsAsync<CertificateLoadException>(() => b);

        SslServerAuthenticationOptions options = await entry.GetServerOptionsAsync(CancellationToken.None);
        Assert.NotNull(options.ServerCertificateContext);
        Assert.Equal(2, source.Loads);
    }

    [Fact]
    public async Task StoreEntry_LoadsCompact_AndMaterialisesOnFirstHandshakeOverASocket()
    {
        await _ctx.PutAsync("lazy.example", "www.lazy.example");
        (CertificateMap map, CertificateReloadResult result) = await _ctx.ServeAsync();
        Assert.Equal(1, result.Added);
        Assert.True(map.TryGet("lazy.example"u8, out CertificateEntry? entry));
        Assert.False(entry.IsMaterialized);
        Assert.Equal(["lazy.example", "www.lazy.example"], entry.Names);
        Assert.Equal("ECDSA P-256", entry.KeyAlgorithm);

        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, map);
        Assert.False(entry.IsMaterialized);

        for (int i = 0; i < 2; i++)
        {
            await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, "www.lazy.example", _ctx.Authority.Certificate);
            Assert.Contains("lazy.example", client.Tls!.RemoteCertificate!.Subject, StringComparison.Ordinal);
        }

        Assert.True(entry.IsMaterialized);
    }

    [Fact]
    public async Task TamperedStoreEntry_RejectedAtLoad_OthersStayCompact()
    {
        (StoredCertificateInfo good, _) = await _ctx.PutAsync("good.example");
        (StoredCertificateInfo bad, _) = await _ctx.PutAsync("bad.example");
        byte[] file = await File.ReadAllBytesAsync(bad.Location);
        file[^1] ^= 0x01; // last ciphertext byte: only AES-GCM can notice
        await File.WriteAllBytesAsync(bad.Location, file);

        (CertificateMap map, CertificateReloadResult result) = await _ctx.ServeAsync();

        Assert.Equal(1, result.Added);
        Assert.True(map.TryGet("good.example"u8, out CertificateEntry? entry));
        Assert.Equal(good.Location, entry.Source);
        Assert.False(entry.IsMaterialized);
        Assert.False(map.TryGet("bad.example"u8, out _));
        CertificateLoadError problem = Assert.Single(result.Errors);
        Assert.Equal(bad.Location, problem.Path);
        Assert.True(problem.AuthenticationFailed);
    }

    [Fact]
    public async Task StoreEntry_TamperedAfterLoad_FailsToMaterialiseWithPathAndReason()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("later.example");
        (CertificateMap map, _) = await _ctx.ServeAsync();
        Assert.True(map.TryGet("later.example"u8, out CertificateEntry? entry));
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        file[^1] ^= 0x01;
        await File.WriteAllBytesAsync(info.Location, file);

        var ex = await Assert.ThrowsAsync<CertificateLoadException>(() => entry.GetServerOptionsAsync(CancellationToken.None).AsTask());

        Assert.Equal(info.Location, ex.Path);
        Assert.Contains("authentication failed", ex.Message, StringComparison.Ordinal);
        Assert.False(entry.IsMaterialized);
    }

    private static bool IsSynchronous(ValueTask<SslServerAuthenticationOptions> pending) => pending.IsCompletedSuccessfully;

    /// <summary>Holds every load until <see cref="Release"/>, so racing first calls are guaranteed to overlap.</summary>
    private sealed class GatedMaterialSource(CertificateMaterial material) : ICertificateMaterialSource
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _loads;

        public bool FailNext { get; set; }

        public int Loads => Volatile.Read(ref _loads);

        public void Release() => _gate.TrySetResult();

        public async ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            await _gate.Task;
            if (FailNext)
            {
                FailNext = false;
                throw new CertificateLoadException(entry.Source, "simulated failure");
            }

            return material;
        }

        public CertificateMaterial Load(CertificateEntry entry) => throw new InvalidOperationException("handshake path must load asynchronously");
    }
}
