using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// Instruments over the shared store's follower (TERMINATOR_STORE=postgres): present only when a follower is registered.
internal sealed partial class TerminatorMetrics
{
    private void CreateStoreSyncInstruments()
    {
        _meter.CreateObservableGauge("terminator.store.lag", () => ObserveStoreSync(static s => s.LagSeconds), "s",
            "Seconds since this node was last known to be in step with the shared store: 0 while it listens for changes, growing while the database is unreachable.");
        _meter.CreateObservableUpDownCounter("terminator.store.connected", () => ObserveStoreSync(static s => s.Connected ? 1L : 0L), "{connection}",
            "1 while the node listens for store changes on a live database connection, else 0.");
        _meter.CreateObservableUpDownCounter("terminator.store.generation", () => ObserveStoreSync(static s => s.AppliedGeneration), "{generation}",
            "The last shared-store generation this node applied (compare across nodes).");
        _meter.CreateObservableCounter("terminator.store.notifications", () => ObserveStoreSync(static s => s.Notifications), "{notification}",
            "Change notifications received from the database.");
        _meter.CreateObservableCounter("terminator.store.missed_changes", () => ObserveStoreSync(static s => s.MissedChanges), "{change}",
            "Changes applied by the periodic reconciliation that no notification had delivered (notification gaps).");
        _meter.CreateObservableCounter("terminator.store.reconnects", () => ObserveStoreSync(static s => s.Reconnects), "{reconnect}",
            "Times the database connection was re-established after a loss (each followed by a catch-up).");
        _meter.CreateObservableCounter("terminator.store.rows_refused", () => ObserveStoreSync(static s => s.RowsRefused), "{row}",
            "Store rows refused because they did not authenticate (edited in the database, or sealed under another key).");
    }

    private IEnumerable<Measurement<T>> ObserveStoreSync<T>(Func<StoreSyncStatus, T> read)
        where T : struct =>
        Sources.StoreSync is { } status ? [new Measurement<T>(read(status()))] : [];
}
