using System.Globalization;
using System.Text.Json;
using Terminator.Diagnostics;
using Terminator.Domains;

namespace Terminator.Admin;

/// <summary>
/// <c>/v1/domains</c> and <c>/v1/domains/{name}</c> over the <see cref="ManagedDomainRegistry"/>. Names in the path are
/// percent-decoded and normalised (<see cref="DomainName"/>); a name that cannot be managed is a 400 whose
/// <c>error</c> says why. HEAD is answered as GET without the body (RFC 9110 §9.3.2).
/// </summary>
internal sealed class DomainsEndpoint(ManagedDomainRegistry registry, AdminCallbacks callbacks, TerminatorLog log)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    private const string CollectionMethods = "GET, HEAD";
    private const string ItemMethods = "GET, HEAD, PUT, DELETE";

    private static readonly string[] s_listParameters = ["state", "cursor", "limit"];
    private static readonly string[] s_deleteParameters = ["purge"];
    private static readonly string[] s_putParameters = ["renew"];

    /// <summary><c>GET /v1/domains?state=failed&amp;cursor=...&amp;limit=100</c>: one page in name order.</summary>
    public AdminResponse List(AdminRequest request)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return MethodNotAllowed(CollectionMethods);
        }

        if (!AdminQuery.TryParse(request.Query, s_listParameters, out Dictionary<string, string>? query, out string? reason))
        {
            return AdminResponse.Error(400, reason);
        }

        ManagedDomainState? state = null;
        if (query.TryGetValue("state", out string? stateText) && !ManagedDomainNames.TryParseState(stateText, out state))
        {
            return AdminResponse.Error(400, $"state must be {ManagedDomainNames.StateChoices}");
        }

        ManagedDomainCursor? cursor = null;
        if (query.TryGetValue("cursor", out string? cursorText) && !ManagedDomainCursor.TryParse(cursorText, out cursor))
        {
            return AdminResponse.Error(400, "cursor is not one this API issued (pass back a nextCursor as it was received)");
        }

        int limit = DefaultPageSize;
        if (query.TryGetValue("limit", out string? limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            return AdminResponse.Error(400, $"limit must be a whole number from 1 to {MaxPageSize}");
        }

        ManagedDomainPage page = registry.List(state, cursor, limit);
        var items = new DomainResource[page.Items.Count];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = DomainResource.From(page.Items[i]);
        }

        return AdminResponse.Of(200, new DomainListResource(items, page.Next?.ToString()), AdminJsonContext.Default.DomainListResource);
    }

    /// <summary>GET, PUT or DELETE of one domain; <paramref name="encodedName"/> is the path segment as received.</summary>
    public ValueTask<AdminResponse> HandleItemAsync(AdminRequest request, string encodedName, CancellationToken cancellationToken)
    {
        if (request.Method is not ("GET" or "HEAD" or "PUT" or "DELETE"))
        {
            return ValueTask.FromResult(MethodNotAllowed(ItemMethods));
        }

        if (!DomainName.TryNormalize(Uri.UnescapeDataString(encodedName), out string? name, out string? reason))
        {
            return ValueTask.FromResult(AdminResponse.Error(400, reason));
        }

        return request.Method switch
        {
            "PUT" => PutAsync(request, name, cancellationToken),
            "DELETE" => DeleteAsync(request, name, cancellationToken),
            _ => ValueTask.FromResult(Get(request, name)),
        };
    }

    private AdminResponse Get(AdminRequest request, string name)
    {
        if (!AdminQuery.TryParse(request.Query, [], out _, out string? reason))
        {
            return AdminResponse.Error(400, reason);
        }

        return registry.TryGet(name, out ManagedDomain? domain) ? Ok(200, domain) : NotManaged(name);
    }

    /// <summary>Manage the domain (idempotent): 201 when it was not managed, 200 when it was.</summary>
    private async ValueTask<AdminResponse> PutAsync(AdminRequest request, string name, CancellationToken cancellationToken)
    {
        if (!AdminQuery.TryParse(request.Query, s_putParameters, out Dictionary<string, string>? query, out string? reason))
        {
            return AdminResponse.Error(400, reason);
        }

        bool renew = false;
        if (query.TryGetValue("renew", out string? renewText) && !bool.TryParse(renewText, out renew))
        {
            return AdminResponse.Error(400, "renew must be true or false");
        }

        if (renew && callbacks.RenewRequested is null)
        {
            return AdminResponse.Error(501, "renewing on request is not available (ACME is off)");
        }

        AdminResponse? bodyProblem = TryReadKeyTypes(request, out ManagedKeyTypes? keyTypes);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        ManagedDomainAddResult result = await registry.AddOrGetAsync(name, keyTypes, cancellationToken).ConfigureAwait(false);
        ManagedDomain domain = result.Domain;
        string keyType = ManagedDomainNames.Format(domain.KeyTypes);
        switch (result.Status)
        {
            case ManagedDomainAddStatus.Added:
                AdminLog.DomainAdded(log.Admin, name, keyType, request.Peer);
                break;
            case ManagedDomainAddStatus.KeyTypesChanged:
                AdminLog.DomainKeyTypesChanged(log.Admin, name, keyType, request.Peer);
                break;
            default:
                if (renew)
                {
                    // An operator's "renew now" (a key compromise, a certificate to replace before its time).
                    AdminLog.RenewalRequested(log.Admin, name, request.Peer);
                    await callbacks.RenewRequested!(name, cancellationToken).ConfigureAwait(false);
                }

                return Ok(200, domain);
        }

        if (callbacks.DomainRequested is { } requested)
        {
            try
            {
                await requested(name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                AdminLog.SchedulerWakeFailed(log.Admin, name, ex.Message);
            }
        }

        return result.Status == ManagedDomainAddStatus.Added
            ? Ok(201, domain) with { Location = $"/v1/domains/{name}" }
            : Ok(200, domain);
    }

    /// <summary>Stop managing the domain; with <c>?purge=true</c> also remove its certificates.</summary>
    private async ValueTask<AdminResponse> DeleteAsync(AdminRequest request, string name, CancellationToken cancellationToken)
    {
        if (!AdminQuery.TryParse(request.Query, s_deleteParameters, out Dictionary<string, string>? query, out string? reason))
        {
            return AdminResponse.Error(400, reason);
        }

        bool purge = false;
        if (query.TryGetValue("purge", out string? purgeText) && !bool.TryParse(purgeText, out purge))
        {
            return AdminResponse.Error(400, "purge must be true or false");
        }

        if (purge && callbacks.PurgeCertificates is null)
        {
            return AdminResponse.Error(501, "purging certificates is not available in this server; the domain was not removed");
        }

        // Unmanaged first, purged second: once removed, no issuance for the domain can store a certificate after the purge.
        if (await registry.RemoveAsync(name, cancellationToken).ConfigureAwait(false) is null)
        {
            return NotManaged(name);
        }

        if (purge)
        {
            try
            {
                await callbacks.PurgeCertificates!(name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                AdminLog.PurgeFailed(log.Admin, name, ex.Message);
                return AdminResponse.Error(500,
                    $"{name} is no longer managed, but purging its certificates failed ({ex.Message}); they are still stored: remove them with 'terminator certs remove {name}'");
            }
        }

        if (purge)
        {
            AdminLog.DomainRemovedAndPurged(log.Admin, name, request.Peer);
        }
        else
        {
            AdminLog.DomainRemoved(log.Admin, name, request.Peer);
        }

        return AdminResponse.Of(200, new DomainRemovedResource(name, Removed: true, Purged: purge), AdminJsonContext.Default.DomainRemovedResource);
    }

    /// <summary>Reads the optional body's key type; a response when the body is not acceptable.</summary>
    private static AdminResponse? TryReadKeyTypes(AdminRequest request, out ManagedKeyTypes? keyTypes)
    {
        keyTypes = null;
        if (request.Body.IsEmpty)
        {
            return null;
        }

        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            return AdminResponse.Error(415, "the body must be application/json");
        }

        PutDomainBody? body;
        try
        {
            body = JsonSerializer.Deserialize(request.Body.Span, AdminJsonContext.Default.PutDomainBody);
        }
        catch (JsonException ex)
        {
            return AdminResponse.Error(400, $"the body must be JSON of the form {{\"keyType\": \"ecdsa|rsa|both\"}} (problem at {ex.Path ?? "$"})");
        }

        if (body?.KeyType is null)
        {
            return null;
        }

        if (!ManagedDomainNames.TryParseKeyTypes(body.KeyType, out ManagedKeyTypes parsed))
        {
            return AdminResponse.Error(400, $"keyType must be {ManagedDomainNames.KeyTypeChoices}");
        }

        keyTypes = parsed;
        return null;
    }

    /// <summary>application/json, parameters (charset) allowed; media types are case-insensitive (RFC 9110 §8.3.1).</summary>
    private static bool IsJson(string contentType)
    {
        int semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        ReadOnlySpan<char> mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).AsSpan().Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static AdminResponse Ok(int status, ManagedDomain domain) =>
        AdminResponse.Of(status, DomainResource.From(domain), AdminJsonContext.Default.DomainResource);

    private static AdminResponse NotManaged(string name) => AdminResponse.Error(404, $"{name} is not managed");

    private static AdminResponse MethodNotAllowed(string allow) =>
        AdminResponse.Error(405, $"method not allowed here (allowed: {allow})") with { Allow = allow };
}
