using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>
/// What the store index says about one entry file: the file version it was taken from and what the SNI map needs
/// before the entry is materialised (names, validity, key type). Trusted only while <see cref="File"/> equals the entry
/// file's current <see cref="FileVersion"/>; otherwise the entry is read and authenticated from its <c>.tcert</c>.
/// </summary>
/// <remarks>A struct: a start-up holds a million of them in one dictionary for the length of one scan, and as objects
/// they were a million more survivors for the collector to copy.</remarks>
internal readonly record struct StoreIndexRecord(
    string Id,
    FileVersion File,
    string[] Names,
    long NotBeforeUnixMs,
    long NotAfterUnixMs,
    string KeyType)
{
    /// <summary>The record for an entry just authenticated from its file, as <paramref name="file"/> was before the read.</summary>
    public static StoreIndexRecord For(string id, FileVersion file, CertificateEntry entry) => new(
        id,
        file,
        entry.Names.ToArray(),
        entry.NotBefore.ToUnixTimeMilliseconds(),
        entry.NotAfter.ToUnixTimeMilliseconds(),
        entry.KeyAlgorithm);
}
