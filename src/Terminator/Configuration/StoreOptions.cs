namespace Terminator.Configuration;

/// <summary>
/// What <c>terminator certs</c> needs from the environment: the store's folder and key, and nothing of the daemon's
/// listeners, folders or timeouts (the CLI may run where those do not exist). Build it with
/// <see cref="TerminatorEnvironment.TryLoadStore"/>.
/// </summary>
/// <param name="Directory">The store folder (<c>TERMINATOR_STORE_DIR</c>).</param>
/// <param name="Key">The store key (<c>TERMINATOR_STORE_KEY</c> or the file named by <c>TERMINATOR_STORE_KEY_FILE</c>);
/// null when neither is set.</param>
/// <param name="KeyFile">The key file, when the key came from one (its permissions deserve a warning).</param>
internal sealed record StoreOptions(string Directory, StoreKey? Key, string? KeyFile)
{
    /// <summary><c>TERMINATOR_STORE</c> and the database (<c>TERMINATOR_DATABASE_URL[_FILE]</c>).</summary>
    public FleetOptions Fleet { get; init; } = FleetOptions.Default;
}
