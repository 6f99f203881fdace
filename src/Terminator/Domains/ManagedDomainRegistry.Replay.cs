using System.Globalization;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Domains;

/// <summary>Replaying the journals at start-up.</summary>
internal sealed partial class ManagedDomainRegistry
{
    /// <summary>
    /// Replays, in generation order, every journal the snapshot does not include, and opens the newest one for appending
    /// (cut back to its last good record), or creates one. Journals older than the snapshot were folded into it before a
    /// crash let them be deleted: they are deleted now.
    /// </summary>
    private static (DomainJournal Journal, long Records, long Discarded) ReplayJournals(string directory, long snapshotGeneration,
        Dictionary<string, ManagedDomain> domains, TerminatorLog log)
    {
        long records = 0, discarded = 0;
        long newest = Math.Max(snapshotGeneration, 1);
        (long Generation, string Path, long ValidLength)? appendable = null;
        foreach ((long generation, string path) in FindJournals(directory))
        {
            if (generation < snapshotGeneration)
            {
                AtomicFile.Delete(path);
                continue;
            }

            newest = Math.Max(newest, generation);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var reader = new DomainRecordReader(stream);
            if (!reader.TryReadHeader(DomainRecordFormat.JournalMagic, out long headerGeneration, out _) || headerGeneration != generation)
            {
                // Journals are created whole (header included) by a rename, so this is damage, not a crash.
                discarded += stream.Length;
                KeepAside(path, stream, 0, log, "has no valid header");
                appendable = null;
                continue;
            }

            (long replayed, DomainRecordReadStatus status, long validLength) = Replay(reader, domains);
            records += replayed;
            long lost = stream.Length - validLength;
            if (status == DomainRecordReadStatus.Damaged)
            {
                discarded += lost;
                KeepAside(path, stream, validLength, log, $"has a damaged record after {replayed} good ones");
            }
            else if (status == DomainRecordReadStatus.Torn)
            {
                // The tail of a write a crash interrupted: it was never acknowledged (acknowledgement waits for the fsync).
                discarded += lost;
                DomainsLog.TornWriteDropped(log.Domains, path, lost, replayed);
            }

            appendable = (generation, path, validLength);
        }

        DomainJournal journal = appendable is { } last && last.Generation == newest
            ? DomainJournal.Open(last.Path, last.Generation, last.ValidLength)
            : DomainJournal.Create(directory, newest);
        return (journal, records, discarded);
    }

    /// <summary>Applies a journal's records; returns how many, why it stopped, and where its good records end.</summary>
    private static (long Records, DomainRecordReadStatus Status, long ValidLength) Replay(DomainRecordReader reader, Dictionary<string, ManagedDomain> domains)
    {
        long records = 0;
        while (true)
        {
            long before = reader.ValidLength;
            DomainRecordReadStatus status = reader.Read(out DomainRecord record);
            if (status != DomainRecordReadStatus.Record)
            {
                return (records, status, reader.ValidLength);
            }

            switch (record.Kind)
            {
                case DomainRecordKind.Put:
                    domains[record.Name!] = record.Domain!;
                    break;
                case DomainRecordKind.Remove:
                    domains.Remove(record.Name!);
                    break;
                default:
                    return (records, DomainRecordReadStatus.Damaged, before); // an end record belongs in a snapshot: damage
            }

            records++;
        }
    }

    /// <summary>
    /// Copies the unreadable part of a journal to <c>damaged-&lt;journal&gt;-&lt;offset&gt;</c> before it is cut off or
    /// replaced: records after damage may have been acknowledged, and an operator may want them back.
    /// </summary>
    private static void KeepAside(string path, FileStream stream, long offset, TerminatorLog log, string problem)
    {
        string aside = Path.Combine(Path.GetDirectoryName(path)!,
            string.Create(CultureInfo.InvariantCulture, $"{DamagedPrefix}{Path.GetFileName(path)}-{offset}"));
        AtomicFile.Write(aside, target =>
        {
            stream.Position = offset;
            stream.CopyTo(target);
        });
        DomainsLog.DamagedRecordsKeptAside(log.Domains, path, problem, stream.Length - offset, offset, aside);
    }
}
