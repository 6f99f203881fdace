using System.Net;
using System.Net.Sockets;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Hosting;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;

namespace Terminator.Daemon;

/// <summary>
/// The embedded default: a throwaway CA and certificates for a few example tracking domains (keys only in memory;
/// just the CA certificate is written, for curl), the sample tracking origin in-process on loopback, and the
/// terminator on 127.0.0.1:8443 / :8080 (ephemeral ports when those are taken). Needs nothing installed.
/// </summary>
internal static class DemoCommand
{
    internal static readonly string[][] DemoCertificates =
    [
        ["click.example.com"],
        ["email.shop.example"],
        ["*.track.example.net", "track.example.net"],
    ];

    /// <param name="upstream">Proxy to this endpoint instead of the embedded sample origin (which is then not started):
    /// how loadtest/ runs the demo in front of a dead or restarting upstream.</param>
    public static async Task<int> RunAsync(IPEndPoint? upstream = null)
    {
        // The feature variables apply (TERMINATOR_CACHE_TTL, _JA4_HEADER, _ACCESS_LOG, ...), validated as the daemon
        // validates them, so what an operator tries on the demo behaves as it will in production.
        if (!TerminatorEnvironment.TryLoadDemo(TerminatorEnvironment.ReadProcessEnvironment(), out TerminatorOptions? configured, out string? error, out IReadOnlyList<string> ignored))
        {
            await Console.Error.WriteLineAsync($"terminator: {error}").ConfigureAwait(false);
            return 2;
        }

        if (ignored.Count > 0)
        {
            await Console.Error.WriteLineAsync($"terminator demo: ignoring {string.Join(", ", ignored)} (the demo has its own listeners, certificates and upstream, and runs no store, ACME, admin listener or PROXY protocol)").ConfigureAwait(false);
        }

        string state = Path.Combine(Environment.CurrentDirectory, ".terminator-demo");
        Directory.CreateDirectory(state);
        string caPath = Path.Combine(state, "ca.pem");

        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Terminator Demo CA");
        await File.WriteAllTextAsync(caPath, authority.CertificatePem).ConfigureAwait(false);
        var certificates = new CertificateMap();
        foreach (string[] names in DemoCertificates)
        {
            IssuedCertificate issued = authority.Issue(names);
            certificates.Set(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, $"demo:{names[0]}"));
        }

        await using SampleTrackingOrigin? origin = upstream is null
            ? await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0)).ConfigureAwait(false)
            : null;
        IPEndPoint upstreamEndPoint = upstream ?? origin!.EndPoint;
        using var log = new TerminatorLog(TerminatorLog.ParseLevel(configured.LogLevel), Console.Error, TerminatorLog.ParseFormat(configured.LogFormat));
        TerminatorServer server = StartServer(configured, 8443, 8080, upstreamEndPoint, certificates, log)
            ?? StartServer(configured, 0, 0, upstreamEndPoint, certificates, log)
            ?? throw new InvalidOperationException("cannot bind loopback ports");
        await using (server.ConfigureAwait(false))
        {
            int https = server.HttpsEndPoints[0].Port;
            int http = server.HttpEndPoints[0].Port;
            Console.WriteLine($"""
                Terminator demo is running (Ctrl+C stops it).
                  https     127.0.0.1:{https}  click.example.com, email.shop.example, *.track.example.net
                  http      127.0.0.1:{http}
                  upstream  {(origin is null ? "given" : "sample tracking origin")} on {upstreamEndPoint}
                  CA        {caPath} (throwaway; private keys stay in memory)
                Try a click (302 to the target) and an open (43-byte GIF):
                  curl -si --cacert {caPath} --resolve click.example.com:{https}:127.0.0.1 'https://click.example.com:{https}/f/abc123?target=https%3A%2F%2Fexample.org%2Fwelcome'
                  curl -s --cacert {caPath} --resolve email.shop.example:{https}:127.0.0.1 'https://email.shop.example:{https}/q/abc123' | wc -c
                """);

            using var signal = new ShutdownSignal();
            await signal.Stopped.ConfigureAwait(false);
            await server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        return 0;
    }

    private static TerminatorServer? StartServer(TerminatorOptions configured, int httpsPort, int httpPort, IPEndPoint upstream, CertificateMap certificates, TerminatorLog log)
    {
        TerminatorOptions options = configured with
        {
            HttpsListen = [new IPEndPoint(IPAddress.Loopback, httpsPort)],
            HttpListen = [new IPEndPoint(IPAddress.Loopback, httpPort)],
            UpstreamHost = upstream.Address.ToString(),
            UpstreamPort = upstream.Port,
        };
        var server = new TerminatorServer(options, certificates, defaultCertificate: null, log);
        try
        {
            server.Start();
            return server;
        }
        catch (SocketException)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
    }
}
