using System.Diagnostics.CodeAnalysis;

namespace Terminator.Configuration;

/// <summary>The shared store's variables: <c>TERMINATOR_STORE</c> and the database it names.</summary>
internal static partial class TerminatorEnvironment
{
    private static Spec[] FleetSpecs =>
    [
        new(new("TERMINATOR_STORE", "directory", "Where certificates live: 'directory' (encrypted files in TERMINATOR_STORE_DIR, one node) or 'postgres' (encrypted rows in the PostgreSQL database TERMINATOR_DATABASE_URL, shared by a fleet of nodes; TERMINATOR_STORE_DIR then holds this node's local snapshot, served when the database is down). Keys stay encrypted with TERMINATOR_STORE_KEY either way."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                StoreKind? kind = v.ToLowerInvariant() switch
                {
                    "directory" => StoreKind.Directory,
                    "postgres" or "postgresql" => StoreKind.Postgres,
                    _ => null,
                };
                if (kind is null) { return $"'{v}' is not a store (expected directory or postgres)"; }
                u = o with { Fleet = o.Fleet with { Store = kind.Value } };
                return null;
            }),
        new(new("TERMINATOR_DATABASE_URL", "", "The PostgreSQL database of TERMINATOR_STORE=postgres: a URI (postgresql://user:password@host:5432/db?sslmode=verify-full), libpq keywords (host=... dbname=... user=...) or an Npgsql connection string. Prefer TERMINATOR_DATABASE_URL_FILE, which keeps the password out of the environment; never printed."),
            (string v, TerminatorOptions o, out TerminatorOptions u) => ApplyDatabaseUrl(v, o, out u, file: null)),
        new(new("TERMINATOR_DATABASE_URL_FILE", "", "File holding TERMINATOR_DATABASE_URL (mode 600, owned by the daemon's user); instead of it, never both."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (o.Fleet.ConnectionString is not null)
                {
                    return "set together with TERMINATOR_DATABASE_URL; set only one";
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

                string? problem = ApplyDatabaseUrl(text, o, out u, file: v);
                return problem is null ? null : $"'{v}' {problem}";
            }),
        new(new("TERMINATOR_FLEET_ORDER_LEASE", "2m", "With TERMINATOR_STORE=postgres and TERMINATOR_ACME=on: how long a node's order lease on a domain lasts between renewals (renewed every third of it), so how long a domain waits after its ordering node died before another node completes it, and how long a node that found the lease taken waits before trying again. Range: 3s..1h."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                string? e = DurationParser.TryParse(v, MaxOrderLease, out TimeSpan lease);
                if (e is not null) { return e; }
                // Renewed every third: under 3 s the renewal period would be shorter than a slow database round trip.
                if (lease < MinOrderLease) { return $"'{v}' is shorter than {DurationParser.Format(MinOrderLease)}"; }
                u = o with { Fleet = o.Fleet with { OrderLease = lease } };
                return null;
            }),
        new(new("TERMINATOR_DATABASE_MIGRATE", "on", "With TERMINATOR_STORE=postgres: 'on' creates and migrates the schema at start-up (the node's role owns it); 'off' for least privilege, where an owner role runs 'terminator db migrate' and the nodes' role only reads and writes rows: the node then checks the schema version at start-up and refuses to start (exit 2) while it is behind this build."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { Fleet = o.Fleet with { Migrate = on.Value } };
                return null;
            }),
    ];

    private static readonly TimeSpan MinOrderLease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxOrderLease = TimeSpan.FromHours(1);

    /// <summary>The variables of <see cref="FleetSpecs"/>, which <c>terminator certs</c> reads too.</summary>
    private static readonly string[] FleetVariables = ["TERMINATOR_STORE", "TERMINATOR_DATABASE_URL", "TERMINATOR_DATABASE_URL_FILE", "TERMINATOR_DATABASE_MIGRATE"];

    private static string? ApplyDatabaseUrl(string value, TerminatorOptions o, out TerminatorOptions u, string? file)
    {
        u = o;
        if (value.Trim().Length == 0)
        {
            return "is empty";
        }

        string? problem = DatabaseConnectionString.TryParse(value, out string? connectionString, out string? description);
        if (problem is not null)
        {
            return problem;
        }

        u = o with { Fleet = o.Fleet with { ConnectionString = connectionString, ConnectionStringFile = file, DatabaseDescription = description } };
        return null;
    }

    /// <summary>The rules between the fleet variables and the store's: one <c>NAME: problem</c> line or null.</summary>
    internal static string? ValidateFleet(FleetOptions fleet, StoreKey? key)
    {
        if (fleet.Store == StoreKind.Directory)
        {
            return fleet.ConnectionString is null ? null
                : $"{(fleet.ConnectionStringFile is null ? "TERMINATOR_DATABASE_URL" : "TERMINATOR_DATABASE_URL_FILE")}: set, but TERMINATOR_STORE is 'directory' (set TERMINATOR_STORE=postgres to use the database)";
        }

        if (fleet.ConnectionString is null)
        {
            return "TERMINATOR_DATABASE_URL: required when TERMINATOR_STORE=postgres (or set TERMINATOR_DATABASE_URL_FILE)";
        }

        // TERMINATOR_ACME=on is fine here: challenges are shared through the database and an order lease keeps two nodes
        // from ordering for one domain (Terminator.Fleet).
        return key is null
            ? "TERMINATOR_STORE_KEY: required when TERMINATOR_STORE=postgres (private keys are encrypted on the node; set TERMINATOR_STORE_KEY or TERMINATOR_STORE_KEY_FILE)"
            : null;
    }
}
