using System.Security.Cryptography;
using System.Text;
using Terminator.Configuration;
using Terminator.Storage;

namespace Terminator.Acme;

/// <summary>
/// Keeps one ACME account per CA directory across restarts, in a folder (normally the certificate store's): the key
/// sealed under the store key (<see cref="AcmeAccountKeyFile"/>) in <c>acme-account-&lt;hash&gt;.key</c>, and the
/// account URL the CA assigned, which is not secret, in <c>acme-account-&lt;hash&gt;.url</c>. &lt;hash&gt; is the first
/// 16 hex digits of SHA-256 of the directory URL, so accounts at several CAs (staging and production) sit side by
/// side. Neither extension is <c>.tcert</c>, so the certificate store and its watcher ignore them. Writes are atomic
/// and durable (<see cref="AtomicFile"/>, mode 600).
/// </summary>
internal sealed class AcmeAccountStore : IAcmeAccountStore
{
    private readonly string _directory;
    private readonly StoreKey _key;

    public AcmeAccountStore(string directory, StoreKey key)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(key);
        _directory = directory;
        _key = key;
    }

    /// <summary>The key file for <paramref name="directoryUri"/>.</summary>
    public string KeyPath(Uri directoryUri) => Path.Combine(_directory, BaseName(directoryUri) + ".key");

    /// <summary>The account URL file for <paramref name="directoryUri"/>.</summary>
    public string AccountUrlPath(Uri directoryUri) => Path.Combine(_directory, BaseName(directoryUri) + ".url");

    /// <summary>
    /// The account key for <paramref name="directoryUri"/>: the stored one, or a new one that is stored first. A file
    /// that exists but does not open (tampered, another store key, another CA) is an error, never silently replaced:
    /// replacing it would orphan the account and its rate-limit history at the CA.
    /// </summary>
    /// <exception cref="InvalidDataException">The key file exists but cannot be used; the message says why.</exception>
    public async Task<AcmeAccountKey> LoadOrCreateKeyAsync(Uri directoryUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directoryUri);
        string path = KeyPath(directoryUri);
        if (File.Exists(path))
        {
            byte[] file = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            string? problem = AcmeAccountKeyFile.TryOpen(file, directoryUri, _key, out byte[]? pkcs8);
            if (problem is not null)
            {
                throw new InvalidDataException($"ACME account key '{path}' cannot be used: {problem}");
            }

            try
            {
                return AcmeAccountKey.FromPkcs8(pkcs8!);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException($"ACME account key '{path}' cannot be used: {ex.Message}", ex);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        EnsureDirectory();
        AcmeAccountKey created = AcmeAccountKey.Generate();
        byte[] key = created.ExportPkcs8();
        try
        {
            AtomicFile.Write(path, AcmeAccountKeyFile.Seal(directoryUri, key, _key));
        }
        catch
        {
            created.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return created;
    }

    /// <summary>The account URL recorded for <paramref name="directoryUri"/>, or null when none is (or it is unreadable).</summary>
    public async Task<Uri?> ReadAccountUrlAsync(Uri directoryUri, CancellationToken cancellationToken)
    {
        string path = AccountUrlPath(directoryUri);
        if (!File.Exists(path))
        {
            return null;
        }

        // Two lines: the directory URL (so a copied file is not believed for another CA), then the account URL.
        string[] lines = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2 && lines[0] == directoryUri.AbsoluteUri && Uri.TryCreate(lines[1], UriKind.Absolute, out Uri? account)
            ? account
            : null;
    }

    /// <summary>Records the account URL the CA assigned, atomically.</summary>
    public void SaveAccountUrl(Uri directoryUri, Uri accountUrl)
    {
        EnsureDirectory();
        AtomicFile.Write(AccountUrlPath(directoryUri), Encoding.UTF8.GetBytes($"{directoryUri.AbsoluteUri}\n{accountUrl.AbsoluteUri}\n"));
    }

    /// <inheritdoc />
    public Task SaveAccountUrlAsync(Uri directoryUri, Uri accountUrl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SaveAccountUrl(directoryUri, accountUrl);
        return Task.CompletedTask;
    }

    /// <summary>Replaces the sealed key file for <paramref name="directoryUri"/> with <paramref name="sealedKey"/> (a
    /// fleet node's copy of the fleet's account) and forgets a URL recorded for another key.</summary>
    public void ReplaceSealedKey(Uri directoryUri, ReadOnlySpan<byte> sealedKey)
    {
        string path = KeyPath(directoryUri);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(sealedKey))
        {
            return;
        }

        EnsureDirectory();
        AtomicFile.Write(path, sealedKey);
        File.Delete(AccountUrlPath(directoryUri));
    }

    private void EnsureDirectory()
    {
        if (!Directory.Exists(_directory))
        {
            // 700, as the certificate store creates its folder.
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string BaseName(Uri directoryUri)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(directoryUri.AbsoluteUri));
        return "acme-account-" + Convert.ToHexStringLower(hash, 0, 8);
    }
}
