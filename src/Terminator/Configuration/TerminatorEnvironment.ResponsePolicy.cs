namespace Terminator.Configuration;

/// <summary>The response policy variables: HSTS, the port-80 redirect, the Server header.</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] ResponsePolicySpecs =>
    [
        new(new("TERMINATOR_HSTS", "", "Strict-Transport-Security added to every HTTPS response that carries none (Terminator's own included), never on plain HTTP: max-age=<seconds> required, includeSubDomains and preload optional (e.g. max-age=31536000; includeSubDomains). Unset or 'off': none."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { Responses = o.Responses with { StrictTransportSecurity = null } };
                    return null;
                }

                string? e = StrictTransportSecurityValue.TryParse(v, out string normalized);
                u = e is null ? o with { Responses = o.Responses with { StrictTransportSecurity = normalized } } : o;
                return e;
            }),
        new(new("TERMINATOR_HTTP_REDIRECT", "off", "Plain HTTP: 'on' answers 301 to https://{host}{target} when a served, currently valid certificate covers the Host (ACME challenges, requests with a body and other hosts are still proxied); 'off' proxies everything, so old http:// links keep working."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { Responses = o.Responses with { RedirectHttpToHttps = on.Value } };
                return null;
            }),
        new(new("TERMINATOR_SERVER_HEADER", "strip", "The upstream's Server and X-Powered-By response headers: 'strip' removes them, 'pass' relays them. Terminator's own responses never carry a Server header."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("strip", StringComparison.OrdinalIgnoreCase)) { u = o with { Responses = o.Responses with { StripServerHeaders = true } }; return null; }
                if (v.Equals("pass", StringComparison.OrdinalIgnoreCase)) { u = o with { Responses = o.Responses with { StripServerHeaders = false } }; return null; }
                return $"'{v}' is not a setting (expected strip or pass)";
            }),
    ];
}
