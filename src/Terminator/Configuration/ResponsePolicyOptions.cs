namespace Terminator.Configuration;

/// <summary>What Terminator adds to and removes from the responses it sends (<c>TERMINATOR_HSTS</c>,
/// <c>TERMINATOR_HTTP_REDIRECT</c>, <c>TERMINATOR_SERVER_HEADER</c>).</summary>
internal sealed record ResponsePolicyOptions
{
    /// <summary>The Strict-Transport-Security value added to HTTPS responses, normalised
    /// (<see cref="StrictTransportSecurityValue"/>); null sends none.</summary>
    public string? StrictTransportSecurity { get; init; }

    /// <summary>Plain HTTP answers 301 to https:// for hosts a served certificate covers (<c>TERMINATOR_HTTP_REDIRECT=on</c>).</summary>
    public bool RedirectHttpToHttps { get; init; }

    /// <summary>Remove the upstream's Server and X-Powered-By response fields (<c>TERMINATOR_SERVER_HEADER=strip</c>).</summary>
    public bool StripServerHeaders { get; init; } = true;
}
