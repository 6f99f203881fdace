using System.Diagnostics;
using System.Net.Sockets;
using Terminator.AccessLog;
using Terminator.Admin;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Hosting;
using Terminator.Tls;

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
        // Until ShutdownSignal below: SIGHUP/SIGUSR1 must not kill a node that is still loading its certificates.
        using var startupSignals = new StartupSignals(log);
        // With stapling on, certificates naming an OCSP responder get their context (and first OCSP fetch) at load.
        var certificates = new CertificateMap(log, ocspStapling: options.OcspStapling, contextCache: new CertificateContextCache(options.CertCacheSize, options.SslContextPin));
        using var metrics = new TerminatorMetrics();
        MetricSourceRegistration.ObserveCertificates(metrics.Sources, certificates);
        var readiness = new Readiness();

        // First, before the (possibly long) certificate load: probes get 503 on /readyz rather than a refused connection.
        AdminServer? startedAdmin;
        try
        {
            startedAdmin = StartAdmin(options, log, metrics, readiness);
        }
        catch (SocketException ex)
        {
            await Console.Error.WriteLineAsync($"terminator: TERMINATOR_ADMIN_LISTEN: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await using AdminServer? admin = startedAdmin;
        // Both the store and the PEM folder are followed live (notifications + a periodic rescan, and SIGHUP).
        (CertificateSources? opened, string? fatal) = await CertificateSources.OpenAsync(options, certificates, log, metrics.Sources).ConfigureAwait(false);
        if (opened is null)
        {
            return await FatalAsync(log, $"terminator: {fatal}", 2).ConfigureAwait(false);
        }

        await using CertificateSources sources = opened;
        if (sources.Shared is { } fleet)
        {
            admin?.ServeFleet(fleet.View);
        }

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

        // With ACME on, an empty store is the normal first start: certificates arrive as managed domains are issued; so
        // it is for a fleet node, whose certificates arrive as any node or operator stores them.
        if (loaded == 0 && defaultCertificate is null && !options.Acme.Enabled && options.Fleet.Store != StoreKind.Postgres)
        {
            string variable = options.CertDirectory is null ? "TERMINATOR_STORE_DIR" : "TERMINATOR_CERT_DIR";
            return await FatalAsync(log, $"terminator: {variable}: no usable certificate in {CertificateSources.Describe(options)}", 2).ConfigureAwait(false);
        }

        AutomaticHttps? automatic = null;
        if (options.Acme.Enabled)
        {
            (automatic, string? problem) = await AutomaticHttps.OpenAsync(options, certificates, log, sources.Shared).ConfigureAwait(false);
            if (automatic is null)
            {
                return await FatalAsync(log, $"terminator: {problem}", 2).ConfigureAwait(false);
            }
        }

        await using AutomaticHttps? acme = automatic;
        await using var server = new TerminatorServer(options, certificates, defaultCertificate, log, automatic?.Challenges, metrics);
        try
        {
            server.Start();
            // After the listeners: challenges must be answerable before the first order goes out.
            automatic?.Start();
            if (automatic is not null)
            {
                admin?.ServeDomains(automatic.Registry, automatic.AdminCallbacks);
            }
        }
        catch (SocketException ex)
        {
            return await FatalAsync(log, $"terminator: {ex.Message}", 1).ConfigureAwait(false);
        }

        if (server.AccessLog is { } accessLog)
        {
            AccessLogEvents.Opened(log.AccessLog, accessLog.Options.Describe());
        }

        sources.StartWatching();
        using var expiry = new CertificateExpiryMonitor(certificates, log);
        expiry.Start();
        using SystemdNotifier systemd = SystemdNotifier.FromEnvironment(log);
        // Signals are handled from here on, before anyone is told the daemon is ready: a SIGHUP sent at READY=1 (or as
        // soon as the ready line appears) must reload, not kill the process with the signal's default action.
        using var signal = new ShutdownSignal(log: log, reopen: () => server.AccessLog?.Reopen(), reload: async () =>
        {
            systemd.Reloading();
            try
            {
                await ReloadAsync(options, sources, certificates, server, log).ConfigureAwait(false);
                server.TrimNativeMemory(); // the rescan's reads, parses and key imports are garbage now
            }
            finally
            {
                // Also after a failed reload: the daemon keeps serving what it had, so it is ready again either way.
                systemd.Ready($"serving {certificates.Count} names from {sources.Count} certificates");
            }
        });
        startupSignals.Dispose();
        string http = server.HttpEndPoints.Count == 0 ? "off" : string.Join(',', server.HttpEndPoints);
        string listening = $"https {string.Join(',', server.HttpsEndPoints)}; http {http}";
        string proxyProtocol = options.ProxyProtocol.Enabled
            ? $"; proxy-protocol {options.ProxyProtocol.Mode.ToString().ToLowerInvariant()} from {string.Join(',', options.ProxyProtocol.TrustedNetworks)}"
            : string.Empty;
        // After a .NET update the runtime's private members may have moved: say so once, before serving, rather than
        // leave the operator to find the fallbacks' cost in the figures.
        TlsLog.RuntimeWorkarounds(log.Tls, RuntimeWorkarounds.Probe(options.SslContextPin), options.SslContextPin);
        server.TrimNativeMemory(); // the start-up load's reads, parses and key imports are garbage now
        DaemonLog.Ready(log.Daemon, certificates.Count, loaded, string.Join(',', server.HttpsEndPoints), http, $"http://{options.UpstreamHost}:{options.UpstreamPort}",
            admin is null ? "off" : admin.EndPoint.ToString(), proxyProtocol);
        readiness.MarkReady();
        systemd.Ready($"serving {certificates.Count} names from {loaded} certificates; {listening}");
        // Serving already: the contexts are built behind the traffic, one at a time (Certificates/CertificatePrewarmer).
        using var prewarmStop = new CancellationTokenSource();
        Task prewarm = options.CertPrewarm
            ? Task.Run(() => CertificatePrewarmer.RunAsync(certificates, options.CertCacheSize, log, prewarmStop.Token))
            : Task.CompletedTask;

        string name = await signal.Stopped.ConfigureAwait(false);
        await prewarmStop.CancelAsync().ConfigureAwait(false);
        await prewarm.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Not ready from the first moment of the stop, so a load balancer polling /readyz takes the node out while
        // in-flight requests finish.
        readiness.MarkDraining();
        int draining = server.ActiveConnections;
        systemd.Stopping($"draining {draining} connections");
        DaemonLog.Draining(log.Daemon, name, draining, options.DrainTimeout.TotalSeconds);
        bool clean = await server.StopAsync(options.DrainTimeout).ConfigureAwait(false);
        // The registry closes with automatic HTTPS below; the admin listener keeps answering the probes until the end.
        admin?.StopServingDomains();
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

    /// <summary>SIGHUP: rescan both certificate sources, and re-read TERMINATOR_DEFAULT_CERT (a file outside both); one
    /// summary line (the sources' own per-rescan lines are not written for it).</summary>
    private static async Task ReloadAsync(TerminatorOptions options, CertificateSources sources, CertificateMap certificates, TerminatorServer server, TerminatorLog log)
    {
        long started = Stopwatch.GetTimestamp();
        CertificateReloadResult rescan = await sources.ReloadAsync().ConfigureAwait(false);
        CertificateEntry? reloadedDefault = null;
        if (server.DefaultCertificate is not null)
        {
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
    }

    /// <summary>
    /// The admin listener for every node (TERMINATOR_ADMIN_LISTEN; null when 'off'): /metrics and the probes at once,
    /// the /v1 domains API once automatic HTTPS has opened its registry (404 when TERMINATOR_ACME is off).
    /// </summary>
    private static AdminServer? StartAdmin(TerminatorOptions options, TerminatorLog log, TerminatorMetrics metrics, Readiness readiness)
    {
        if (options.AdminListen is not { } endPoint)
        {
            return null;
        }

        if ((options.Acme.Enabled || options.Fleet.Store == StoreKind.Postgres) && options.AdminTokenFile is not null && AdminToken.DescribeTokenFilePermissionProblem(options.AdminTokenFile) is { } permission)
        {
            AdminLog.TokenFilePermissions(log.Admin, permission);
        }

        var adminOptions = new AdminServerOptions
        {
            EndPoint = endPoint, Token = options.AdminToken, DomainsApi = options.Acme.Enabled, FleetApi = options.Fleet.Store == StoreKind.Postgres,
        };
        return AdminServer.Start(adminOptions, log, metrics, readiness);
    }

    /// <summary>Loads TERMINATOR_DEFAULT_CERT (at start-up and on SIGHUP); returns the entry or a one-line problem.</summary>
    private static (CertificateEntry? Entry, string? Problem) LoadDefaultCertificate(TerminatorOptions options, TerminatorLog log)
    {
        try
        {
            CertificateEntry entry = CertificateLoader.LoadFile(options.DefaultCertificatePath!);
            // A cache of its own, never full, so it keeps its context for its lifetime and pins it as the map's would.
            entry.AttachCache(new CertificateContextCache(1, options.SslContextPin));
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
    /// store entries) that the workstation GC would otherwise keep committed; one aggressive compacting
    /// collection before serving returns it to the OS (measured with 1,000,000 store entries: RSS at ready 997 -> 731
    /// MiB, ready 29.2 -> 26.6 s; 10,000 entries: 82 -> 50 MiB) at the cost of one pause before the listener opens.
    /// </summary>
    private static void ReleaseLoaderMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
