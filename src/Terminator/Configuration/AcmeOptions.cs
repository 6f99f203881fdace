namespace Terminator.Configuration;

/// <summary>Automatic certificates (<c>TERMINATOR_ACME_*</c>): where to order them and how hard to push the CA.</summary>
internal sealed record AcmeOptions
{
    /// <summary>Let's Encrypt production (RFC 8555 directory).</summary>
    public const string LetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>ACME on (<c>TERMINATOR_ACME</c>); off means managed domains are neither issued nor renewed.</summary>
    public bool Enabled { get; init; }

    /// <summary>The CA's directory URL (<c>TERMINATOR_ACME_DIRECTORY</c>).</summary>
    public Uri Directory { get; init; } = new(LetsEncryptDirectory);

    /// <summary>A PEM file trusted, in addition to the system store, for the directory's own HTTPS (<c>TERMINATOR_ACME_CA_ROOT</c>).</summary>
    public string? CaRootFile { get; init; }

    /// <summary>Account contact (<c>TERMINATOR_ACME_EMAIL</c>); optional.</summary>
    public string? Email { get; init; }

    /// <summary>External Account Binding key id (<c>TERMINATOR_ACME_EAB_KID</c>), with <see cref="EabHmacKey"/>.</summary>
    public string? EabKeyId { get; init; }

    /// <summary>External Account Binding MAC key, base64url (<c>TERMINATOR_ACME_EAB_HMAC</c>).</summary>
    public string? EabHmacKey { get; init; }

    /// <summary>Key type of issued certificates (<c>TERMINATOR_ACME_KEY_TYPE</c>).</summary>
    public AcmeKeyTypes KeyTypes { get; init; } = AcmeKeyTypes.Ecdsa;

    /// <summary>Challenge types in the order tried (<c>TERMINATOR_ACME_CHALLENGES</c>): "http-01", "tls-alpn-01".</summary>
    public IReadOnlyList<string> Challenges { get; init; } = ["http-01", "tls-alpn-01"];

    /// <summary>Check that a name reaches this service before asking the CA (<c>TERMINATOR_ACME_PREFLIGHT</c>).</summary>
    public bool Preflight { get; init; } = true;

    /// <summary>Orders in flight at once (<c>TERMINATOR_ACME_CONCURRENCY</c>).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>New orders started per hour at most (<c>TERMINATOR_ACME_ORDERS_PER_HOUR</c>); Let's Encrypt allows 300
    /// new orders per account per 3 hours.</summary>
    public int OrdersPerHour { get; init; } = 90;
}

/// <summary>Which certificates a managed domain gets: one ECDSA P-256, one RSA 2048, or both (served per client).</summary>
[Flags]
internal enum AcmeKeyTypes
{
    Ecdsa = 1,
    Rsa = 2,
    Both = Ecdsa | Rsa,
}
