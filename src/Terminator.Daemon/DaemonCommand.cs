using System.Net.Sockets;
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

        var log = new TerminatorLog(TerminatorLog.ParseSeverity(options.LogLevel));
        // With stapling on, certificates naming an OCSP responder get their context (and first OCSP fetch) at load.
        var certificates = new CertificateMap(log, ocspStapling: options.OcspStapling, contextCache: new CertificateContextCache(options.CertCacheSize));
        // Both the store and the PEM folder are followed live (notifications + a periodic rescan, and SIGHUP).
        (CertificateSources? opened, string? fatal) = await CertificateSources.OpenAsync(options, certificates, log).ConfigureAwait(false);
        if (opened is null)
        {
            await Console.Error.WriteLineAsync($"terminator: {fatal}").ConfigureAwait(false);
            return 2;
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
                await Console.Error.WriteLineAsync($"terminator: TERMINATOR_DEFAULT_CERT: {problem}").ConfigureAwait(false);
                return 2;
            }
        }

        // With ACME on, an empty store is the normal first start: certificates arrive as managed domains are issued.
        if (loaded == 0 && defaultCertificate is null && !options.Acme.Enabled)
        {
            string variable = options.CertDirectory is null ? "TERMINATOR_STORE_DIR" : "TERMINATOR_CERT_DIR";
            await Console.Error.WriteLineAsync($"terminator: {variable}: no usable certificate in {CertificateSources.Describe(options)}").ConfigureAwait(false);
            return 2;
        }

        AutomaticHttps? automatic = null;
        if (options.Acme.Enabled)
        {
            (automatic, string? problem) = await AutomaticHttps.OpenAsync(options, certificates, log).ConfigureAwait(false);
            if (automatic is null)
            {
                await Console.Error.WriteLineAsync($"terminator: {problem}").ConfigureAwait(false);
                return 2;
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
            await Console.Error.WriteLineAsync($"terminator: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        if (server.AccessLog is { } accessLog)
        {
            log.Info($"access log: {accessLog.Options.Describe()}");
        }

        sources.StartWatching();
        using var expiry = new CertificateExpiryMonitor(certificates, log);
        expiry.Start();
        string http = server.HttpEndPoints.Count == 0 ? "off" : string.Join(',', server.HttpEndPoints);
        string admin = automatic?.AdminEndPoint is { } adminEndPoint ? $"; admin {adminEndPoint}" : string.Empty;
        log.Info($"ready: {certificates.Count} names from {loaded} certificates; https {string.Join(',', server.HttpsEndPoints)}; http {http}; upstream http://{options.UpstreamHost}:{options.UpstreamPort}{admin}");

        using var signal = new ShutdownSignal(log: log, reopen: () => server.AccessLog?.Reopen(), reload: async () =>
        {
            await sources.ReloadAsync().ConfigureAwait(false);
            string defaultNote = string.Empty;
            if (server.DefaultCertificate is not null)
            {
                // The fallback certificate is a file of its own, outside both watched sources: re-read it here.
                (CertificateEntry? reloaded, string? problem) = LoadDefaultCertificate(options, log);
                if (reloaded is null)
                {
                    log.Warn($"TERMINATOR_DEFAULT_CERT: {problem}; the previous default certificate stays in use");
                }
                else
                {
                    server.DefaultCertificate = reloaded;
                    defaultNote = $"; default certificate reloaded ({reloaded.KeyAlgorithm}, until {reloaded.NotAfter:yyyy-MM-dd})";
                }
            }

            log.Info($"reload: {sources.Count} certificates, {certificates.Count} names{defaultNote}");
        });
        string name = await signal.Stopped.ConfigureAwait(false);
        log.Info($"{name}: draining {server.ActiveConnections} connections (up to {options.DrainTimeout.TotalSeconds:0.#} s)");
        bool clean = await server.StopAsync(options.DrainTimeout).ConfigureAwait(false);
        log.Info(clean ? "stopped" : "stopped; connections still open at the drain timeout were closed");
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
                log.Warn($"TERMINATOR_DEFAULT_CERT: {entry.OcspStaplingProblem}");
            }

            return (entry, null);
        }
        catch (CertificateLoadException ex)
        {
            return (null, $"{ex.Path}: {ex.Message}");
        }
    }

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
