using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Storage;
using static Terminator.Daemon.CertsCommand;

namespace Terminator.Daemon;

/// <summary>
/// The <c>terminator certs</c> sub-commands over one opened <see cref="ICertificateStore"/>. Output is one line per
/// fact, never key material. Every entry that cannot be read is named on stderr with its path, reason and the command
/// that deletes it (its names are unknown, so it can only go by id).
/// </summary>
internal sealed class CertsCli(ICertificateStore store, string keyOrigin, TextWriter output, TextWriter error)
{
    public async Task<int> ImportAsync(string[] paths, CancellationToken cancellationToken)
    {
        // Writing entries under a key that cannot read the existing ones would split the store in two: refuse.
        CertificateStoreListing listing = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        if (listing.KeyDecryptsNothing)
        {
            await ReportAsync(listing).ConfigureAwait(false);
            return await WrongKeyAsync(listing).ConfigureAwait(false);
        }

        int imported = 0, skipped = 0;
        foreach (string path in paths)
        {
            var entries = new List<CertificateEntry>();
            var failures = new List<CertificateLoadError>();
            if (Directory.Exists(path))
            {
                CertificateDirectoryLoadResult result = CertificateLoader.LoadDirectory(path);
                entries.AddRange(result.Entries);
                failures.AddRange(result.Errors);
                foreach (CertificateLoadError warning in result.Warnings)
                {
                    await output.WriteLineAsync($"warning {warning.Path}: {warning.Reason}").ConfigureAwait(false);
                }
            }
            else if (File.Exists(path))
            {
                try
                {
                    entries.Add(CertificateLoader.LoadFile(path));
                }
                catch (CertificateLoadException ex)
                {
                    failures.Add(new CertificateLoadError(ex.Path, ex.Message));
                }
            }
            else
            {
                failures.Add(new CertificateLoadError(path, "no such file or directory"));
            }

            foreach (CertificateLoadError failure in failures)
            {
                skipped++;
                await output.WriteLineAsync($"skipped {failure.Path}: {failure.Reason}").ConfigureAwait(false);
            }

            foreach (CertificateEntry entry in entries)
            {
                StoredCertificateInfo info = await store.PutAsync(entry, cancellationToken).ConfigureAwait(false);
                imported++;
                await output.WriteLineAsync($"imported {info.Id} [{string.Join(", ", info.Names)}] {info.KeyType}, not after {info.NotAfter:u}, from {entry.Source}").ConfigureAwait(false);
                entry.Certificate.Dispose();
            }
        }

        await output.WriteLineAsync($"{imported} imported, {skipped} skipped into {store.Location}").ConfigureAwait(false);
        return imported > 0 && skipped == 0 ? Ok : NothingMatched;
    }

    public async Task<int> ListAsync(TimeSpan? expiringWithin, CancellationToken cancellationToken)
    {
        CertificateStoreListing listing = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        await ReportAsync(listing).ConfigureAwait(false);
        if (listing.KeyDecryptsNothing)
        {
            return await WrongKeyAsync(listing).ConfigureAwait(false);
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        var shown = listing.Entries.Where(e => expiringWithin is null || e.NotAfter <= now + expiringWithin.Value).ToList();
        if (shown.Count == 0)
        {
            string nothing = expiringWithin is not null ? "nothing readable expires within that time"
                : listing.Problems.Count > 0 ? "no readable entry in the store" : "the store is empty";
            await error.WriteLineAsync($"terminator certs: {nothing}").ConfigureAwait(false);
            return Outcome(found: false, listing);
        }

        int width = Math.Max(5, shown.Max(e => string.Join(',', e.Names).Length));
        await output.WriteLineAsync($"{"NAMES".PadRight(width)}  {"KEY",-12}  {"NOT AFTER (UTC)",-20}  DAYS LEFT").ConfigureAwait(false);
        foreach (StoredCertificateInfo entry in shown)
        {
            await output.WriteLineAsync($"{string.Join(',', entry.Names).PadRight(width)}  {entry.KeyType,-12}  {entry.NotAfter,-20:u}  {DaysLeft(entry, now)}").ConfigureAwait(false);
        }

        return Outcome(found: true, listing);
    }

    public async Task<int> ShowAsync(string nameOrId, CancellationToken cancellationToken)
    {
        CertificateStoreListing listing = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        await ReportAsync(listing).ConfigureAwait(false);
        string wanted = Normalize(nameOrId);
        if (listing.Problems.FirstOrDefault(p => p.Id == wanted) is { } unreadable)
        {
            await output.WriteLineAsync($"""
                id:          {unreadable.Id}
                unreadable:  {unreadable.Reason}
                location:    {unreadable.Location}
                """).ConfigureAwait(false);
            return EntriesUnreadable;
        }

        if (listing.KeyDecryptsNothing)
        {
            return await WrongKeyAsync(listing).ConfigureAwait(false);
        }

        // An id or a certificate name (a literal "*.example.com") is shown as is; a host name is resolved as a
        // handshake would resolve it, which is what "which certificate does this name get" means.
        List<StoredNameResolver.ServingEntry> matches = listing.Entries.Where(e => e.Id == wanted).Select(e => new StoredNameResolver.ServingEntry(e, string.Empty)).ToList();
        bool byId = matches.Count > 0;
        if (!byId)
        {
            matches = wanted.Contains('*', StringComparison.Ordinal)
                ? listing.Entries.Where(e => e.Names.Contains(wanted, StringComparer.Ordinal)).Select(e => new StoredNameResolver.ServingEntry(e, string.Empty)).ToList()
                : StoredNameResolver.Resolve(listing.Entries, wanted);
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach ((StoredCertificateInfo entry, string serves) in matches)
        {
            using X509Certificate2 leaf = X509Certificate2.CreateFromPem(entry.CertificateChainPem);
            string servesLine = serves.Length == 0 ? string.Empty : $"serves:      {serves}\n";
            await output.WriteLineAsync($"""
                id:          {entry.Id}
                names:       {string.Join(", ", entry.Names)}
                {servesLine}key type:    {entry.KeyType}
                subject:     {leaf.Subject}
                issuer:      {leaf.Issuer}
                serial:      {leaf.SerialNumber}
                sha256:      {leaf.GetCertHashString(HashAlgorithmName.SHA256)}
                not before:  {entry.NotBefore:u}
                not after:   {entry.NotAfter:u} ({DaysLeft(entry, now)} days left)
                stored:      {entry.Created:u} (updated {entry.Updated:u})
                location:    {entry.Location}
                """).ConfigureAwait(false);
        }

        if (matches.Count == 0)
        {
            await error.WriteLineAsync($"terminator certs: no stored certificate serves '{nameOrId}'").ConfigureAwait(false);
        }

        // An id names one file: the answer is complete whatever else cannot be read.
        return byId ? Ok : Outcome(found: matches.Count > 0, listing);
    }

    public async Task<int> RemoveAsync(string nameOrId, CancellationToken cancellationToken)
    {
        CertificateStoreListing listing = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        await ReportAsync(listing).ConfigureAwait(false);
        string wanted = Normalize(nameOrId);

        // An entry that cannot be read can only be named by the id its file carries; removing it writes nothing under
        // the key, so it is allowed even when the key reads nothing (a store whose only entry was tampered with).
        if (listing.Problems.FirstOrDefault(p => p.Id == wanted) is { } unreadable)
        {
            bool gone = await store.RemoveAsync(unreadable.Id!, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(gone
                ? $"removed {unreadable.Id} (unreadable: {unreadable.Reason}; its names are unknown)"
                : $"already gone: {unreadable.Id}").ConfigureAwait(false);
            return Ok;
        }

        if (listing.KeyDecryptsNothing)
        {
            return await WrongKeyAsync(listing).ConfigureAwait(false);
        }

        var matches = listing.Entries.Where(e => e.Id == wanted || e.Names.Contains(wanted, StringComparer.Ordinal)).ToList();
        foreach (StoredCertificateInfo entry in matches)
        {
            bool removed = await store.RemoveAsync(entry.Id, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(removed ? $"removed {entry.Id} [{string.Join(", ", entry.Names)}]" : $"already gone: {entry.Id}").ConfigureAwait(false);
        }

        if (matches.Count == 0)
        {
            await error.WriteLineAsync($"terminator certs: no stored certificate for '{nameOrId}'").ConfigureAwait(false);
        }

        bool byId = matches.Count == 1 && matches[0].Id == wanted;
        if (listing.Problems.Count > 0 && !byId)
        {
            await error.WriteLineAsync($"terminator certs: {listing.Problems.Count} entries cannot be read, so whether they hold '{nameOrId}' is unknown; each is named above with the command that removes it by id").ConfigureAwait(false);
            return EntriesUnreadable;
        }

        return matches.Count > 0 ? Ok : NothingMatched;
    }

    /// <summary>One stderr line per entry that cannot be read: where, why, and how to get rid of it.</summary>
    private async Task ReportAsync(CertificateStoreListing listing)
    {
        foreach (CertificateStoreProblem problem in listing.Problems)
        {
            string remedy = problem.Id is null
                ? "its file name is not an entry id: delete the file itself"
                : $"remove it with: terminator certs remove {problem.Id}";
            await error.WriteLineAsync($"skipped {problem.Location}: {problem.Reason} ({remedy})").ConfigureAwait(false);
        }
    }

    private async Task<int> WrongKeyAsync(CertificateStoreListing listing)
    {
        await error.WriteLineAsync($"terminator certs: {keyOrigin} does not decrypt the store at {store.Location} ({listing.Problems.Count} entries fail authentication; wrong key?)").ConfigureAwait(false);
        return UsageError;
    }

    /// <summary>A look-up over a store with unreadable entries may have missed one of them.</summary>
    private static int Outcome(bool found, CertificateStoreListing listing) =>
        listing.Problems.Count > 0 ? EntriesUnreadable : found ? Ok : NothingMatched;

    private static string Normalize(string nameOrId) => nameOrId.Trim().TrimEnd('.').ToLowerInvariant();

    private static long DaysLeft(StoredCertificateInfo entry, DateTimeOffset now) => (long)Math.Floor((entry.NotAfter - now).TotalDays);
}
