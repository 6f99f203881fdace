namespace Terminator.Configuration;

/// <summary>Where certificates are kept (<c>TERMINATOR_STORE</c>).</summary>
internal enum StoreKind
{
    /// <summary>Encrypted entry files in TERMINATOR_STORE_DIR, one node (the default).</summary>
    Directory,

    /// <summary>Encrypted entries in a PostgreSQL database shared by a fleet of nodes (TERMINATOR_DATABASE_URL);
    /// TERMINATOR_STORE_DIR then holds this node's local snapshot of it.</summary>
    Postgres,
}
