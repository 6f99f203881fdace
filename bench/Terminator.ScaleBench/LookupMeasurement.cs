using System.Diagnostics;
using System.Text;
using Terminator.Certificates;

namespace Terminator.ScaleBench;

/// <summary>
/// SNI lookups against a <see cref="CertificateMap"/> holding N compact entries (one exact name each, plus one
/// wildcard per 1,000 names), in-process: ns per lookup over random names (so the dictionary's buckets are cold in
/// cache, as under real traffic) and bytes allocated per lookup (the contract is 0).
/// </summary>
internal static class LookupMeasurement
{
    public readonly record struct Result(double ExactNs, double WildcardNs, double MissNs, double BytesPerOp, long ManagedBytes,
        double FullGcPauseMs, double BackgroundGcPauseMs, double MaxLoadPauseMs, int Gen2Background, int Gen2Blocking, int Pauses);

    public static Result Run(int names)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var map = new CertificateMap();
        var source = new NoMaterial();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int i = 0; i < names; i++)
        {
            map.Set(new CertificateEntry([StoreGenerator.Name(i)], now, now.AddDays(90), "ECDSA P-256", "bench", source));
        }

        for (int i = 0; i < Math.Max(1, names / 1000); i++)
        {
            map.Set(new CertificateEntry([$"*.w{i}.scale.test"], now, now.AddDays(90), "ECDSA P-256", "bench", source));
        }

        long managed = GC.GetTotalMemory(forceFullCollection: true) - before;
        var random = new Random(42);
        const int Samples = 4096;
        var exact = new byte[Samples][];
        var wildcard = new byte[Samples][];
        var miss = new byte[Samples][];
        for (int i = 0; i < Samples; i++)
        {
            exact[i] = Encoding.ASCII.GetBytes(StoreGenerator.Name(random.Next(names)));
            wildcard[i] = Encoding.ASCII.GetBytes($"x{i}.w{random.Next(Math.Max(1, names / 1000))}.scale.test");
            miss[i] = Encoding.ASCII.GetBytes($"nope{i}.d{random.Next(names)}.other.test");
        }

        double exactNs = Measure(map, exact, expectHit: true, out double exactBytes);
        double wildcardNs = Measure(map, wildcard, expectHit: true, out double wildcardBytes);
        double missNs = Measure(map, miss, expectHit: false, out double missBytes);
        (double fullPause, double backgroundPause, double loadPause, int background, int blocking, int pauses) = MeasureGcPauses();
        GC.KeepAlive(map);
        return new Result(exactNs, wildcardNs, missNs, Math.Max(exactBytes, Math.Max(wildcardBytes, missBytes)), managed,
            fullPause, backgroundPause, loadPause, background, blocking, pauses);
    }

    /// <summary>
    /// GC pauses with the map live, under this process's GC settings (the daemon's, background, see the csproj; or
    /// <c>DOTNET_gcConcurrent=0</c> for non-concurrent GC): the pause of one forced full blocking collection (which marks every
    /// per-name object), then every pause over <see cref="LoadSeconds"/> s of request-like garbage (1-4 KB buffers, one
    /// in 16 kept in a ring long enough to reach gen2, as keep-alive connections keep theirs, so gen2 collections run
    /// as they would under load), timed from the runtime's suspend/restart events.
    /// </summary>
    private static (double FullMs, double BackgroundMs, double LoadMaxMs, int Gen2Background, int Gen2Blocking, int Pauses) MeasureGcPauses()
    {
        using var listener = new GcPauseListener();
        // On a shared host a pause's wall time includes time the process was not scheduled: the least of three is the
        // figure (each run's CPU time is printed too, which preemption does not inflate).
        double full = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            double wallMs = GC.GetGCMemoryInfo(GCKind.FullBlocking).PauseDurations[0].TotalMilliseconds;
            Console.Error.WriteLine($"  full blocking GC: {wallMs:F1} ms wall, {cpuMs:F0} ms CPU");
            full = Math.Min(full, wallMs);
        }

        // A background collection (unless DOTNET_gcConcurrent=0): its longest suspension, the least over three.
        double background = double.NaN;
        if (System.Runtime.GCSettings.LatencyMode != System.Runtime.GCLatencyMode.Batch)
        {
            for (int run = 0; run < 3; run++)
            {
                Thread.Sleep(200);
                listener.Reset();
                GC.Collect(2, GCCollectionMode.Forced, blocking: false);
                var waited = Stopwatch.StartNew();
                while (listener.Gen2Ended == 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                    _ = new byte[1024]; // a little garbage, as a server would make meanwhile
                    Thread.Sleep(1);
                }

                Thread.Sleep(200);
                Console.Error.WriteLine($"  background GC: longest pause {listener.MaxPauseMs:F2} ms over {listener.Pauses} pauses, {waited.ElapsedMilliseconds} ms to finish, background {listener.BackgroundGen2}");
                background = double.IsNaN(background) ? listener.MaxPauseMs : Math.Min(background, listener.MaxPauseMs);
            }
        }

        Thread.Sleep(200); // let the forced collections' events arrive before counting
        listener.Reset();
        var kept = new byte[16384][];
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; stopwatch.ElapsedMilliseconds < LoadSeconds * 1000; i++)
        {
            byte[] buffer = new byte[1024 + ((i & 3) * 1024)];
            if ((i & 15) == 0)
            {
                kept[(i >> 4) & (kept.Length - 1)] = buffer;
            }
        }

        GC.KeepAlive(kept);
        Thread.Sleep(200);
        return (full, background, listener.MaxPauseMs, listener.BackgroundGen2, listener.BlockingGen2, listener.Pauses);
    }

    /// <summary>Seconds of request-like garbage per N.</summary>
    private const int LoadSeconds = 10;

    private static double Measure(CertificateMap map, byte[][] hosts, bool expectHit, out double bytesPerOp)
    {
        const int Iterations = 4_000_000;
        // Warm-up: tier the lookup up to optimised code before timing it.
        for (int i = 0; i < 200_000; i++)
        {
            _ = map.TryGet(hosts[i & (hosts.Length - 1)], out _);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        int hits = 0;
        for (int i = 0; i < Iterations; i++)
        {
            if (map.TryGet(hosts[i & (hosts.Length - 1)], out _))
            {
                hits++;
            }
        }

        stopwatch.Stop();
        bytesPerOp = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)Iterations;
        if (expectHit != (hits == Iterations) || (!expectHit && hits != 0))
        {
            throw new InvalidOperationException($"lookup sanity check failed: {hits} hits of {Iterations}");
        }

        return stopwatch.Elapsed.TotalNanoseconds / Iterations;
    }

    /// <summary>Lookups never materialise; an entry that tried would be a bench bug.</summary>
    private sealed class NoMaterial : ICertificateMaterialSource
    {
        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public CertificateMaterial Load(CertificateEntry entry) => throw new NotSupportedException();
    }
}
