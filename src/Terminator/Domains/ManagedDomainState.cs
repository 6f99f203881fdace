namespace Terminator.Domains;

/// <summary>Where a managed domain is in its certificate's life. Stored as a byte: values are never renumbered.</summary>
internal enum ManagedDomainState : byte
{
    /// <summary>Managed, no certificate obtained yet (or the last attempt is still to be retried after a preflight wait).</summary>
    Pending = 0,

    /// <summary>A current certificate is stored and served; the next renewal is scheduled.</summary>
    Valid = 1,

    /// <summary>A certificate is served and its renewal is under way.</summary>
    Renewing = 2,

    /// <summary>The last attempt failed at the CA (see <see cref="ManagedDomain.LastError"/>); it will be retried.</summary>
    Failed = 3,
}
