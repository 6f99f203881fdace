namespace Terminator.Configuration;

/// <summary>The <c>TERMINATOR_ACME_*</c> variables.</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it, and static field initializers of
    // partial parts run in an unspecified order.
    private static Spec[] AcmeSpecs =>
    [
        new(new("TERMINATOR_ACME", "off", "Automatic certificates for managed domains (ACME, RFC 8555): 'on' issues and renews the domains added through the admin API into the encrypted store (needs a store key), 'off' serves only certificates put there by other means."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { Acme = o.Acme with { Enabled = on.Value } };
                return null;
            }),
        new(new("TERMINATOR_ACME_DIRECTORY", AcmeOptions.LetsEncryptDirectory, "The CA's ACME directory URL (https). Let's Encrypt staging: https://acme-staging-v02.api.letsencrypt.org/directory."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (!Uri.TryCreate(v, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
                {
                    return $"'{v}' is not an https:// URL";
                }

                u = o with { Acme = o.Acme with { Directory = uri } };
                return null;
            }),
        new(new("TERMINATOR_ACME_CA_ROOT", "", "A PEM file of CA certificates trusted, in addition to the system store, for the ACME directory's own HTTPS (a private CA or Pebble)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (!File.Exists(v))
                {
                    return Directory.Exists(v) ? $"'{v}' is a directory, expected a PEM file" : $"file '{v}' does not exist";
                }

                u = o with { Acme = o.Acme with { CaRootFile = v } };
                return null;
            }),
        new(new("TERMINATOR_ACME_EMAIL", "", "Contact address for the ACME account (expiry notices from the CA); optional."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                int at = v.IndexOf('@', StringComparison.Ordinal);
                if (at <= 0 || at == v.Length - 1 || v.AsSpan().IndexOfAny(s_notInAddress) >= 0)
                {
                    return $"'{v}' is not an email address";
                }

                u = o with { Acme = o.Acme with { Email = v } };
                return null;
            }),
        new(new("TERMINATOR_ACME_EAB_KID", "", "External Account Binding key id, for CAs that require one (with TERMINATOR_ACME_EAB_HMAC)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o with { Acme = o.Acme with { EabKeyId = v } };
                return null;
            }),
        new(new("TERMINATOR_ACME_EAB_HMAC", "", "External Account Binding MAC key as the CA gives it (base64url); never logged."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (!IsBase64Url(v))
                {
                    return "not base64url (the MAC key exactly as the CA shows it)";
                }

                u = o with { Acme = o.Acme with { EabHmacKey = v } };
                return null;
            }),
        new(new("TERMINATOR_ACME_KEY_TYPE", "ecdsa", "Certificates issued per managed domain: 'ecdsa' (P-256), 'rsa' (2048) or 'both' (each client gets the one it can verify)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                AcmeKeyTypes? types = v.ToLowerInvariant() switch
                {
                    "ecdsa" => AcmeKeyTypes.Ecdsa,
                    "rsa" => AcmeKeyTypes.Rsa,
                    "both" => AcmeKeyTypes.Both,
                    _ => null,
                };
                if (types is null) { return $"'{v}' is not a key type (expected ecdsa, rsa or both)"; }
                u = o with { Acme = o.Acme with { KeyTypes = types.Value } };
                return null;
            }),
        new(new("TERMINATOR_ACME_CHALLENGES", "http-01,tls-alpn-01", "Challenge types to use, in order of preference: http-01 (port 80) and/or tls-alpn-01 (the TLS port)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                var challenges = new List<string>();
                foreach (string part in v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    string type = part.ToLowerInvariant();
                    if (type is not ("http-01" or "tls-alpn-01"))
                    {
                        return $"'{part}' is not a supported challenge (expected http-01 and/or tls-alpn-01; dns-01 needs a DNS provider)";
                    }

                    if (!challenges.Contains(type))
                    {
                        challenges.Add(type);
                    }
                }

                if (challenges.Count == 0) { return "at least one challenge type is required"; }
                // Keep the default instance when nothing changes, so options compare equal to their defaults.
                u = challenges.SequenceEqual(o.Acme.Challenges) ? o : o with { Acme = o.Acme with { Challenges = challenges } };
                return null;
            }),
        new(new("TERMINATOR_ACME_PREFLIGHT", "on", "Before ordering, fetch a probe through the domain's public name and order only when it reaches this service (a customer who has not set the CNAME yet costs the CA nothing); 'off' where the node cannot reach itself through public DNS."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { Acme = o.Acme with { Preflight = on.Value } };
                return null;
            }),
        Integer("TERMINATOR_ACME_CONCURRENCY", "4", 1, 64, "ACME orders in progress at once.", (o, n) => o with { Acme = o.Acme with { Concurrency = n } }),
        Integer("TERMINATOR_ACME_ORDERS_PER_HOUR", "90", 1, 100_000, "New ACME orders started per hour at most, renewals included (Let's Encrypt allows 300 per account per 3 hours); the rest wait their turn.", (o, n) => o with { Acme = o.Acme with { OrdersPerHour = n } }),
    ];

    private static readonly System.Buffers.SearchValues<char> s_notInAddress = System.Buffers.SearchValues.Create(" \t,;<>\"");

    private static bool? OnOff(string value) =>
        value.Equals("on", StringComparison.OrdinalIgnoreCase) ? true
        : value.Equals("off", StringComparison.OrdinalIgnoreCase) ? false
        : null;

    private static bool IsBase64Url(string value)
    {
        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '='))
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
