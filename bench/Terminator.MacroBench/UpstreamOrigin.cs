using System.Diagnostics;

namespace Terminator.MacroBench;

/// <summary>
/// The tracking server every terminator forwards to: nginx pinned to CPU 1 answering /f/ with a 302 and /q/ with the
/// 43-byte empty GIF, keep-alive without limits. Faster than the .NET sample origin, so it disturbs the load core less.
/// </summary>
internal static class UpstreamOrigin
{
    public static Process Start(BenchLayout layout, int port)
    {
        string config = Path.Combine(layout.Root, "nginx-upstream.conf");
        File.WriteAllText(config, $$"""
            worker_processes 1;
            daemon off;
            pid {{layout.Root}}/nginx-upstream.pid;
            error_log {{layout.Root}}/nginx-upstream-error.log warn;
            events { worker_connections 16384; }
            http {
                access_log off;
                keepalive_requests 10000000;
                keepalive_timeout 300s;
                server {
                    listen 127.0.0.1:{{port}};
                    location /f/ { return 302 https://example.org/welcome; }
                    location /q/ { empty_gif; }
                }
            }
            """);
        var info = new ProcessStartInfo("taskset") { UseShellExecute = false };
        foreach (string a in new[] { "-c", "1", "nginx", "-c", config, "-e", Path.Combine(layout.Root, "nginx-upstream-error.log") }) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }
}
