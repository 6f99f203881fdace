using Terminator.Diagnostics;

namespace Terminator.Admin;

/// <summary>
/// The probes, no token needed: <c>GET /healthz</c> is 200 <c>ok</c> whenever the process answers (liveness: restart it
/// when this fails); <c>GET /readyz</c> is 200 <c>ready</c> once certificates are loaded and the listeners bound, and 503
/// (<c>starting</c> or <c>draining</c>) before that and from the moment a stop begins (readiness: send traffic or not).
/// </summary>
internal sealed class HealthEndpoint(Readiness readiness)
{
    public static AdminResponse Live(AdminRequest request) =>
        request.Method is "GET" or "HEAD" ? AdminResponse.Text(200, "ok\n") : AdminRequestHandler.MethodNotAllowed("GET, HEAD");

    public AdminResponse Ready(AdminRequest request)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return AdminRequestHandler.MethodNotAllowed("GET, HEAD");
        }

        return readiness.Status switch
        {
            ReadinessStatus.Ready => AdminResponse.Text(200, "ready\n"),
            ReadinessStatus.Starting => AdminResponse.Text(503, "starting\n"),
            _ => AdminResponse.Text(503, "draining\n"),
        };
    }
}
