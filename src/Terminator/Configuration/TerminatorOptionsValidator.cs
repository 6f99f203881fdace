using System.Net;

namespace Terminator.Configuration;

/// <summary>Validation that needs the file system or more than one variable (runs once at start-up).</summary>
internal static class TerminatorOptionsValidator
{
    /// <summary>Checks the fallback certificate file exists and has a key (inline or a sibling <c>.key</c>).</summary>
    public static string? ValidateDefaultCertificate(string path)
    {
        if (Directory.Exists(path))
        {
            return $"'{path}' is a directory, expected a PEM file";
        }

        if (!File.Exists(path))
        {
            return $"file '{path}' does not exist";
        }

        // The key may be inside the PEM or next to it; catching "no key at all" here beats a TLS failure at first connect.
        if (File.ReadAllText(path).Contains("PRIVATE KEY-----", StringComparison.Ordinal)
            || File.Exists(Path.ChangeExtension(path, ".key")) || File.Exists(path + ".key"))
        {
            return null;
        }

        return $"'{path}' contains no private key and has no sibling '{Path.ChangeExtension(path, ".key")}'";
    }

    /// <summary>Reads <c>TERMINATOR_STORE_KEY_FILE</c>; the error never repeats the file's contents.</summary>
    public static string? ReadStoreKeyFile(string path, out StoreKey? key)
    {
        key = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot read '{path}': {ex.Message}";
        }

        string? problem = StoreKey.TryParse(text, "TERMINATOR_STORE_KEY_FILE", out key);
        return problem is null ? null : $"'{path}' {problem}";
    }

    /// <summary>
    /// The certificate sources: <c>TERMINATOR_CERT_DIR</c> must exist, except that with a store key an unset variable
    /// whose default directory is missing just means "store only"; an explicit <c>TERMINATOR_STORE_DIR</c> needs a key.
    /// </summary>
    public static string? ValidateCertificateSources(ref TerminatorOptions options, bool certDirSet, bool storeDirSet)
    {
        if (options.CertDirectory is not null && !Directory.Exists(options.CertDirectory))
        {
            if (options.StoreKey is null || certDirSet)
            {
                // A path to a PEM file is a likely slip (the folder's certificate instead of the folder): say what it is.
                return File.Exists(options.CertDirectory)
                    ? $"TERMINATOR_CERT_DIR: '{options.CertDirectory}' is a file, expected a directory"
                    : $"TERMINATOR_CERT_DIR: directory '{options.CertDirectory}' does not exist";
            }

            options = options with { CertDirectory = null };
        }

        if (storeDirSet && options.StoreKey is null)
        {
            return "TERMINATOR_STORE_KEY: required when TERMINATOR_STORE_DIR is set (or set TERMINATOR_STORE_KEY_FILE)";
        }

        return null;
    }

    /// <summary>Rules that involve more than one variable; returns one <c>NAME: problem</c> line or null.</summary>
    /// <param name="options">Validated options; an unset request-target limit is clamped to the head limit.</param>
    /// <param name="requestTargetSet">Whether TERMINATOR_MAX_REQUEST_TARGET was given explicitly.</param>
    public static string? CrossValidate(ref TerminatorOptions options, bool requestTargetSet)
    {
        if (options.Acme.Enabled && options.StoreKey is null)
        {
            // Issued certificates and the ACME account key go into the encrypted store, nowhere else.
            return "TERMINATOR_ACME: 'on' needs the encrypted store (set TERMINATOR_STORE_KEY or TERMINATOR_STORE_KEY_FILE)";
        }

        if ((options.Acme.EabKeyId is null) != (options.Acme.EabHmacKey is null))
        {
            return options.Acme.EabKeyId is null
                ? "TERMINATOR_ACME_EAB_KID: required with TERMINATOR_ACME_EAB_HMAC"
                : "TERMINATOR_ACME_EAB_HMAC: required with TERMINATOR_ACME_EAB_KID";
        }

        if (options.UnknownSni == UnknownSniPolicy.Default && options.DefaultCertificatePath is null)
        {
            return "TERMINATOR_DEFAULT_CERT: required when TERMINATOR_UNKNOWN_SNI=default";
        }

        if (options.MaxRequestTargetLength > options.MaxHeaderBytes && !requestTargetSet)
        {
            // Lowering only TERMINATOR_MAX_HEADER_BYTES must not fail because of the other variable's default.
            options = options with { MaxRequestTargetLength = options.MaxHeaderBytes };
        }

        if (options.MaxRequestTargetLength > options.MaxHeaderBytes)
        {
            return $"TERMINATOR_MAX_REQUEST_TARGET: {options.MaxRequestTargetLength} exceeds TERMINATOR_MAX_HEADER_BYTES ({options.MaxHeaderBytes}); the request line is part of the head";
        }

        if (options.AdminListen is { } admin && options.AdminToken is null && options.Acme.Enabled && !IsLoopback(admin.Address))
        {
            // With ACME on, the /v1 domains API is on that port: say at start-up that it would be unusable, rather than
            // leave the operator to find every call refused. (Without ACME the port serves only /metrics and the probes,
            // which need no token.)
            return $"TERMINATOR_ADMIN_TOKEN: required when TERMINATOR_ADMIN_LISTEN ({Format(admin)}) is not a loopback address and TERMINATOR_ACME=on "
                + "(set TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE, or listen on 127.0.0.1)";
        }

        return FindListenerConflict(options);
    }

    /// <summary>127.0.0.0/8 and ::1, also IPv4-mapped (::ffff:127.0.0.1): reachable from this host only.</summary>
    internal static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>Two listeners on one port conflict when the addresses are equal or one is the wildcard (bind would fail).</summary>
    private static string? FindListenerConflict(TerminatorOptions options)
    {
        var all = new List<(IPEndPoint EndPoint, string Variable)>();
        foreach (IPEndPoint e in options.HttpsListen) { all.Add((e, "TERMINATOR_HTTPS_LISTEN")); }
        foreach (IPEndPoint e in options.HttpListen) { all.Add((e, "TERMINATOR_HTTP_LISTEN")); }
        if (options.AdminListen is { } admin) { all.Add((admin, "TERMINATOR_ADMIN_LISTEN")); }
        for (int j = 1; j < all.Count; j++)
        {
            for (int i = 0; i < j; i++)
            {
                IPEndPoint a = all[i].EndPoint, b = all[j].EndPoint;
                if (a.Port == 0 || a.Port != b.Port || a.AddressFamily != b.AddressFamily)
                {
                    continue; // port 0 = distinct ephemeral ports, never a conflict
                }

                if (a.Address.Equals(b.Address) || IsWildcard(a.Address) || IsWildcard(b.Address))
                {
                    string where = all[i].Variable == all[j].Variable ? "earlier in the same list" : $"in {all[i].Variable}";
                    return $"{all[j].Variable}: {Format(b)} conflicts with {Format(a)} {where}";
                }
            }
        }

        return null;
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static string Format(IPEndPoint endPoint) => endPoint.ToString();
}
