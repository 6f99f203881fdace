using System.Diagnostics.CodeAnalysis;
using System.Net;
using static Terminator.Configuration.EnvironmentValueParser;

namespace Terminator.Configuration;

/// <summary>The admin API's variables, and the subset <c>terminator domains</c> reads.</summary>
internal static partial class TerminatorEnvironment
{
    /// <summary>The variables <c>terminator domains</c> reads to reach the admin API.</summary>
    public static IReadOnlyList<string> AdminVariables { get; } = ["TERMINATOR_ADMIN_LISTEN", "TERMINATOR_ADMIN_TOKEN", "TERMINATOR_ADMIN_TOKEN_FILE"];

    /// <summary>
    /// Parses and validates only <see cref="AdminVariables"/>, with the same rules and messages as <see cref="TryLoad"/>
    /// (for the CLI, which talks to the daemon over the API and needs nothing else of its configuration).
    /// </summary>
    public static bool TryLoadAdmin(
        IReadOnlyDictionary<string, string?> environment,
        [NotNullWhen(true)] out AdminOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = null;
        if (!TryLoadOnly(environment, AdminVariables, out TerminatorOptions? current, out error))
        {
            return false;
        }

        options = new AdminOptions(current.AdminListen, current.AdminToken, current.AdminTokenFile);
        return true;
    }

    private static Spec AdminListenSpec() =>
        new(new("TERMINATOR_ADMIN_LISTEN", "127.0.0.1:9180", "Admin listener (plain HTTP): GET /metrics (Prometheus), /healthz and /readyz with no token, and with TERMINATOR_ACME=on the domains API terminator domains uses; one ip:port, 'off' disables all of it. With TERMINATOR_ACME=on an address that is not loopback requires a token."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { AdminListen = null };
                    return null;
                }

                string? e = TryParseEndPointList(v, out IReadOnlyList<IPEndPoint> list);
                if (e is null && list.Count != 1)
                {
                    e = $"'{v}' lists {list.Count} addresses; the admin API listens on one";
                }

                u = e is null ? o with { AdminListen = list[0] } : o;
                return e;
            });

    private static Spec AdminTokenSpec() =>
        new(new("TERMINATOR_ADMIN_TOKEN", "", "Bearer token every admin API call must present (32 to 512 characters, e.g. openssl rand -base64 32). Unset: the API's /v1 calls are refused."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = AdminToken.TryParse(v, "TERMINATOR_ADMIN_TOKEN", out AdminToken? token);
                u = e is null ? o with { AdminToken = token } : o;
                return e;
            });

    private static Spec AdminTokenFileSpec() =>
        new(new("TERMINATOR_ADMIN_TOKEN_FILE", "", "File holding the admin token (mode 600); instead of TERMINATOR_ADMIN_TOKEN, never both."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (o.AdminToken is not null)
                {
                    return "set together with TERMINATOR_ADMIN_TOKEN; set only one";
                }

                string text;
                try
                {
                    text = File.ReadAllText(v);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return $"cannot read '{v}': {ex.Message}";
                }

                string? e = AdminToken.TryParse(text, "TERMINATOR_ADMIN_TOKEN_FILE", out AdminToken? token);
                u = e is null ? o with { AdminToken = token, AdminTokenFile = v } : o;
                return e is null ? null : $"'{v}' {e}";
            });
}
