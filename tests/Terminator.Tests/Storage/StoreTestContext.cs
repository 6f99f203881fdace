using System.Buffers.Binary;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>A temp store directory, a random key and a throwaway CA; deleted on dispose.</summary>
public sealed class StoreTestContext : IDisposable
{
    public StoreTestContext()
    {
        _directory = new TempDirectory("store");
        StoreDirectory = Path.Combine(Directory, "store");
        Key = StoreKey.Generate();
        Store = new DirectoryCertificateStore(StoreDirectory, Key);
        Authority = LocalCertificateAuthority.Create("Store Test CA");
    }

    private readonly TempDirectory _directory;

    public string Directory => _directory.FullName;
    public string StoreDirectory { get; }
    internal StoreKey Key { get; }
    internal DirectoryCertificateStore Store { get; }
    public LocalCertificateAuthority Authority { get; }

    internal (CertificateEntry Entry, IssuedCertificate Issued) Issue(string[] names, CertificateKeyType keyType = CertificateKeyType.EcdsaP256)
    {
        IssuedCertificate issued = Authority.Issue(names, keyType);
        return (CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:" + names[0]), issued);
    }

    internal async Task<(StoredCertificateInfo Info, IssuedCertificate Issued)> PutAsync(params string[] names)
    {
        (CertificateEntry entry, IssuedCertificate issued) = Issue(names);
        return (await Store.PutAsync(entry), issued);
    }

    /// <summary>Loads the store the way the daemon does, a <see cref="CertificateDirectoryWatcher"/> over its entry files
    /// (<see cref="StoreCertificateFileSet"/>), into a fresh map; what failed is returned, not logged.</summary>
    internal async Task<(CertificateMap Map, CertificateReloadResult Result)> ServeAsync(DirectoryCertificateStore? store = null)
    {
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(store ?? Store), map, TerminatorLog.Silent, Timeout.InfiniteTimeSpan);
        CertificateReloadResult result = await watcher.RescanAsync(logFailures: false);
        return (map, result);
    }

    /// <summary>Offsets in a v1 entry file: (header start, header length, nonce, tag, ciphertext).</summary>
    public static (int Header, int HeaderLength, int Nonce, int Tag, int Ciphertext) Layout(byte[] file)
    {
        int headerLength = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(10));
        int nonce = 14 + headerLength;
        return (14, headerLength, nonce, nonce + 12, nonce + 12 + 16 + 4);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Key.Dispose();
        _directory.Dispose();
    }
}
