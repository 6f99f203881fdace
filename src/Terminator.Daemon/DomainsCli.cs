using System.Globalization;
using Terminator.Admin;
using static Terminator.Daemon.DomainsCommand;

namespace Terminator.Daemon;

/// <summary>
/// The <c>terminator domains</c> sub-commands over an <see cref="AdminApiClient"/>: one line per fact on stdout,
/// problems on stderr as one line each, exit codes as <see cref="DomainsCommand"/> documents them.
/// </summary>
internal sealed class DomainsCli(AdminApiClient client, TextWriter output, TextWriter error)
{
    /// <summary>Page size when following cursors (the API's maximum, so a million domains take a thousand calls).</summary>
    private const int PageSize = DomainsEndpoint.MaxPageSize;

    public async Task<int> AddAsync(string name, string? keyType, CancellationToken cancellationToken)
    {
        AdminApiResponse<DomainResource> response = await client.PutAsync(name, keyType, cancellationToken).ConfigureAwait(false);
        if (response.Value is not { } domain)
        {
            return await FailAsync("add", name, response.Status, response.Error).ConfigureAwait(false);
        }

        string what = response.Status == 201 ? "added" : "already managed";
        await output.WriteLineAsync($"{what} {domain.Name} ({domain.State}, {domain.KeyType})").ConfigureAwait(false);
        return Ok;
    }

    public async Task<int> ShowAsync(string name, CancellationToken cancellationToken)
    {
        AdminApiResponse<DomainResource> response = await client.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (response.Value is not { } domain)
        {
            return await FailAsync("show", name, response.Status, response.Error).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"name:         {domain.Name}").ConfigureAwait(false);
        await output.WriteLineAsync($"state:        {domain.State}").ConfigureAwait(false);
        await output.WriteLineAsync($"key type:     {domain.KeyType}").ConfigureAwait(false);
        await output.WriteLineAsync($"not after:    {Time(domain.NotAfter)}").ConfigureAwait(false);
        await output.WriteLineAsync($"next renewal: {Time(domain.NextRenewal)}").ConfigureAwait(false);
        await output.WriteLineAsync($"attempts:     {domain.Attempts.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        await output.WriteLineAsync($"last error:   {domain.LastError ?? "-"}").ConfigureAwait(false);
        await output.WriteLineAsync($"added:        {Time(domain.Added)}").ConfigureAwait(false);
        await output.WriteLineAsync($"updated:      {Time(domain.Updated)}").ConfigureAwait(false);
        await output.WriteLineAsync($"certificates: {(domain.CertificateIds.Count == 0 ? "-" : string.Join(", ", domain.CertificateIds))}").ConfigureAwait(false);
        return Ok;
    }

    public async Task<int> RemoveAsync(string name, bool purge, CancellationToken cancellationToken)
    {
        AdminApiResponse<DomainRemovedResource> response = await client.DeleteAsync(name, purge, cancellationToken).ConfigureAwait(false);
        if (response.Value is not { } removed)
        {
            return await FailAsync("remove", name, response.Status, response.Error).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"removed {removed.Name}{(removed.Purged ? "; its certificates were purged" : string.Empty)}").ConfigureAwait(false);
        return Ok;
    }

    /// <summary>
    /// Every domain (in a state), following cursors to the end or until <paramref name="limit"/> lines: one line per domain,
    /// <c>name state not-after next-renewal attempts</c>, then <c>error: ...</c> when it has one. Exit 1 when none.
    /// </summary>
    public async Task<int> ListAsync(string? state, int? limit, CancellationToken cancellationToken)
    {
        int listed = 0;
        string? cursor = null;
        do
        {
            int pageSize = limit is { } max ? Math.Min(PageSize, max - listed) : PageSize;
            AdminApiResponse<DomainListResource> response = await client.ListAsync(state, cursor, pageSize, cancellationToken).ConfigureAwait(false);
            if (response.Value is not { } page)
            {
                return await FailAsync("list", null, response.Status, response.Error).ConfigureAwait(false);
            }

            foreach (DomainResource domain in page.Items)
            {
                string line = $"{domain.Name} {domain.State} {Time(domain.NotAfter)} {Time(domain.NextRenewal)} {domain.Attempts.ToString(CultureInfo.InvariantCulture)}";
                await output.WriteLineAsync(domain.LastError is null ? line : $"{line} error: {domain.LastError}").ConfigureAwait(false);
            }

            listed += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && (limit is null || listed < limit));

        return listed > 0 ? Ok : NotFound;
    }

    private async Task<int> FailAsync(string command, string? name, int status, string? reason)
    {
        string prefix = $"terminator domains {command}";
        (int code, string message) = status switch
        {
            404 when name is not null => (NotFound, $"{name} is not managed"),
            400 => (UsageError, reason ?? "bad request"),
            401 => (UsageError, $"the admin API at {client.BaseAddress} refused the token ({reason}); check TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE"),
            403 => (UsageError, reason ?? "forbidden"),
            _ => (ServerError, $"the admin API at {client.BaseAddress} answered {status}: {reason ?? "no reason given"}"),
        };
        await error.WriteLineAsync($"{prefix}: {message}").ConfigureAwait(false);
        return code;
    }

    /// <summary>ISO 8601 UTC to the second, one token with no spaces (so list lines split on spaces); "-" for none.</summary>
    private static string Time(DateTime? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
