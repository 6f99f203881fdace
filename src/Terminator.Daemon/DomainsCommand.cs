using System.CommandLine;
using Terminator.Configuration;

namespace Terminator.Daemon;

/// <summary>
/// <c>terminator domains add|list|show|remove</c>: the command-line client of the daemon's admin API (the daemon owns the
/// managed-domain state; the CLI never opens its files). Reads only TERMINATOR_ADMIN_LISTEN, TERMINATOR_ADMIN_TOKEN and
/// TERMINATOR_ADMIN_TOKEN_FILE. The sub-commands themselves are <see cref="DomainsCli"/>. Exit codes: <see cref="Ok"/>,
/// <see cref="NotFound"/>, <see cref="UsageError"/>, <see cref="ServerError"/>, as for <c>terminator certs</c>.
/// </summary>
internal static class DomainsCommand
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The domain is not managed (show, remove), or nothing was listed.</summary>
    public const int NotFound = 1;

    /// <summary>Bad usage, a name the API refuses (with its reason), or configuration (no token, a token the API refuses, API off).</summary>
    public const int UsageError = TerminatorCommandLine.UsageError;

    /// <summary>The API could not be reached, or failed (5xx, a change it could not save).</summary>
    public const int ServerError = 3;

    /// <summary>What every domains help text ends with.</summary>
    public const string HelpFooter = """
        The daemon's admin API is at TERMINATOR_ADMIN_LISTEN (default 127.0.0.1:9180; a wildcard address is reached over
        loopback) with the token from TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE, as for the daemon; no other
        TERMINATOR_* variable is read. Names are host names (click.example.com); internationalised names as A-labels
        (xn--...). list prints one line per domain: name state not-after next-renewal attempts [error: ...], times in UTC.

        Exit codes:
          0  done
          1  not managed (show, remove) / nothing listed
          2  usage or configuration error, or a name or option the API refuses (its reason is printed)
          3  the admin API cannot be reached or failed
        """;

    /// <summary>Generous for one call on loopback; a million-domain list makes a thousand of them.</summary>
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The <c>domains</c> command and its sub-commands.</summary>
    public static Command Create()
    {
        var addName = new Argument<string>("name") { Description = "The host name to obtain and renew certificates for." };
        var keyType = new Option<string?>("--key-type") { Description = "Certificates to obtain: ecdsa (the default for a new domain), rsa, or both.", HelpName = "ecdsa|rsa|both" };
        keyType.AcceptOnlyFromAmong("ecdsa", "rsa", "both");
        var add = new Command("add", "Manage a domain: Terminator obtains its certificate and renews it (idempotent; --key-type changes a managed domain's).") { addName, keyType };
        add.SetAction((parsed, ct) => RunAsync(parsed, cli => cli.AddAsync(parsed.GetValue(addName)!, parsed.GetValue(keyType), ct)));

        var state = new Option<string?>("--state") { Description = "Only domains in this state.", HelpName = "pending|valid|renewing|failed" };
        state.AcceptOnlyFromAmong("pending", "valid", "renewing", "failed");
        var limit = new Option<int?>("--limit") { Description = "List at most this many domains (default: all).", HelpName = "N" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--limit: must be at least 1");
            }
        });
        var list = new Command("list", "Managed domains in name order, one line each.") { state, limit };
        list.SetAction((parsed, ct) => RunAsync(parsed, cli => cli.ListAsync(parsed.GetValue(state), parsed.GetValue(limit), ct)));

        var showName = new Argument<string>("name") { Description = "A managed host name." };
        var show = new Command("show", "State, key type, validity, next renewal, attempts and last error of a managed domain.") { showName };
        show.SetAction((parsed, ct) => RunAsync(parsed, cli => cli.ShowAsync(parsed.GetValue(showName)!, ct)));

        var removeName = new Argument<string>("name") { Description = "A managed host name." };
        var purge = new Option<bool>("--purge") { Description = "Also remove its certificates from the store (they stop being served)." };
        var remove = new Command("remove", "Stop managing a domain: no more renewals; its certificate keeps being served until it expires, unless --purge.") { removeName, purge };
        remove.SetAction((parsed, ct) => RunAsync(parsed, cli => cli.RemoveAsync(parsed.GetValue(removeName)!, parsed.GetValue(purge), ct)));

        return new Command("domains", "Manage the domains Terminator obtains certificates for, through the daemon's admin API.") { add, list, show, remove };
    }

    private static async Task<int> RunAsync(ParseResult parsed, Func<DomainsCli, Task<int>> command)
    {
        TextWriter output = parsed.InvocationConfiguration.Output;
        TextWriter error = parsed.InvocationConfiguration.Error;
        string prefix = TerminatorCommandLine.CommandPath(parsed.CommandResult.Command);
        if (!TerminatorEnvironment.TryLoadAdmin(TerminatorEnvironment.ReadProcessEnvironment(), out AdminOptions? options, out string? problem))
        {
            await error.WriteLineAsync($"{prefix}: {problem}").ConfigureAwait(false);
            return UsageError;
        }

        if (options.EndPoint is null)
        {
            await error.WriteLineAsync($"{prefix}: TERMINATOR_ADMIN_LISTEN is off, so the daemon has no admin API to talk to").ConfigureAwait(false);
            return UsageError;
        }

        if (options.Token is null)
        {
            await error.WriteLineAsync($"{prefix}: TERMINATOR_ADMIN_TOKEN: not set (set TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE to the daemon's admin token)").ConfigureAwait(false);
            return UsageError;
        }

        if (options.TokenFile is not null && AdminToken.DescribeTokenFilePermissionProblem(options.TokenFile) is { } permission)
        {
            await error.WriteLineAsync($"warning TERMINATOR_ADMIN_TOKEN_FILE: {permission}").ConfigureAwait(false);
        }

        using var client = new AdminApiClient(options.EndPoint, options.Token, s_callTimeout);
        try
        {
            return await command(new DomainsCli(client, output, error)).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"{prefix}: cannot reach the admin API at {client.BaseAddress}: {ex.Message}").ConfigureAwait(false);
            return ServerError;
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            await error.WriteLineAsync($"{prefix}: the admin API at {client.BaseAddress} did not answer within {s_callTimeout.TotalSeconds:0} s").ConfigureAwait(false);
            return ServerError;
        }
    }
}
