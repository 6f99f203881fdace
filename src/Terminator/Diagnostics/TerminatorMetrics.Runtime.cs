using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// The .NET runtime's own costs, read at collection: where a latency tail or a memory figure comes from (a GC pause, a
// backed-up thread pool) is the first thing an operator asks of a managed edge process. The runtime publishes the same
// on its "System.Runtime" meter, but this exporter reads only this server's meter (MeterCollector), so the few that
// explain our tail are read here, from the same calls that meter makes.
internal sealed partial class TerminatorMetrics
{
    private static readonly string[] s_generationNames = ["gen0", "gen1", "gen2"];

    private void CreateRuntimeInstruments()
    {
        _meter.CreateObservableCounter("terminator.runtime.gc.pause.time", () => GC.GetTotalPauseDuration().TotalSeconds, "s",
            "Time the process spent paused by garbage collections since it started (every thread stopped: it adds to any request in flight).");
        _meter.CreateObservableCounter("terminator.runtime.gc.collections", ObserveCollections, "{collection}",
            "Garbage collections since the process started, by the oldest generation collected (gen2: a full collection, whose pause grows with the live heap).");
        _meter.CreateObservableCounter("terminator.runtime.gc.allocated", () => GC.GetTotalAllocatedBytes(precise: false), "By",
            "Bytes allocated on the managed heap since the process started (divided by requests over an interval: what each costs the collector).");
        _meter.CreateObservableUpDownCounter("terminator.runtime.gc.heap.size", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By",
            "Managed heap size at the last garbage collection, fragmentation included.");
        _meter.CreateObservableUpDownCounter("terminator.runtime.thread_pool.queue.length", () => ThreadPool.PendingWorkItemCount, "{work_item}",
            "Work items queued for the thread pool and not yet started (a growing queue delays every connection's continuations).");
        _meter.CreateObservableUpDownCounter("terminator.runtime.thread_pool.threads", () => ThreadPool.ThreadCount, "{thread}",
            "Thread-pool threads now.");
        _meter.CreateObservableUpDownCounter("terminator.runtime.memory.resident", () => Environment.WorkingSet, "By",
            "Resident set size of the process (VmRSS): managed heap, native allocations (OpenSSL), code and stacks.");
    }

    private static IEnumerable<Measurement<long>> ObserveCollections()
    {
        // CollectionCount(n) counts collections of generation n or older; each series counts those whose oldest
        // generation was exactly n, so the series add up to the collections done.
        var measurements = new Measurement<long>[s_generationNames.Length];
        long older = 0;
        for (int generation = s_generationNames.Length - 1; generation >= 0; generation--)
        {
            long atLeast = GC.CollectionCount(generation);
            measurements[generation] = new(atLeast - older, Tag("generation", s_generationNames[generation]));
            older = atLeast;
        }

        return measurements;
    }
}
