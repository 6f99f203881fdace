using System.Net;

namespace Terminator.Configuration;

/// <summary>The <c>TERMINATOR_PROXY_*</c> variables (PROXY protocol behind an L4 balancer).</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] ProxyProtocolSpecs =>
    [
        new(new("TERMINATOR_PROXY_PROTOCOL", "off", "PROXY protocol (HAProxy's v1 text or v2 binary header) on the HTTPS and HTTP listeners, for running behind an L4 balancer: 'v1', 'v2' or 'any' requires that header from every connection out of TERMINATOR_PROXY_TRUSTED and takes the client address from it; 'off' reads none."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                ProxyProtocolMode? mode = v.ToLowerInvariant() switch
                {
                    "off" => ProxyProtocolMode.Off,
                    "v1" => ProxyProtocolMode.V1,
                    "v2" => ProxyProtocolMode.V2,
                    "any" => ProxyProtocolMode.Any,
                    _ => null,
                };
                if (mode is null)
                {
                    return $"'{v}' is not a mode (expected off, v1, v2 or any)";
                }

                u = o with { ProxyProtocol = o.ProxyProtocol with { Mode = mode.Value } };
                return null;
            }),
        new(new("TERMINATOR_PROXY_TRUSTED", "", "The balancers allowed to send a PROXY protocol header: comma-separated CIDRs, IPv4 and IPv6 (10.0.0.0/8, 2001:db8::/32; a bare address is one host). Required when TERMINATOR_PROXY_PROTOCOL is not off. Their connections without a header are refused; a header from any other address is refused as forged."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = NetworkListParser.TryParse(v, out IReadOnlyList<IPNetwork> networks);
                u = e is null ? o with { ProxyProtocol = o.ProxyProtocol with { TrustedNetworks = networks } } : o;
                return e;
            }),
    ];

    /// <summary>The cross-variable rule: a mode needs someone to trust.</summary>
    private static string? ValidateProxyProtocol(TerminatorOptions options) =>
        options.ProxyProtocol.Enabled && options.ProxyProtocol.TrustedNetworks.Count == 0
            ? $"TERMINATOR_PROXY_TRUSTED: required when TERMINATOR_PROXY_PROTOCOL={options.ProxyProtocol.Mode.ToString().ToLowerInvariant()} (the balancers' networks, e.g. 10.0.0.0/8)"
            : null;
}
