using System.Text;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;

namespace Terminator.Admin;

/// <summary>
/// Authenticates and routes admin requests. Every path under <c>/v1</c> needs <c>Authorization: Bearer &lt;token&gt;</c>
/// (RFC 6750 §2.1); without a configured token the whole /v1 API answers 403 with the reason. Routes:
/// <code>
///   GET  /v1/domains?state=&amp;cursor=&amp;limit=    list (paged)
///   GET | PUT | DELETE /v1/domains/{name}       state, manage, stop managing (?purge=true)
/// </code>
/// The token is never logged: only the peer's address and what was refused.
/// </summary>
internal sealed class AdminRequestHandler(ManagedDomainRegistry registry, AdminToken? token, AdminCallbacks callbacks, TerminatorLog log)
{
    private const string ApiRoot = "/v1";
    private const string DomainsPath = "/v1/domains";

    /// <summary>RFC 6750 §3: the challenge names the scheme; "realm" lets a client tell this API's token from others.</summary>
    private const string Challenge = "Bearer realm=\"terminator\"";

    private static readonly AdminResponse s_notFound = AdminResponse.Error(404, "no such endpoint (the API is GET|PUT|DELETE /v1/domains/{name} and GET /v1/domains)");

    private readonly DomainsEndpoint _domains = new(registry, callbacks, log);

    public ValueTask<AdminResponse> HandleAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        string path = request.Path;
        if (!path.Equals(ApiRoot, StringComparison.Ordinal) && !path.StartsWith(ApiRoot + "/", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(s_notFound);
        }

        if (token is null)
        {
            return ValueTask.FromResult(AdminResponse.Error(403,
                "the admin API is off: no token is configured (set TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE)"));
        }

        if (Authenticate(request, token) is { } refused)
        {
            return ValueTask.FromResult(refused);
        }

        if (path.Equals(DomainsPath, StringComparison.Ordinal))
        {
            return ValueTask.FromResult(_domains.List(request));
        }

        if (path.StartsWith(DomainsPath + "/", StringComparison.Ordinal))
        {
            string segment = path[(DomainsPath.Length + 1)..];
            if (segment.Length > 0 && !segment.Contains('/', StringComparison.Ordinal))
            {
                return _domains.HandleItemAsync(request, segment, cancellationToken);
            }
        }

        return ValueTask.FromResult(s_notFound);
    }

    /// <summary>Null when the request carries the token; otherwise the 401 (or 400) to send.</summary>
    private AdminResponse? Authenticate(AdminRequest request, AdminToken expected)
    {
        if (request.AuthorizationFieldCount == 0)
        {
            // RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
            return Unauthorized("this call needs 'Authorization: Bearer <token>'", errorCode: null);
        }

        if (request.AuthorizationFieldCount > 1)
        {
            return AdminResponse.Error(400, "more than one Authorization field") with { Close = true };
        }

        ReadOnlySpan<byte> field = request.Authorization.Span;
        // credentials = auth-scheme 1*SP token68; the scheme is case-insensitive (RFC 9110 §11.1, §11.4).
        int space = field.IndexOf((byte)' ');
        if (space < 0 || !Ascii.EqualsIgnoreCase(field[..space], "Bearer"u8))
        {
            return Unauthorized("this call needs a Bearer token ('Authorization: Bearer <token>')", errorCode: null);
        }

        ReadOnlySpan<byte> presented = field[(space + 1)..].TrimStart((byte)' ');
        if (expected.Matches(presented))
        {
            return null;
        }

        AdminLog.TokenRefused(log, request);
        return Unauthorized("the token is not valid", errorCode: "invalid_token");
    }

    private static AdminResponse Unauthorized(string reason, string? errorCode) =>
        AdminResponse.Error(401, reason) with
        {
            WwwAuthenticate = errorCode is null ? Challenge : $"{Challenge}, error=\"{errorCode}\"",
        };
}
