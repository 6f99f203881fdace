namespace Terminator.Configuration;

/// <summary>
/// The shared store: <c>TERMINATOR_STORE</c>, and for <see cref="StoreKind.Postgres"/> the database
/// (<c>TERMINATOR_DATABASE_URL</c> or the file named by <c>TERMINATOR_DATABASE_URL_FILE</c>).
/// </summary>
internal sealed record FleetOptions
{
    public static FleetOptions Default { get; } = new();

    /// <summary>Name of the sub-folder of TERMINATOR_STORE_DIR that holds a postgres node's local snapshot.</summary>
    public const string SnapshotSubdirectory = "snapshot";

    /// <summary>Where certificates are kept.</summary>
    public StoreKind Store { get; init; } = StoreKind.Directory;

    /// <summary>The database, in Npgsql's keyword form (converted from a URI or a libpq keyword string); holds the
    /// password, so it is never logged or printed (<see cref="ToString"/> leaves it out). Null when not set.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The file the connection string came from (<c>TERMINATOR_DATABASE_URL_FILE</c>), when it did.</summary>
    public string? ConnectionStringFile { get; init; }

    /// <summary>Whether this node creates and migrates the schema (<c>TERMINATOR_DATABASE_MIGRATE</c>); false: it only checks
    /// the schema version (its role may not create tables).</summary>
    public bool Migrate { get; init; } = true;

    /// <summary>Host, port, database and user, for messages (never the password).</summary>
    public string? DatabaseDescription { get; init; }

    /// <summary>How long an order lease lasts between renewals (<c>TERMINATOR_FLEET_ORDER_LEASE</c>): a dead node's
    /// domain waits this long before another node orders it.</summary>
    public TimeSpan OrderLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Without the connection string: a record's generated ToString would print the password.</summary>
    public override string ToString() => $"{{ Store = {Store}, Database = {DatabaseDescription ?? "unset"} }}";
}
