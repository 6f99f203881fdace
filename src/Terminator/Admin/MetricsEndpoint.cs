using Terminator.Diagnostics;

namespace Terminator.Admin;

/// <summary>
/// <c>GET /metrics</c>: the server's <see cref="TerminatorMetrics"/> in the Prometheus text format (0.0.4). No token:
/// scrapers and the listener's loopback default are the audience, and the exposition holds counts and timings only — no
/// domain names, addresses or secrets. Collected per request (about a hundred series; the certificate summary, a walk of
/// the map, is reused for a second or longer on large maps).
/// </summary>
internal sealed class MetricsEndpoint(TerminatorMetrics metrics)
{
    public AdminResponse Get(AdminRequest request)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return AdminRequestHandler.MethodNotAllowed("GET, HEAD");
        }

        byte[] text = PrometheusTextFormat.Write(metrics.Collect());
        return new AdminResponse(200, text) { ContentType = PrometheusTextFormat.ContentType };
    }
}
