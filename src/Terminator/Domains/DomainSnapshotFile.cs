using System.Buffers;
using Terminator.Storage;

namespace Terminator.Domains;

/// <summary>
/// The compacted state, <c>snapshot</c>: every managed domain's record in name order, then an end frame with their count,
/// written whole or not at all (<see cref="AtomicFile"/>). Its generation names the first journal it does not include.
/// </summary>
internal static class DomainSnapshotFile
{
    public const string FileName = "snapshot";

    /// <summary>Writes <paramref name="domains"/> (in name order) as the snapshot of <paramref name="generation"/>, atomically.</summary>
    public static void Write(string directory, long generation, IReadOnlyList<ManagedDomain> domains)
    {
        AtomicFile.Write(Path.Combine(directory, FileName), stream =>
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(DomainRecordFormat.MaxFrameLength);
            try
            {
                DomainRecordFormat.WriteHeader(buffer, DomainRecordFormat.SnapshotMagic, generation, domains.Count);
                stream.Write(buffer, 0, DomainRecordFormat.HeaderLength);
                foreach (ManagedDomain domain in domains)
                {
                    stream.Write(buffer, 0, DomainRecordFormat.WritePut(domain, buffer));
                }

                stream.Write(buffer, 0, DomainRecordFormat.WriteEnd(domains.Count, buffer));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>
    /// Reads the snapshot at <paramref name="path"/> into <paramref name="domains"/>; returns its generation.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The snapshot is damaged. It is only ever replaced by a rename of a complete, synced file, so this is damage after
    /// the fact (disk, an editor, another program), and forgetting every domain it lists would stop their renewals
    /// silently: the registry refuses to open instead, naming the file and the offset.
    /// </exception>
    public static long Read(string path, Dictionary<string, ManagedDomain> domains)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var reader = new DomainRecordReader(stream);
        if (!reader.TryReadHeader(DomainRecordFormat.SnapshotMagic, out long generation, out long count))
        {
            throw new InvalidDataException($"managed-domain snapshot '{path}' has no valid header");
        }

        domains.EnsureCapacity((int)Math.Min(count, 50_000_000));
        long records = 0;
        while (true)
        {
            DomainRecordReadStatus status = reader.Read(out DomainRecord record);
            if (status == DomainRecordReadStatus.Record && record.Kind == DomainRecordKind.Put)
            {
                domains[record.Name!] = record.Domain!;
                records++;
                continue;
            }

            if (status == DomainRecordReadStatus.Record && record.Kind == DomainRecordKind.End && record.Count == records && records == count
                && reader.Read(out _) == DomainRecordReadStatus.EndOfFile)
            {
                return generation;
            }

            throw new InvalidDataException(
                $"managed-domain snapshot '{path}' is damaged at offset {reader.ValidLength} ({Describe(status, record)} after {records} of {count} records); "
                + "restore it from a backup (starting without it would forget the domains it lists, whose journals are gone)");
        }
    }

    private static string Describe(DomainRecordReadStatus status, DomainRecord record) => status switch
    {
        DomainRecordReadStatus.EndOfFile => "it ends without its end record",
        DomainRecordReadStatus.Torn => "it ends inside a record",
        DomainRecordReadStatus.Damaged => "a record fails its checksum",
        _ => record.Kind == DomainRecordKind.End ? "the end record's count does not match" : $"an unexpected {record.Kind} record",
    };
}
