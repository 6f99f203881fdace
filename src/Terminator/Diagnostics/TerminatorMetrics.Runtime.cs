using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// The .NET runtime's own costs, read at collection: where a latency tail or a memory figure comes from (a GC pause, a
// backed-up thread pool) is the first thing an operator asks of a managed edge process. The runtime publishes the same
// on its "System.Runtime" meter, but this exporter reads only this server's meter (MeterCollector), so the few that
// explain our tail are read here, from the same calls that meter makes.
internal sealed partial class TerminatorMetrics
{
    private static readonly string[] s_generationNames = ["gen0", "gen1", "gen2"];
    private Histogram<double> _gcPauseDuration = null!;
    private IDisposable? _gcPauses;

    private void CreateRuntimeInstruments()
    {
        // The longest pauses are what a keep-alive tail is made of: a gen0 collection takes a millisecond or two, a
        // background gen2 suspends for well under one, a blocking gen2 over a large live heap (a million names: the
        // trimmer's when nearly idle) hundreds.
        _gcPauseDuration = _meter.CreateHistogram("terminator.runtime.gc.pause.duration", "s",
            "Each garbage-collection pause since the metrics started (every thread stopped for its length): the buckets show how long the longest were.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2] });
        _gcPauses = GcPauseListener.Subscribe(pause => _gcPauseDuration.Record(pause.TotalSeconds));
        _meter.CreateObservableCounter("terminator.runtime.gc.pause.time", () => GC.GetTotalPauseDuration().TotalSeconds, "s",
            "Time the process spent paused by garbage collections since it started (every thread stopped: it adds to any request in flight).");
        _meter.CreateObservableCounter("terminator.runtime.gc.collections", ObserveCollections, "{collection}",
            "Garbage collections since the process started, by the oldest generation collected (gen2: a full collection, in the background unless blocking; a blocking one's pause grows with the live heap).");
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
