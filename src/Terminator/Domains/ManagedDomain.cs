namespace Terminator.Domains;

/// <summary>
/// One domain Terminator obtains and renews certificates for, as the registry persists it. Immutable: a change is a new
/// instance (<c>with</c>) handed to <see cref="ManagedDomainRegistry.UpdateAsync"/>. Times are kept to the millisecond,
/// the precision they are stored with, so a record reads back equal to what was written.
/// </summary>
internal sealed record ManagedDomain
{
    /// <summary>What a domain added without a key type gets: ECDSA P-256, which every current client verifies.</summary>
    public const ManagedKeyTypes DefaultKeyTypes = ManagedKeyTypes.Ecdsa;

    /// <summary>At most this many characters of <see cref="LastError"/> are kept (a CA problem detail is a sentence or two).</summary>
    public const int MaxLastErrorLength = 1024;

    /// <summary>At most this many certificate store ids per domain (one per key type, plus a renewal in flight).</summary>
    public const int MaxCertificateIds = 8;

    /// <summary>The normalised host name (<see cref="DomainName"/>); the registry's key, never changed by an update.</summary>
    public required string Name { get; init; }

    /// <summary>Where the domain's certificate is in its life.</summary>
    public ManagedDomainState State { get; init; } = ManagedDomainState.Pending;

    /// <summary>Which certificates it gets.</summary>
    public ManagedKeyTypes KeyTypes { get; init; } = DefaultKeyTypes;

    /// <summary>When it became managed.</summary>
    public DateTimeOffset Added { get; init; }

    /// <summary>When this record last changed (set by the registry on every write).</summary>
    public DateTimeOffset Updated { get; init; }

    /// <summary>Not-after of the certificate served now (the earliest, with both key types); null before the first one.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>When the next issuance or renewal attempt is due (a retry time after a failure); null when not scheduled.</summary>
    public DateTimeOffset? NextRenewal { get; init; }

    /// <summary>Why the last attempt failed: the CA's problem detail as text, or a preflight wait reason; null after success.</summary>
    public string? LastError { get; init; }

    /// <summary>Attempts since the last success.</summary>
    public int Attempts { get; init; }

    /// <summary>Store ids of the domain's certificates (<c>Storage/CertificateStoreId</c>), if the issuer records them.</summary>
    public IReadOnlyList<string> CertificateIds { get; init; } = [];

    /// <summary>Which node obtained the certificate served now (a fleet node's name; null on a single node or before the
    /// first certificate).</summary>
    public string? IssuedBy { get; init; }

    /// <summary>When <see cref="IssuedBy"/> obtained it.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>At most this many characters of <see cref="IssuedBy"/> are kept.</summary>
    public const int MaxIssuedByLength = 200;

    /// <inheritdoc />
    public bool Equals(ManagedDomain? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && State == other.State
        && KeyTypes == other.KeyTypes
        && Added == other.Added
        && Updated == other.Updated
        && NotAfter == other.NotAfter
        && NextRenewal == other.NextRenewal
        && string.Equals(LastError, other.LastError, StringComparison.Ordinal)
        && Attempts == other.Attempts
        && string.Equals(IssuedBy, other.IssuedBy, StringComparison.Ordinal)
        && IssuedAt == other.IssuedAt
        && CertificateIds.SequenceEqual(other.CertificateIds, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, State, Updated);

    /// <summary>
    /// The record as it will be stored: times truncated to the millisecond, <see cref="LastError"/> capped and on one line.
    /// Throws when a field cannot be stored (an id that is not ASCII, too many ids, a negative attempt count).
    /// </summary>
    internal ManagedDomain ToStorable()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Attempts);
        if (!Enum.IsDefined(State))
        {
            throw new ArgumentException($"{State} is not a state.", nameof(State));
        }

        if (KeyTypes is not (ManagedKeyTypes.Ecdsa or ManagedKeyTypes.Rsa or ManagedKeyTypes.Both))
        {
            throw new ArgumentException($"{KeyTypes} is not a key type setting.", nameof(KeyTypes));
        }

        if (CertificateIds.Count > MaxCertificateIds)
        {
            throw new ArgumentException($"At most {MaxCertificateIds} certificate ids are kept per domain.", nameof(CertificateIds));
        }

        foreach (string id in CertificateIds)
        {
            if (id.Length is 0 or > 255 || !System.Text.Ascii.IsValid(id))
            {
                throw new ArgumentException($"'{id}' is not a certificate store id.", nameof(CertificateIds));
            }
        }

        string? error = LastError;
        if (error is not null)
        {
            error = error.ReplaceLineEndings(" ");
            error = error.Length > MaxLastErrorLength ? error[..MaxLastErrorLength] : error;
        }

        string? issuedBy = IssuedBy;
        if (issuedBy is not null && (issuedBy.Length is 0 or > MaxIssuedByLength || !System.Text.Ascii.IsValid(issuedBy)))
        {
            // A node name is host/pid/suffix: a name outside ASCII or over the limit is kept as far as it can be.
            issuedBy = new string(issuedBy.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(MaxIssuedByLength).ToArray());
            issuedBy = issuedBy.Length == 0 ? null : issuedBy;
        }

        return this with
        {
            IssuedBy = issuedBy,
            IssuedAt = IssuedAt is { } issuedAt ? Truncate(issuedAt) : null,
            Added = Truncate(Added),
            Updated = Truncate(Updated),
            NotAfter = NotAfter is { } notAfter ? Truncate(notAfter) : null,
            NextRenewal = NextRenewal is { } next ? Truncate(next) : null,
            LastError = error,
            CertificateIds = CertificateIds.Count == 0 ? [] : CertificateIds.ToArray(), // a copy: the caller keeps no handle on stored state
        };
    }

    /// <summary>UTC, whole milliseconds.</summary>
    internal static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
