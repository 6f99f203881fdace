namespace Terminator.Fleet;

/// <summary>What one <see cref="TombstonePruner.PruneAsync"/> did.</summary>
/// <param name="Ran">False when another node held the pruning lock (nothing was done).</param>
/// <param name="Tombstones">Tombstones deleted.</param>
/// <param name="PrunedThrough">The store's <c>tombstones_pruned_through</c> afterwards.</param>
/// <param name="Nodes">Rows of long-gone nodes deleted.</param>
internal readonly record struct TombstonePruneResult(bool Ran, int Tombstones, long PrunedThrough, int Nodes)
{
    public static TombstonePruneResult Skipped => default;
}
