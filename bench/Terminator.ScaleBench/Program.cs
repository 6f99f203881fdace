using System.Globalization;
using System.Security.Cryptography;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.ScaleBench;

// Scale benchmark (issue 4): N store entries → daemon ready time, RSS, lookup cost, cold vs cached first handshake.
// Run through bench/scale.sh, which publishes the daemon first. Not a test: nothing here asserts timing.

// The daemon's OpenSSL cipher list, loaded before this process's first handshake (ClientWarmUp runs a server).
Terminator.Interop.OpenSslCipherPolicy.Apply();

var domains = new List<int> { 10_000, 100_000 };
string? daemon = null;
string work = Path.Combine(Path.GetTempPath(), "terminator-scale");
int daemonCpu = 0, benchCpu = 1;
int cacheSize = TerminatorOptions.DefaultCertCacheSize;
bool fromDisk = false;
bool inProcessOnly = false;
bool postgres = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--domains": domains = [.. args[++i].Split(',').Select(s => int.Parse(s.Replace("_", ""), CultureInfo.InvariantCulture))]; break;
        case "--daemon": daemon = args[++i]; break;
        case "--work": work = args[++i]; break;
        case "--daemon-cpu": daemonCpu = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--bench-cpu": benchCpu = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--cache-size": cacheSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--from-disk": fromDisk = true; break;
        case "--in-process-only": inProcessOnly = true; break; // lookups and GC pauses; no daemon runs
        case "--store":
            string kind = args[++i];
            if (kind is not ("directory" or "postgres"))
            {
                Console.Error.WriteLine("--store must be directory or postgres");
                return 2;
            }

            postgres = kind == "postgres";
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}; usage: --domains 10000,100000,1000000 --daemon PATH [--work DIR] [--daemon-cpu 0] [--bench-cpu 1] [--cache-size N] [--from-disk] [--in-process-only] [--store directory|postgres]");
            return 2;
    }
}

if (daemon is null || !File.Exists(daemon))
{
    Console.Error.WriteLine("--daemon must name the published terminator binary (bench/scale.sh does this)");
    return 2;
}

// A fixed store key per work directory, so generated stores can be reused across runs.
Directory.CreateDirectory(work);
string keyFile = Path.Combine(work, "store.key");
if (!File.Exists(keyFile))
{
    File.WriteAllText(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
}

string keyBase64 = File.ReadAllText(keyFile).Trim();
byte[] key = Convert.FromBase64String(keyBase64);
string pem = Path.Combine(work, "pem");
Directory.CreateDirectory(pem);

Console.WriteLine($"# Terminator scale bench — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"daemon pinned to CPU {daemonCpu}, bench client to CPU {benchCpu} (after generation), TERMINATOR_CERT_CACHE_SIZE={cacheSize}");
Console.WriteLine();
await ClientWarmUp.RunAsync();
await using PostgresScaleStore? database = postgres ? await PostgresScaleStore.StartAsync(work, FreePort()) : null;
string gcMode = (System.Runtime.GCSettings.IsServerGC ? "server" : "workstation") + ", "
    + (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "non-concurrent" : "background");
Console.WriteLine($"GC: {gcMode}");
var rows = new List<string>();
var gcRows = new List<string>();
foreach (int n in domains)
{
    string store = Path.Combine(work, $"store-{n}");
    Console.Error.WriteLine($"[{n}] generating store entries (reused when present)...");
    TimeSpan generation = StoreGenerator.Generate(store, n, key);
    Console.Error.WriteLine($"[{n}] generated in {generation.TotalSeconds:F1} s");

    // Everything measured from here runs on the bench CPU only, away from the daemon's.
    System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = (nint)(1L << benchCpu);
    LookupMeasurement.Result lookup = LookupMeasurement.Run(n);
    Console.Error.WriteLine($"[{n}] lookups: exact {lookup.ExactNs:F0} ns, wildcard {lookup.WildcardNs:F0} ns, miss {lookup.MissNs:F0} ns, {lookup.BytesPerOp} B/op");
    Console.Error.WriteLine($"[{n}] GC pauses with the map live (in-process): full blocking {lookup.FullGcPauseMs:F1} ms, background GC longest pause {lookup.BackgroundGcPauseMs:F2} ms, longest under load {lookup.MaxLoadPauseMs:F2} ms ({lookup.Pauses} pauses, gen2: {lookup.Gen2Background} background, {lookup.Gen2Blocking} blocking)");
    gcRows.Add(string.Create(CultureInfo.InvariantCulture, $"| {n:N0} | {gcMode} | {lookup.ManagedBytes / (double)n:F0} | {lookup.FullGcPauseMs:F1} | {lookup.BackgroundGcPauseMs:F2} | {lookup.MaxLoadPauseMs:F2} | {lookup.Pauses} | {lookup.Gen2Background} / {lookup.Gen2Blocking} |"));
    GC.Collect();

    var run = new DaemonRun
    {
        DaemonPath = daemon,
        StoreDirectory = store,
        PemDirectory = pem,
        StoreKeyBase64 = keyBase64,
        Domains = n,
        DaemonCpu = daemonCpu,
        CacheSize = cacheSize,
    };
    foreach (bool dropped in inProcessOnly ? [] : fromDisk ? new[] { false, true } : [false])
    {
    if (dropped)
    {
        // The whole host's page cache (root only): the daemon then stats and reads its store from the disk.
        System.Diagnostics.Process.Start("sync")!.WaitForExit();
        File.WriteAllText("/proc/sys/vm/drop_caches", "3");
        Console.Error.WriteLine($"[{n}] page cache dropped (echo 3 > /proc/sys/vm/drop_caches)");
    }
    else
    {
        // What a cached start finds in the page cache: every entry's inode and the index. Without this the row after a
        // smaller size's from-disk row started on an emptied cache (its drop_caches is host-wide).
        var warm = System.Diagnostics.Stopwatch.StartNew();
        long bytes = 0;
        foreach (string file in Directory.EnumerateFiles(store, "*.tcert"))
        {
            bytes += new FileInfo(file).Length;
        }

        string index = Path.Combine(store, ".terminator-index");
        if (File.Exists(index))
        {
            bytes += File.ReadAllBytes(index).Length;
        }

        Console.Error.WriteLine($"[{n}] page cache warmed: {bytes >> 20} MiB of entries stat'ed and the index read in {warm.Elapsed.TotalSeconds:F1} s");
    }

    DaemonRun.Result r = await run.RunAsync();
    string row = Row(dropped ? $"{n:N0} (from disk)" : $"{n:N0}", n, r, lookup);
    Console.Error.WriteLine(row);
    rows.Add(row);
    }

    if (database is not null && !inProcessOnly)
    {
        // A node of a fleet, next to the directory store's run above: the same entries as rows of the shared store.
        // First with an empty snapshot folder (a new node: every row is fetched, authenticated and written to the
        // snapshot before it serves), then on the snapshot that run left (a restarted node: it serves the snapshot and
        // asks only for later generations).
        TimeSpan copied = await database.LoadAsync(n, store, key);
        Console.Error.WriteLine($"[{n}] rows in PostgreSQL: {(copied == TimeSpan.Zero ? "reused" : $"copied in {copied.TotalSeconds:F1} s")}, database {await database.DatabaseBytesAsync(n) / 1048576.0:F0} MiB");
        string node = Path.Combine(work, $"pgnode-{n}");
        if (Directory.Exists(node))
        {
            Directory.Delete(node, recursive: true);
        }

        var fleetRun = new DaemonRun
        {
            DaemonPath = daemon,
            StoreDirectory = node,
            PemDirectory = pem,
            StoreKeyBase64 = keyBase64,
            Domains = n,
            DaemonCpu = daemonCpu,
            CacheSize = cacheSize,
            Environment = new Dictionary<string, string>
            {
                ["TERMINATOR_STORE"] = "postgres",
                ["TERMINATOR_DATABASE_URL"] = database.ConnectionString(n),
                ["TERMINATOR_LOG_LEVEL"] = "info", // the sync's own line: rows fetched and how long it took
            },
        };
        foreach (string snapshot in new[] { "postgres, empty snapshot", "postgres, snapshot" })
        {
            DaemonRun.Result r = await fleetRun.RunAsync();
            rows.Add(Row($"{n:N0} ({snapshot})", n, r, lookup));
            Console.Error.WriteLine(rows[^1]);
        }
    }

    System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = (nint)((1L << Environment.ProcessorCount) - 1);
}

Console.WriteLine("| domains | ready s | RSS ready MiB | index B/name (in-process) | lookup ns exact / wildcard / miss | lookup B/op | cold first handshake ms p50 / p90 | cached handshake ms p50 / p90 | KiB per materialised context | RSS after MiB | new cert served s |");
Console.WriteLine("|---:|---:|---:|---:|---|---:|---|---|---:|---:|---:|");
foreach (string row in rows)
{
    Console.WriteLine(row);
}

Console.WriteLine();
Console.WriteLine("| domains (in-process map) | GC | managed B/name | forced full blocking GC pause ms (least of 3) | forced background GC longest pause ms (least of 3) | longest pause under load ms | pauses under load | gen2 GCs under load background / blocking |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");
foreach (string row in gcRows)
{
    Console.WriteLine(row);
}

Console.WriteLine();
Console.WriteLine($"Command: bench/scale.sh --domains {string.Join(',', domains)}" + (cacheSize != TerminatorOptions.DefaultCertCacheSize ? $" --cache-size {cacheSize}" : "") + (fromDisk ? " --from-disk" : "") + (inProcessOnly ? " --in-process-only" : "") + (postgres ? " --store postgres" : ""));
return 0;

static string Row(string label, int n, DaemonRun.Result r, LookupMeasurement.Result lookup) => string.Create(CultureInfo.InvariantCulture,
    $"| {label} | {r.ReadySeconds:F2} | {r.RssReadyKiB / 1024.0:F0} | {lookup.ManagedBytes / (double)n:F0} | {lookup.ExactNs:F0} / {lookup.WildcardNs:F0} / {lookup.MissNs:F0} | {lookup.BytesPerOp:0.##} | {r.ColdMedianMs:F2} / {r.ColdP90Ms:F2} | {r.CachedMedianMs:F2} / {r.CachedP90Ms:F2} | {r.KiBPerContext:F1} | {r.RssAfterKiB / 1024.0:F0} | {r.NewCertificateSeconds:F3} |");

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}
