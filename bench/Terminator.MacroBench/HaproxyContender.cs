using System.Diagnostics;

namespace Terminator.MacroBench;

/// <summary>
/// HAProxy with one thread, a directory of combined PEMs (`crt <dir>`), strict-sni (unknown names refused, as ours),
/// TLS 1.2+/ECDHE-AEAD, upstream connection reuse and forwardfor; master-worker mode so SIGUSR2 reloads.
/// </summary>
internal sealed class HaproxyContender : Contender
{
    public override string Name => "HAProxy";

    public override Process Start(BenchLayout layout, int port, int upstreamPort)
    {
        string config = Path.Combine(layout.Root, "haproxy.cfg");
        File.WriteAllText(config, $"""
            global
                nbthread 1
                maxconn 12000
                # 12,000 connections want ~24,000 descriptors; where the hard limit is lower (20,000 on the benchmark
                # host) run with what there is instead of refusing to start: the idle step needs 10,000 plus a few.
                no strict-limits
                tune.ssl.cachesize 100000
                ssl-default-bind-options ssl-min-ver TLSv1.2
                ssl-default-bind-ciphers {NginxContender.Ciphers}
                ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
            defaults
                mode http
                timeout connect 5s
                timeout client 60s
                timeout server 30s
                timeout http-keep-alive 60s
                option http-keep-alive
                option forwardfor
                http-reuse always
            frontend tls
                bind 127.0.0.1:{port} ssl crt {layout.CombinedDirectory}/ alpn http/1.1 strict-sni
                http-request set-header X-Forwarded-Proto https
                default_backend tracking
            backend tracking
                server origin 127.0.0.1:{upstreamPort}

            """);
        return Launch(layout, "haproxy", "haproxy", ["-W", "-f", config]);
    }

    public override void Reload(Process process) => Signal(process, 12); // SIGUSR2 to the master
}
