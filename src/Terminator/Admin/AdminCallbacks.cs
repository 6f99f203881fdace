namespace Terminator.Admin;

/// <summary>
/// What the host plugs into the admin API. Each callback gets the normalised domain name and a token that fires when the
/// request's handling time (<see cref="AdminServerOptions.HandlerTimeout"/>) is up or the server is aborted.
/// </summary>
internal sealed record AdminCallbacks
{
    /// <summary>
    /// A PUT made a domain managed, or changed the key types of a managed one: wake the issuance scheduler. Called after
    /// the change is durable and before the response is sent; a failure is logged and does not fail the request (the
    /// domain is managed either way, and the registry's <c>Changed</c> event reports it too).
    /// </summary>
    public Func<string, CancellationToken, ValueTask>? DomainRequested { get; init; }

    /// <summary>
    /// <c>DELETE ...?purge=true</c>: remove the domain's certificates (store entries). Called after the domain stopped
    /// being managed, so no issuance for it can store a new certificate afterwards. Null: purging is not available (501).
    /// A failure becomes a 500 whose reason says the domain is unmanaged but its certificates are still stored.
    /// </summary>
    public Func<string, CancellationToken, ValueTask>? PurgeCertificates { get; init; }

    /// <summary><c>PUT /v1/domains/{name}?renew=true</c> for a managed domain: renew its certificate now, whatever its
    /// schedule. Null: not available (501).</summary>
    public Func<string, CancellationToken, ValueTask>? RenewRequested { get; init; }

    /// <summary>No callbacks.</summary>
    public static AdminCallbacks None { get; } = new();
}
