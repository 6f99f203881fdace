using System.Diagnostics.CodeAnalysis;

namespace Terminator.Configuration;

internal static partial class TerminatorEnvironment
{
    /// <summary>
    /// The variables <c>terminator demo</c> does not apply: it chooses its own listeners, certificates and upstream, and
    /// runs no store, ACME, admin listener or PROXY protocol. Every other variable (the cache, JA4, the access log, HSTS,
    /// limits, timeouts, the log) applies to the demo as to the daemon, so a feature can be tried on it first.
    /// </summary>
    public static IReadOnlyList<string> DemoIgnoredVariables { get; } =
    [
        "TERMINATOR_HTTPS_LISTEN", "TERMINATOR_HTTP_LISTEN", "TERMINATOR_UPSTREAM", "TERMINATOR_CERT_DIR",
        "TERMINATOR_DEFAULT_CERT", "TERMINATOR_UNKNOWN_SNI", "TERMINATOR_STORE_DIR", "TERMINATOR_STORE_KEY",
        "TERMINATOR_STORE_KEY_FILE", "TERMINATOR_STORE", "TERMINATOR_DATABASE_URL", "TERMINATOR_DATABASE_URL_FILE", "TERMINATOR_DATABASE_MIGRATE", "TERMINATOR_ACME", "TERMINATOR_ACME_DIRECTORY", "TERMINATOR_ACME_EMAIL",
        "TERMINATOR_ACME_CA_ROOT", "TERMINATOR_ACME_CHALLENGES", "TERMINATOR_ACME_CONCURRENCY",
        "TERMINATOR_ACME_EAB_KID", "TERMINATOR_ACME_EAB_HMAC", "TERMINATOR_ACME_KEY_TYPE",
        "TERMINATOR_ACME_ORDERS_PER_HOUR", "TERMINATOR_ACME_PREFLIGHT", "TERMINATOR_ADMIN_LISTEN",
        "TERMINATOR_ADMIN_TOKEN", "TERMINATOR_ADMIN_TOKEN_FILE", "TERMINATOR_PROXY_PROTOCOL", "TERMINATOR_PROXY_TRUSTED",
    ];

    /// <summary>
    /// Parses and validates every variable but <see cref="DemoIgnoredVariables"/>, with the same rules and messages as
    /// <see cref="TryLoad"/> (an unknown <c>TERMINATOR_*</c> name is still an error); <paramref name="ignored"/> lists
    /// the ignored variables the environment sets, for the demo to say so.
    /// </summary>
    public static bool TryLoadDemo(
        IReadOnlyDictionary<string, string?> environment,
        [NotNullWhen(true)] out TerminatorOptions? options,
        [NotNullWhen(false)] out string? error,
        out IReadOnlyList<string> ignored)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var set = new List<string>();
        foreach (string name in DemoIgnoredVariables)
        {
            if (IsSet(environment, name))
            {
                set.Add(name);
            }
        }

        ignored = set;
        options = null;
        error = FindUnknownVariable(environment);
        if (error is not null)
        {
            return false;
        }

        var applied = new List<string>(Specs.Length);
        foreach (Spec spec in Specs)
        {
            if (!DemoIgnoredVariables.Contains(spec.Info.Name))
            {
                applied.Add(spec.Info.Name);
            }
        }

        if (!TryLoadOnly(environment, applied, out TerminatorOptions? current, out error))
        {
            return false;
        }

        error = TerminatorOptionsValidator.CrossValidate(ref current, IsSet(environment, "TERMINATOR_MAX_REQUEST_TARGET"));
        if (error is not null)
        {
            return false;
        }

        options = current;
        return true;
    }
}
