using System.Diagnostics;

namespace Terminator.MacroBench;

/// <summary>
/// nginx with one worker and one server block per certificate (the usual way to serve many names), TLS 1.2+/ECDHE-AEAD,
/// upstream keep-alive, X-Forwarded-For/Proto, and ssl_reject_handshake for unknown names (the same policy as ours).
/// </summary>
internal sealed class NginxContender : Contender
{
    public const string Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

    public override string Name => "nginx";

    public static string ServerBlock(BenchLayout layout, string name) => $$"""
        server {
            listen 127.0.0.1:__PORT__ ssl;
            server_name {{name}};
            ssl_certificate {{layout.FlatDirectory}}/{{name}}.crt;
            ssl_certificate_key {{layout.FlatDirectory}}/{{name}}.key;
            location / { proxy_pass http://tracking; }
        }

        """;

    public override Process Start(BenchLayout layout, int port, int upstreamPort)
    {
        string servers = Path.Combine(layout.Root, "nginx-servers-" + port);
        Directory.CreateDirectory(servers);
        // One file holding every block parses faster than 10,000 includes; the port is substituted here.
        using (var all = new StreamWriter(Path.Combine(servers, "all.conf")))
        {
            foreach (string file in Directory.EnumerateFiles(layout.NginxServersDirectory, "*.conf"))
            {
                all.Write(File.ReadAllText(file).Replace("__PORT__", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }
        }

        string config = Path.Combine(layout.Root, "nginx-terminator.conf");
        File.WriteAllText(config, $$"""
            worker_processes 1;
            worker_rlimit_nofile 20000;
            daemon off;
            pid {{layout.Root}}/nginx-terminator.pid;
            error_log {{layout.Root}}/nginx-terminator-error.log warn;
            events { worker_connections 16384; }
            http {
                access_log off;
                server_names_hash_max_size 65536;
                server_names_hash_bucket_size 128;
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_ciphers {{Ciphers}};
                ssl_prefer_server_ciphers on;
                ssl_session_cache shared:SSL:50m;
                ssl_session_tickets on;
                keepalive_requests 1000000;
                upstream tracking { server 127.0.0.1:{{upstreamPort}}; keepalive 128; }
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto https;
                server { listen 127.0.0.1:{{port}} ssl default_server; ssl_reject_handshake on; }
                include {{servers}}/all.conf;
            }
            """);
        return Launch(layout, "nginx", "nginx", ["-c", config, "-e", Path.Combine(layout.Root, "nginx-terminator-error.log")]);
    }

    public override void Reload(Process process) => Signal(process, 1); // SIGHUP: re-read config, new workers
}
