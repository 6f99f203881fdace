using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Hosting;

namespace Terminator.Daemon;

/// <summary>The production mode: configuration from the environment, certificates from the encrypted store
/// (TERMINATOR_STORE_*) and/or TERMINATOR_CERT_DIR.</summary>
internal static class DaemonCommand
{
    public static async Task<int> RunAsync()
    {
        if (!TerminatorEnvironment.TryLoad(TerminatorEnvironment.ReadProcessEnvironment(), out TerminatorOptions? options, out string? error))
        {
            await Console.Error.WriteLineAsync($"terminator: {error}").ConfigureAwait(false);
            return 2;
        }

        // Lines reach stderr (the journal) from the log's own thread; disposing it at the end flushes what is queued.
        using var log = new TerminatorLog(TerminatorLog.ParseLevel(options.LogLevel), StandardError(), TerminatorLog.ParseFormat(options.LogFormat));
        // With stapling on, certificates naming an OCSP responder get their context (and first OCSP fetch) at load.
        var certificates = new CertificateMap(log, ocspStapling: options.OcspStapling, contextCache: new CertificateContextCache(options.CertCacheSize));
        // Both the store and the PEM folder are followed live (notifications + a periodic rescan, and SIGHUP).
        (CertificateSources? opened, string? fatal) = await CertificateSources.OpenAsync(options, certificates, log).ConfigureAwait(false);
        if (opened is null)
        {
            return await FatalAsync(log, $"terminator: {fatal}", 2).ConfigureAwait(false);
        }

        using CertificateSources sources = opened;
        int loaded = sources.Count;
        ReleaseLoaderMemory();

        CertificateEntry? defaultCertificate = null;
        if (options.UnknownSni == UnknownSniPolicy.Default && options.DefaultCertificatePath is not null)
        {
            (defaultCertificate, string? problem) = LoadDefaultCertificate(options, log);
            if (defaultCertificate is null)
            {
                return await FatalAsync(log, $"terminator: TERMINATOR_DEFAULT_CERT: {problem}", 2).ConfigureAwait(false);
            }
        }

        // With ACME on, an empty store is the normal first start: certificates arrive as managed domains are issued.
        if (loaded == 0 && defaultCertificate is null && !options.Acme.Enabled)
        {
            string variable = options.CertDirectory is null ? "TERMINATOR_STORE_DIR" : "TERMINATOR_CERT_DIR";
            return await FatalAsync(log, $"terminator: {variable}: no usable certificate in {CertificateSources.Describe(options)}", 2).ConfigureAwait(false);
        }

        AutomaticHttps? automatic = null;
        if (options.Acme.Enabled)
        {
            (automatic, string? problem) = await AutomaticHttps.OpenAsync(options, certificates, log).ConfigureAwait(false);
            if (automatic is null)
            {
                return await FatalAsync(log, $"terminator: {problem}", 2).ConfigureAwait(false);
            }
        }

        await using AutomaticHttps? acme = automatic;
        await using var server = new TerminatorServer(options, certificates, defaultCertificate, log, automatic?.Challenges);
        try
        {
            server.Start();
            // After the listeners: challenges must be answerable before the first order goes out.
            automatic?.Start();
        }
        catch (SocketException ex)
        {
            return await FatalAsync(log, $"terminator: {ex.Message}", 1).ConfigureAwait(false);
        }

        sources.StartWatching();
        using var expiry = new CertificateExpiryMonitor(certificates, log);
        expiry.Start();
        string http = server.HttpEndPoints.Count == 0 ? "off" : string.Join(',', server.HttpEndPoints);
        string admin = automatic?.AdminEndPoint is { } adminEndPoint ? adminEndPoint.ToString() : "off";
        DaemonLog.Ready(log.Daemon, certificates.Count, loaded, string.Join(',', server.HttpsEndPoints), http, $"http://{options.UpstreamHost}:{options.UpstreamPort}", admin);

        using var signal = new ShutdownSignal(log: log, reload: async () =>
        {
            long started = Stopwatch.GetTimestamp();
            CertificateReloadResult rescan = await sources.ReloadAsync().ConfigureAwait(false);
            CertificateEntry? reloadedDefault = null;
            if (server.DefaultCertificate is not null)
            {
                // The fallback certificate is a file of its own, outside both watched sources: re-read it here.
                (CertificateEntry? reloaded, string? problem) = LoadDefaultCertificate(options, log);
                if (reloaded is null)
                {
                    DaemonLog.DefaultCertificateKept(log.Daemon, problem!);
                }
                else
                {
                    server.DefaultCertificate = reloaded;
                    reloadedDefault = reloaded;
                }
            }

            // One summary line per SIGHUP (the sources' own per-rescan lines are not written for it).
            long elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (reloadedDefault is null)
            {
                DaemonLog.Reloaded(log.Daemon, elapsedMs, rescan.Added, rescan.Replaced, rescan.Removed, rescan.Errors.Count, sources.Count, certificates.Count);
            }
            else
            {
                DaemonLog.ReloadedWithDefault(log.Daemon, elapsedMs, rescan.Added, rescan.Replaced, rescan.Removed, rescan.Errors.Count, sources.Count, certificates.Count,
                    reloadedDefault.KeyAlgorithm, reloadedDefault.NotAfter);
            }
        });
        string name = await signal.Stopped.ConfigureAwait(false);
        DaemonLog.Draining(log.Daemon, name, server.ActiveConnections, options.DrainTimeout.TotalSeconds);
        bool clean = await server.StopAsync(options.DrainTimeout).ConfigureAwait(false);
        if (clean)
        {
            DaemonLog.Stopped(log.Daemon);
        }
        else
        {
            DaemonLog.StoppedAtDrainTimeout(log.Daemon);
        }

        return 0;
    }

    /// <summary>Loads TERMINATOR_DEFAULT_CERT (at start-up and on SIGHUP); returns the entry or a one-line problem.</summary>
    private static (CertificateEntry? Entry, string? Problem) LoadDefaultCertificate(TerminatorOptions options, TerminatorLog log)
    {
        try
        {
            CertificateEntry entry = CertificateLoader.LoadFile(options.DefaultCertificatePath!);
            if (options.OcspStapling && entry.EnableOcspStapling() == OcspStaplingState.IncompleteChain)
            {
                DaemonLog.DefaultCertificateNotStapled(log.Daemon, entry.OcspStaplingProblem!);
            }

            return (entry, null);
        }
        catch (CertificateLoadException ex)
        {
            return (null, $"{ex.Path}: {ex.Message}");
        }
    }

    /// <summary>A start-up error: one line on stderr, after whatever the log still has queued (so the reasons before it
    /// stay before it).</summary>
    private static async Task<int> FatalAsync(TerminatorLog log, string message, int exitCode)
    {
        log.Flush(TimeSpan.FromSeconds(2));
        await Console.Error.WriteLineAsync(message).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>stderr for the log sink: UTF-8 without a BOM, buffered, flushed by the sink once per batch of lines (the
    /// journal's stream then gets one write per batch instead of one per line).</summary>
    private static StreamWriter StandardError() =>
        new(Console.OpenStandardError(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024) { AutoFlush = false };

    /// <summary>
    /// The bulk load leaves a large transient heap behind (lists of every file and entry: hundreds of MiB at a million
    /// store entries) that a non-concurrent workstation GC would otherwise keep committed; one aggressive compacting
    /// collection before serving returns it to the OS (measured with 1,000,000 store entries: RSS at ready 997 -> 731
    /// MiB, ready 29.2 -> 26.6 s; 10,000 entries: 82 -> 50 MiB) at the cost of one pause before the listener opens.
    /// </summary>
    private static void ReleaseLoaderMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
