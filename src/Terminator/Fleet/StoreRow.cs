namespace Terminator.Fleet;

/// <summary>
/// One row of the <c>certificates</c> table. <see cref="Entry"/> is the sealed store entry, byte for byte what the
/// directory store writes to <c>&lt;id&gt;.tcert</c> (<see cref="Storage.StoreEntryFormat"/>): the private key inside is
/// AES-256-GCM encrypted under the node-held key, and id, names and dates are covered by its tag. The other columns are
/// plain copies for indexing and for operators; nothing is served from them unless they equal the authenticated ones.
/// </summary>
/// <param name="Id">Primary key: the store id (<see cref="Storage.CertificateStoreId"/>).</param>
/// <param name="Names">Indexed copy of the entry's names.</param>
/// <param name="NotAfter">Indexed copy of the leaf's not-after.</param>
/// <param name="Generation">From the <c>certificate_generation</c> sequence, stamped on every write: commit order.</param>
/// <param name="Entry">The sealed entry, or null for a removed entry (a tombstone, kept so nodes catch up on removals).</param>
internal sealed record StoreRow(string Id, string[] Names, DateTimeOffset NotAfter, long Generation, byte[]? Entry)
{
    /// <summary>True for a tombstone.</summary>
    public bool IsRemoved => Entry is null;
}
