using System.Security.Cryptography;
using Terminator.Acme;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>The sealed account key file and the store that keeps it: authenticated, bound to its CA, never replaced silently.</summary>
public sealed class AcmeAccountKeyFileTests : IDisposable
{
    private static readonly Uri s_directory = new("https://acme.ca.test/directory");
    private readonly TempDirectory _folder = new("acme-key");
    private readonly StoreKey _storeKey = StoreKey.Generate();

    [Fact]
    public void Seal_ThenOpen_GivesBackTheKey()
    {
        using var key = AcmeAccountKey.Generate();
        byte[] file = Seal(key);

        Assert.Null(AcmeAccountKeyFile.TryOpen(file, s_directory, _storeKey, out byte[]? pkcs8));
        using var reopened = AcmeAccountKey.FromPkcs8(pkcs8);
        Assert.Equal(key.Thumbprint, reopened.Thumbprint);
    }

    [Fact]
    public void TryOpen_AnyTamperedByte_IsRefused()
    {
        using var key = AcmeAccountKey.Generate();
        byte[] file = Seal(key);
        for (int i = 0; i < file.Length; i++)
        {
            byte[] tampered = (byte[])file.Clone();
            tampered[i] ^= 0x01;

            Assert.NotNull(AcmeAccountKeyFile.TryOpen(tampered, s_directory, _storeKey, out byte[]? pkcs8));
            Assert.Null(pkcs8);
        }
    }

    [Fact]
    public void TryOpen_AnotherStoreKey_FailsAuthentication()
    {
        using var key = AcmeAccountKey.Generate();
        using StoreKey other = StoreKey.Generate();

        string? problem = AcmeAccountKeyFile.TryOpen(Seal(key), s_directory, other, out _);

        Assert.StartsWith("authentication failed", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOpen_AnotherCa_IsRefusedByName()
    {
        using var key = AcmeAccountKey.Generate();

        string? problem = AcmeAccountKeyFile.TryOpen(Seal(key), new Uri("https://other.ca.test/directory"), _storeKey, out _);

        Assert.Equal("the key belongs to the ACME directory https://acme.ca.test/directory, not https://other.ca.test/directory", problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(40)]
    public void TryOpen_Truncated_IsRefused(int keep)
    {
        using var key = AcmeAccountKey.Generate();
        Assert.NotNull(AcmeAccountKeyFile.TryOpen(Seal(key).AsSpan(0, keep), s_directory, _storeKey, out _));
    }

    [Fact]
    public async Task LoadOrCreateKeyAsync_CreatesOnceThenReuses_Mode600_NotACertificateEntry()
    {
        var store = new AcmeAccountStore(Path.Combine(_folder.FullName, "store"), _storeKey);

        using AcmeAccountKey created = await store.LoadOrCreateKeyAsync(s_directory, CancellationToken.None);
        using AcmeAccountKey loaded = await store.LoadOrCreateKeyAsync(s_directory, CancellationToken.None);

        Assert.Equal(created.Thumbprint, loaded.Thumbprint);
        string path = store.KeyPath(s_directory);
        Assert.Matches(@"acme-account-[0-9a-f]{16}\.key$", path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_folder.FullName, "store")));
        Assert.NotEqual(path, store.KeyPath(new Uri("https://staging.ca.test/directory")));
    }

    [Fact]
    public async Task LoadOrCreateKeyAsync_TamperedFile_ThrowsAndLeavesItInPlace()
    {
        var store = new AcmeAccountStore(_folder.FullName, _storeKey);
        (await store.LoadOrCreateKeyAsync(s_directory, CancellationToken.None)).Dispose();
        string path = store.KeyPath(s_directory);
        byte[] file = await File.ReadAllBytesAsync(path);
        file[^1] ^= 0x80;
        await File.WriteAllBytesAsync(path, file);

        InvalidDataException error = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadOrCreateKeyAsync(s_directory, CancellationToken.None));

        Assert.Contains("authentication failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(file, await File.ReadAllBytesAsync(path)); // not replaced by a new key
    }

    [Fact]
    public async Task AccountUrl_IsRememberedPerCa()
    {
        var store = new AcmeAccountStore(_folder.FullName, _storeKey);
        store.SaveAccountUrl(s_directory, new Uri("https://acme.ca.test/acct/42"));

        Assert.Equal(new Uri("https://acme.ca.test/acct/42"), await store.ReadAccountUrlAsync(s_directory, CancellationToken.None));
        Assert.Null(await store.ReadAccountUrlAsync(new Uri("https://other.ca.test/directory"), CancellationToken.None));
        Assert.EndsWith(".url", store.AccountUrlPath(s_directory), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ShowsNoKeyMaterial()
    {
        using var key = AcmeAccountKey.Generate();
        Assert.Equal($"AcmeAccountKey(ES256, thumbprint {key.Thumbprint})", key.ToString());
    }

    private byte[] Seal(AcmeAccountKey key)
    {
        byte[] pkcs8 = key.ExportPkcs8();
        try
        {
            return AcmeAccountKeyFile.Seal(s_directory, pkcs8, _storeKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public void Dispose()
    {
        _storeKey.Dispose();
        _folder.Dispose();
    }
}
