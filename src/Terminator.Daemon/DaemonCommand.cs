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
    /// <summary>Safety net behind file-system notifications (which can overflow or be unsupported on the mount).</summary>
    private static readonly TimeSpan DirectoryRescanInterval = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync()
    {
        if (!TerminatorEnvironment.TryLoad(TerminatorEnvironment.ReadProcessEnvironment(), out TerminatorOptions? options, out string? error))
        {
            await Console.Error.WriteLineAsync($"terminator: {error}").ConfigureAwait(false);
            return 2;
        }

        var log = new TerminatorLog(TerminatorLog.ParseSeverity(options.LogLevel));
        var certificates = new CertificateMap(log);
        // The PEM folder is followed live (notifications + a periodic rescan); the store is re-read on SIGHUP.
        using CertificateDirectoryWatcher? watcher = options.CertDirectory is null
            ? null
            : new CertificateDirectoryWatcher(options.CertDirectory, certificates, log, DirectoryRescanInterval);
        (int loaded, string? fatal) = await CertificateSources.LoadAsync(options, certificates, watcher, log).ConfigureAwait(false);
        if (fatal is not null)
        {
            await Console.Error.WriteLineAsync($"terminator: {fatal}").ConfigureAwait(false);
            return 2;
        }

        CertificateEntry? defaultCertificate = null;
        if (options.UnknownSni == UnknownSniPolicy.Default && options.DefaultCertificatePath is not null)
        {
            try
            {
                defaultCertificate = CertificateLoader.LoadFile(options.DefaultCertificatePath);
            }
            catch (CertificateLoadException ex)
            {
                await Console.Error.WriteLineAsync($"terminator: TERMINATOR_DEFAULT_CERT: {ex.Path}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }
        }

        if (loaded == 0 && defaultCertificate is null)
        {
            string variable = options.CertDirectory is null ? "TERMINATOR_STORE_DIR" : "TERMINATOR_CERT_DIR";
            await Console.Error.WriteLineAsync($"terminator: {variable}: no usable certificate in {CertificateSources.Describe(options)}").ConfigureAwait(false);
            return 2;
        }

        await using var server = new TerminatorServer(options, certificates, defaultCertificate, log);
        try
        {
            server.Start();
        }
        catch (SocketException ex)
        {
            await Console.Error.WriteLineAsync($"terminator: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        watcher?.StartWatching();
        log.Info($"ready: {certificates.Count} names from {loaded} certificates; https {string.Join(',', server.HttpsEndPoints)}; http {string.Join(',', server.HttpEndPoints)}; upstream http://{options.UpstreamHost}:{options.UpstreamPort}");

        using var signal = new ShutdownSignal(reload: async () =>
        {
            (int count, string? problem) = await CertificateSources.LoadAsync(options, certificates, watcher, log).ConfigureAwait(false);
            if (problem is not null)
            {
                log.Error($"reload failed, keeping the loaded certificates: {problem}");
                return;
            }

            log.Info($"reload: {count} certificates, {certificates.Count} names");
        });
        string name = await signal.Stopped.ConfigureAwait(false);
        log.Info($"{name}: draining {server.ActiveConnections} connections (up to {options.DrainTimeout.TotalSeconds:0.#} s)");
        bool clean = await server.StopAsync(options.DrainTimeout).ConfigureAwait(false);
        log.Info(clean ? "stopped" : "stopped; connections still open at the drain timeout were closed");
        return 0;
    }
}
