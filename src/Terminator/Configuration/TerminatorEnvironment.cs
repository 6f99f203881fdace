using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using static Terminator.Configuration.EnvironmentValueParser;

namespace Terminator.Configuration;

/// <summary>
/// Loads <see cref="TerminatorOptions"/> from <c>TERMINATOR_*</c> environment variables and validates them up front,
/// like <c>nginx -t</c>: the first problem becomes one line naming the variable, and the daemon exits with code 2.
/// </summary>
internal static partial class TerminatorEnvironment
{
    /// <summary>Every variable name starts with this prefix.</summary>
    public const string Prefix = "TERMINATOR_";

    private delegate string? ApplyValue(string value, TerminatorOptions current, out TerminatorOptions updated);

    /// <param name="EmptyIsValue">True when an empty value means something (e.g. "listener off") rather than "default".</param>
    private sealed record Spec(EnvironmentVariableInfo Info, ApplyValue Apply, bool EmptyIsValue = false);

    private static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    private static readonly Spec[] Specs =
    [
        new(new("TERMINATOR_HTTPS_LISTEN", "0.0.0.0:443", "TLS listeners: comma-separated ip:port list, IPv6 as [::]:443 (port 0 = ephemeral)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                IReadOnlyList<IPEndPoint> list = [];
                string? e = v.Equals("off", StringComparison.OrdinalIgnoreCase) ? "at least one HTTPS listener is required" : TryParseEndPointList(v, out list);
                u = e is null ? o with { HttpsListen = list } : o;
                return e;
            }),
        new(new("TERMINATOR_HTTP_LISTEN", "0.0.0.0:80", "Plain-HTTP listeners (same syntax); 'off' or an empty value disables plain HTTP."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                IReadOnlyList<IPEndPoint> list = [];
                string? e = v.Length == 0 || v.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : TryParseEndPointList(v, out list);
                u = e is null ? o with { HttpListen = list } : o;
                return e;
            },
            EmptyIsValue: true),
        AdminListenSpec(),
        AdminTokenSpec(),
        AdminTokenFileSpec(),
        new(new("TERMINATOR_CERT_DIR", "/etc/terminator/certs", "Directory of PEM certificates (certbot, flat pairs, combined), read-only; must exist. Optional when a store key is set."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o with { CertDirectory = v }; // existence is checked with the store settings (TerminatorOptionsValidator)
                return null;
            }),
        new(new("TERMINATOR_STORE_DIR", TerminatorOptions.DefaultStoreDirectory, "Encrypted certificate store (terminator certs import); created with mode 700 when missing and a key is set."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o with { StoreDirectory = v };
                return File.Exists(v) ? $"'{v}' is a file, expected a directory" : null;
            }),
        new(new("TERMINATOR_STORE_KEY", "", "Store key: base64 of exactly 32 random bytes (openssl rand -base64 32); encrypts private keys with AES-256-GCM."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = StoreKey.TryParse(v, "TERMINATOR_STORE_KEY", out StoreKey? key);
                u = e is null ? o with { StoreKey = key } : o;
                return e;
            }),
        new(new("TERMINATOR_STORE_KEY_FILE", "", "File holding the store key (same base64, mode 600); instead of TERMINATOR_STORE_KEY, never both."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (o.StoreKey is not null)
                {
                    return "set together with TERMINATOR_STORE_KEY; set only one";
                }

                string? e = TerminatorOptionsValidator.ReadStoreKeyFile(v, out StoreKey? key);
                u = e is null ? o with { StoreKey = key, StoreKeyFile = v } : o;
                return e;
            }),
        .. FleetSpecs,
        new(new("TERMINATOR_UNKNOWN_SNI", "reject", "Unknown or missing SNI: 'reject' aborts the handshake, 'default' serves TERMINATOR_DEFAULT_CERT."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("reject", StringComparison.OrdinalIgnoreCase)) { u = o with { UnknownSni = UnknownSniPolicy.Reject }; return null; }
                if (v.Equals("default", StringComparison.OrdinalIgnoreCase)) { u = o with { UnknownSni = UnknownSniPolicy.Default }; return null; }
                return $"'{v}' is not a policy (expected reject or default)";
            }),
        new(new("TERMINATOR_DEFAULT_CERT", "", "Fallback certificate: a combined PEM (chain + key) or a certificate with a sibling .key; required when TERMINATOR_UNKNOWN_SNI=default."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o with { DefaultCertificatePath = v };
                return TerminatorOptionsValidator.ValidateDefaultCertificate(v);
            }),
        new(new("TERMINATOR_OCSP_STAPLING", "on", "Staple OCSP responses for certificates that name an http:// OCSP responder and chain to a root: 'on' fetches them from this host (in the background, refreshed by SslStream), 'off' never contacts a responder."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("on", StringComparison.OrdinalIgnoreCase)) { u = o with { OcspStapling = true }; return null; }
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase)) { u = o with { OcspStapling = false }; return null; }
                return $"'{v}' is not a setting (expected on or off)";
            }),
        Integer("TERMINATOR_CERT_CACHE_SIZE", "10000", 1, 10_000_000, "Certificates kept ready to serve (key, chain context, OpenSSL SSL_CTX and its pin, ~30 KiB each); others load on their first handshake (~1 ms of CPU) and entries with no handshake since the last sweep are dropped first (CLOCK).", (o, n) => o with { CertCacheSize = n }),
        .. TlsContextSpecs,
        new(new("TERMINATOR_UPSTREAM", "http://127.0.0.1:8080", "Tracking server to proxy to: http://host[:port] (plain http only, port defaults to 80, no path)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = TryParseUpstream(v, out string host, out int port);
                u = e is null ? o with { UpstreamHost = host, UpstreamPort = port } : o;
                return e;
            }),
        Duration("TERMINATOR_UPSTREAM_DNS_TTL", "10s", TimeSpan.FromDays(1), "How long resolved upstream addresses are reused before resolving again.", (o, t) => o with { UpstreamDnsTtl = t }),
        Integer("TERMINATOR_UPSTREAM_MAX_CONNECTIONS", "256", 1, 100_000, "Maximum open connections per upstream address.", (o, n) => o with { UpstreamMaxConnections = n }),
        Duration("TERMINATOR_UPSTREAM_TIMEOUT", "30s", TimeSpan.FromMinutes(10), "Time allowed from sending a request upstream to receiving the response head.", (o, t) => o with { UpstreamTimeout = t }),
        Duration("TERMINATOR_UPSTREAM_CONNECT_TIMEOUT", "5s", TimeSpan.FromMinutes(5), "TCP connect timeout to the upstream.", (o, t) => o with { UpstreamConnectTimeout = t }),
        Duration("TERMINATOR_UPSTREAM_IDLE_TIMEOUT", "15s", OneHour, "How long an idle pooled upstream connection is kept open.", (o, t) => o with { UpstreamIdleTimeout = t }),
        new(new("TERMINATOR_FORWARDED_HEADERS", "replace", "Client-sent forwarding headers: 'replace' sets X-Forwarded-For to the client address alone and removes Forwarded, X-Forwarded-Host, X-Forwarded-Port and X-Real-IP; 'append' (only behind a trusted proxy) keeps client X-Forwarded-For values, appends the client address and passes the others through. X-Forwarded-Proto is always set."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("replace", StringComparison.OrdinalIgnoreCase)) { u = o with { ForwardedHeaders = ForwardedHeadersPolicy.Replace }; return null; }
                if (v.Equals("append", StringComparison.OrdinalIgnoreCase)) { u = o with { ForwardedHeaders = ForwardedHeadersPolicy.Append }; return null; }
                return $"'{v}' is not a policy (expected replace or append)";
            }),
        .. ProxyProtocolSpecs,
        new(new("TERMINATOR_HOST_CHECK", "on", "HTTPS only: 'on' answers 421 Misdirected Request to a request whose Host names a host the connection's certificate does not cover (one customer's connection cannot reach another customer's domain); 'off' forwards it."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("on", StringComparison.OrdinalIgnoreCase)) { u = o with { HostCheck = true }; return null; }
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase)) { u = o with { HostCheck = false }; return null; }
                return $"'{v}' is not a setting (expected on or off)";
            }),
        .. ResponsePolicySpecs,
        .. Ja4Specs,
        Duration("TERMINATOR_HANDSHAKE_TIMEOUT", "10s", TimeSpan.FromMinutes(5), "Time allowed for the whole TLS handshake.", (o, t) => o with { HandshakeTimeout = t }),
        Duration("TERMINATOR_HEADER_TIMEOUT", "10s", TimeSpan.FromMinutes(5), "The whole request head must arrive within this time.", (o, t) => o with { HeaderTimeout = t }),
        Duration("TERMINATOR_IDLE_TIMEOUT", "60s", OneHour, "Keep-alive idle time allowed between requests on a client connection (enforced up to 1/16 of it, at most 1 s, late: connections share one timer per slice).", (o, t) => o with { IdleTimeout = t }),
        Integer("TERMINATOR_MIN_BODY_RATE", "240", 0, 1_000_000_000, "Minimum average request-body rate in bytes/s once TERMINATOR_HEADER_TIMEOUT has passed (slow-POST defence); slower gets 408. 0 turns the check off.", (o, n) => o with { MinRequestBodyBytesPerSecond = n }),
        Integer("TERMINATOR_MAX_HEADER_BYTES", "32768", 1024, 1_048_576, "Maximum size of a request head (request line + headers) in bytes; larger gets 431.", (o, n) => o with { MaxHeaderBytes = n }),
        Integer("TERMINATOR_MAX_HEADER_COUNT", "100", 1, 1000, "Maximum number of request header fields; more gets 431.", (o, n) => o with { MaxHeaderCount = n }),
        Integer("TERMINATOR_MAX_REQUEST_TARGET", "8192", 16, 1_048_576, "Maximum request-target (path + query) length in bytes; longer gets 414. When unset, at most TERMINATOR_MAX_HEADER_BYTES.", (o, n) => o with { MaxRequestTargetLength = n }),
        Integer("TERMINATOR_MAX_CONNECTIONS", "100000", 1, 10_000_000, "Maximum concurrent client connections; connections beyond it are closed right after accept.", (o, n) => o with { MaxConnections = n }),
        Integer("TERMINATOR_MAX_CONNECTIONS_PER_IP", "512", 1, 10_000_000, "Maximum concurrent client connections from one IP address.", (o, n) => o with { MaxConnectionsPerIp = n }),
        Integer("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "64", 32, 128, "IPv6 clients count against TERMINATOR_MAX_CONNECTIONS_PER_IP per network of this prefix length, since one subscriber usually holds a whole /64 (128 = per address); IPv4 clients, also IPv4-mapped ones, count per address.", (o, n) => o with { MaxConnectionsPerIpIpv6Prefix = n }),
        Duration("TERMINATOR_DRAIN_TIMEOUT", "30s", OneHour, "On SIGTERM, how long in-flight requests may finish before connections are closed.", (o, t) => o with { DrainTimeout = t }),
        Integer("TERMINATOR_LISTEN_BACKLOG", "4096", 1, 65535, "listen(2) backlog per listener (the kernel caps it at net.core.somaxconn).", (o, n) => o with { ListenBacklog = n }),
        new(new("TERMINATOR_LOG_LEVEL", "info", "Minimum log level: debug, info, warn or error."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string level = v.ToLowerInvariant();
                bool ok = level is "debug" or "info" or "warn" or "error";
                u = ok ? o with { LogLevel = level } : o;
                return ok ? null : $"'{v}' is not a log level (expected debug, info, warn or error)";
            }),
        .. LoggingSpecs,
        .. AcmeSpecs,
        .. AccessLogSpecs,
        .. MemorySpecs,
        .. CacheSpecs,
    ];

    /// <summary>Every supported variable with its default and meaning, in documentation order.</summary>
    public static IReadOnlyList<EnvironmentVariableInfo> Variables { get; } = Array.AsReadOnly(Array.ConvertAll(Specs, s => s.Info));

    /// <summary>
    /// Parses and validates <paramref name="environment"/> (names outside <c>TERMINATOR_*</c> are ignored; unknown
    /// <c>TERMINATOR_*</c> names are an error, with a suggestion when close to a real one). Unset or empty values take the
    /// default. On failure <paramref name="error"/> is one line: <c>NAME: what is wrong</c>.
    /// </summary>
    public static bool TryLoad(
        IReadOnlyDictionary<string, string?> environment,
        [NotNullWhen(true)] out TerminatorOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options = null;
        error = FindUnknownVariable(environment);
        if (error is not null)
        {
            return false;
        }

        var current = new TerminatorOptions();
        foreach (Spec spec in Specs)
        {
            string value = environment.TryGetValue(spec.Info.Name, out string? raw) && raw is not null ? raw.Trim() : spec.Info.Default;
            if (value.Length == 0 && !spec.EmptyIsValue)
            {
                value = spec.Info.Default;
            }

            if (value.Length == 0 && !spec.EmptyIsValue)
            {
                continue; // no default at all (TERMINATOR_DEFAULT_CERT): keep the unset initial value
            }

            string? problem = spec.Apply(value, current, out current);
            if (problem is not null)
            {
                error = $"{spec.Info.Name}: {problem}";
                return false;
            }
        }

        bool requestTargetSet = IsSet(environment, "TERMINATOR_MAX_REQUEST_TARGET");
        error = TerminatorOptionsValidator.ValidateCertificateSources(ref current, IsSet(environment, "TERMINATOR_CERT_DIR"), IsSet(environment, "TERMINATOR_STORE_DIR"))
            ?? TerminatorOptionsValidator.CrossValidate(ref current, requestTargetSet)
            ?? ValidateFleet(current.Fleet, current.StoreKey)
            ?? ValidateProxyProtocol(current);
        if (error is not null)
        {
            return false;
        }

        options = current;
        return true;
    }

    /// <summary>The variables <c>terminator certs</c> reads (with the fleet's: TERMINATOR_STORE and the database); every other <c>TERMINATOR_*</c> variable is the daemon's.</summary>
    public static IReadOnlyList<string> StoreVariables { get; } = ["TERMINATOR_STORE_DIR", "TERMINATOR_STORE_KEY", "TERMINATOR_STORE_KEY_FILE"];

    /// <summary>
    /// Parses and validates only <see cref="StoreVariables"/>, with the same rules and messages as <see cref="TryLoad"/>;
    /// every other variable is ignored, valid or not, because the store commands do not use it (a shared environment
    /// file may name a certificate folder or listener that only exists where the daemon runs).
    /// </summary>
    public static bool TryLoadStore(
        IReadOnlyDictionary<string, string?> environment,
        [NotNullWhen(true)] out StoreOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = null;
        if (!TryLoadOnly(environment, [.. StoreVariables, .. FleetVariables], out TerminatorOptions? current, out error))
        {
            return false;
        }

        error = ValidateFleet(current.Fleet, current.StoreKey);
        if (error is not null)
        {
            return false;
        }

        options = new StoreOptions(current.StoreDirectory, current.StoreKey, current.StoreKeyFile) { Fleet = current.Fleet };
        return true;
    }

    /// <summary>
    /// For <c>terminator db</c>: only the fleet's variables (the database, no store key: the owner role that migrates never
    /// needs it), which must name a PostgreSQL store.
    /// </summary>
    public static bool TryLoadFleet(
        IReadOnlyDictionary<string, string?> environment,
        [NotNullWhen(true)] out FleetOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = null;
        if (!TryLoadOnly(environment, FleetVariables, out TerminatorOptions? current, out error))
        {
            return false;
        }

        if (current.Fleet.Store != StoreKind.Postgres)
        {
            error = "TERMINATOR_STORE: must be 'postgres' for the database commands";
            return false;
        }

        if (current.Fleet.ConnectionString is null)
        {
            error = "TERMINATOR_DATABASE_URL: required when TERMINATOR_STORE=postgres (or set TERMINATOR_DATABASE_URL_FILE)";
            return false;
        }

        options = current.Fleet;
        return true;
    }

    /// <summary>Applies only the variables in <paramref name="names"/> (in the table's order) to the defaults.</summary>
    private static bool TryLoadOnly(
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyList<string> names,
        [NotNullWhen(true)] out TerminatorOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options = null;
        var current = new TerminatorOptions();
        foreach (Spec spec in Specs)
        {
            if (!names.Contains(spec.Info.Name))
            {
                continue;
            }

            string value = environment.TryGetValue(spec.Info.Name, out string? raw) && raw is not null ? raw.Trim() : string.Empty;
            if (value.Length == 0)
            {
                value = spec.Info.Default;
            }

            if (value.Length == 0)
            {
                continue;
            }

            error = spec.Apply(value, current, out current);
            if (error is not null)
            {
                error = $"{spec.Info.Name}: {error}";
                return false;
            }
        }

        options = current;
        error = null;
        return true;
    }

    private static bool IsSet(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out string? value) && !string.IsNullOrWhiteSpace(value);

    /// <summary>The process environment filtered to names starting with <c>TERMINATOR_</c> (any case, so typos are caught).</summary>
    public static IReadOnlyDictionary<string, string?> ReadProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                result[name] = entry.Value as string;
            }
        }

        return result;
    }

    /// <summary>Writes the <c>--help</c> text: usage lines, then every variable with its default and meaning.</summary>
    public static void WriteHelp(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine("Terminator: TLS terminator for email tracking domains (SNI certificates, HTTP/1.1 proxy).");
        writer.WriteLine();
        writer.WriteLine("Usage:");
        writer.WriteLine("  terminator            run the daemon from TERMINATOR_* variables");
        writer.WriteLine("  terminator demo       run the embedded default (throwaway CA, sample origin, 127.0.0.1 ports)");
        writer.WriteLine("  terminator certs ...  manage the encrypted certificate store (terminator certs --help)");
        writer.WriteLine("  terminator domains ...  manage the domains certificates are obtained for, through the admin API (terminator domains --help)");
        writer.WriteLine("  terminator --version  print the version, git commit, .NET runtime and OpenSSL version");
        writer.WriteLine("  terminator --help     show this text");
        writer.WriteLine();
        writer.WriteLine("Configuration errors are reported as one line naming the variable; the exit code is then 2.");
        writer.WriteLine($"Durations: {DurationParser.Syntax} (a bare number is an error). Unset or empty means the default.");
        writer.WriteLine();
        writer.WriteLine("Environment variables (default in brackets):");
        foreach (Spec spec in Specs)
        {
            string shownDefault = spec.Info.Default.Length == 0 ? "unset" : spec.Info.Default;
            writer.WriteLine($"  {spec.Info.Name} [{shownDefault}]");
            writer.WriteLine($"      {spec.Info.Description}");
        }
    }

    /// <summary>A Markdown table (<c>| Variable | Default | Meaning |</c>) of every variable, for the README.</summary>
    public static string ToMarkdownTable()
    {
        var builder = new StringBuilder();
        builder.Append("| Variable | Default | Meaning |\n");
        builder.Append("|---|---|---|\n");
        foreach (Spec spec in Specs)
        {
            string shownDefault = spec.Info.Default.Length == 0 ? "*(unset)*" : $"`{spec.Info.Default}`";
            string meaning = spec.Info.Description.Replace("|", "\\|", StringComparison.Ordinal);
            builder.Append($"| `{spec.Info.Name}` | {shownDefault} | {meaning} |\n");
        }

        return builder.ToString();
    }

    private static Spec Duration(string name, string defaultValue, TimeSpan max, string description, Func<TerminatorOptions, TimeSpan, TerminatorOptions> set) =>
        new(new(name, defaultValue, $"{description} Range: up to {DurationParser.Format(max)}."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = DurationParser.TryParse(v, max, out TimeSpan t);
                u = e is null ? set(o, t) : o;
                return e;
            });

    private static Spec Integer(string name, string defaultValue, int min, int max, string description, Func<TerminatorOptions, int, TerminatorOptions> set) =>
        new(new(name, defaultValue, $"{description} Range: {min}..{max}."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = TryParseInt(v, min, max, out int n);
                u = e is null ? set(o, n) : o;
                return e;
            });

    private static string? FindUnknownVariable(IReadOnlyDictionary<string, string?> environment)
    {
        List<string>? unknown = null;
        foreach (string name in environment.Keys)
        {
            if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && Array.FindIndex(Specs, s => s.Info.Name == name) < 0)
            {
                (unknown ??= []).Add(name);
            }
        }

        if (unknown is null)
        {
            return null;
        }

        unknown.Sort(StringComparer.Ordinal); // deterministic: the same environment always reports the same line
        string first = unknown[0];
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (Spec spec in Specs)
        {
            int distance = EditDistance(first, spec.Info.Name);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (spec.Info.Name, distance);
            }
        }

        return bestDistance == 0 ? $"{first}: unknown variable (did you mean {best}? names are case-sensitive)"
            : bestDistance <= 3 ? $"{first}: unknown variable (did you mean {best}?)"
            : $"{first}: unknown variable (run 'terminator --help' for the list)";
    }
}
