namespace Terminator.Domains;

/// <summary>
/// Which certificates a managed domain gets: ECDSA (P-256; every current browser and mail client verifies it), RSA (for
/// the clients that cannot, see the README's key family rules), or both, one of each, chosen per handshake. Stored as a
/// byte: values are never renumbered.
/// </summary>
[Flags]
internal enum ManagedKeyTypes : byte
{
    /// <summary>Not a valid setting; the zero value.</summary>
    None = 0,

    /// <summary>An ECDSA certificate.</summary>
    Ecdsa = 1,

    /// <summary>An RSA certificate.</summary>
    Rsa = 2,

    /// <summary>One of each.</summary>
    Both = Ecdsa | Rsa,
}
