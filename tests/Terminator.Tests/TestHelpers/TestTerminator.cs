using System.Net;
using Terminator.AccessLog;
using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Hosting;

namespace Terminator.Tests.TestHelpers;

/// <summary>An in-process terminator on ephemeral loopback ports, for end-to-end tests over real sockets.</summary>
public sealed class TestTerminator : IAsyncDisposable
{
    private TestTerminator(TerminatorServer server) => Server = server;

    internal TerminatorServer Server { get; }
    public IPEndPoint Https => Server.HttpsEndPoints[0];
    public IPEndPoint Http => Server.HttpEndPoints[0];

    internal static TestTerminator Start(IPEndPoint upstream, CertificateMap certificates, Func<TerminatorOptions, TerminatorOptions>? configure = null, CertificateEntry? defaultCertificate = null, TerminatorLog? log = null, AcmeChallengeTable? challenges = null, AccessLogWriter? accessLog = null)
    {
        TerminatorOptions options = TerminatorOptions.Default with
        {
            HttpsListen = [new IPEndPoint(IPAddress.Loopback, 0)],
            HttpListen = [new IPEndPoint(IPAddress.Loopback, 0)],
            UpstreamHost = upstream.Address.ToString(),
            UpstreamPort = upstream.Port,
            UpstreamTimeout = TimeSpan.FromSeconds(5),
            HeaderTimeout = TimeSpan.FromSeconds(5),
            // The tests share one process: a trim's full collection after a test's load would pause all the others.
            MemoryTrim = false,
        };
        options = configure?.Invoke(options) ?? options;
        var server = new TerminatorServer(options, certificates, defaultCertificate, log ?? TerminatorLog.Silent, challenges, accessLog: accessLog);
        server.Start();
        return new TestTerminator(server);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
