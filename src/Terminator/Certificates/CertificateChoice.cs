namespace Terminator.Certificates;

/// <summary>
/// The certificates one name can be served with, typically one (or during a renewal, two) per key family. Immutable:
/// <see cref="CertificateMap"/> replaces a name's choice with compare-and-swap, so concurrent updates to one name never
/// lose each other and readers never lock. Selection happens per handshake against the current time, so a certificate
/// that expires, or a renewal whose NotBefore arrives, changes the answer without any reload.
/// </summary>
/// <remarks>
/// A struct over one reference: the <see cref="CertificateEntry"/> itself when the name has one certificate (the common
/// case: a million single-name entries then cost the map no object besides its own node), else an array of entries,
/// newest first. Two choices are equal when they hold the same reference, which is what the map's compare-and-swap
/// needs: a choice is never mutated, only replaced.
/// </remarks>
internal readonly struct CertificateChoice : IEquatable<CertificateChoice>
{
    // CertificateEntry (one candidate) or CertificateEntry[] (two or more), newest first: NotBefore descending, then
    // NotAfter descending, then Source descending (ordinal), so the first valid candidate of a family is that family's
    // winner and ties are broken the same way whatever the insertion order.
    private readonly object _value;

    private CertificateChoice(object value) => _value = value;

    /// <summary>True for the default value, which holds nothing (never stored in the map).</summary>
    public bool IsEmpty => _value is null;

    /// <summary>Number of candidates.</summary>
    public int Count => _value switch
    {
        null => 0,
        CertificateEntry => 1,
        _ => ((CertificateEntry[])_value).Length,
    };

    /// <summary>Candidate <paramref name="index"/>, newest first.</summary>
    public CertificateEntry this[int index] => _value as CertificateEntry ?? ((CertificateEntry[])_value)[index];

    public static CertificateChoice Create(CertificateEntry candidate) => new(candidate);

    /// <summary>
    /// This choice plus <paramref name="candidate"/>. A candidate with the same entry, or with the same
    /// <see cref="CertificateEntry.Source"/>, is replaced: a file or store entry holds one certificate at a time, so a
    /// reload of it supersedes its previous version (and repeated reloads cannot pile up). Returns this choice when
    /// the candidate is already present.
    /// </summary>
    public CertificateChoice With(CertificateEntry candidate)
    {
        int count = Count;
        int kept = 0;
        var next = new CertificateEntry[count + 1];
        for (int i = 0; i < count; i++)
        {
            CertificateEntry existing = this[i];
            if (ReferenceEquals(existing, candidate))
            {
                return this;
            }

            if (!existing.HasSameSource(candidate))
            {
                next[kept++] = existing;
            }
        }

        // Insert in order (arrays hold a handful of candidates; a sort would be overkill).
        int at = kept;
        while (at > 0 && Compare(candidate, next[at - 1]) < 0)
        {
            next[at] = next[at - 1];
            at--;
        }

        next[at] = candidate;
        kept++;
        return kept == 1 ? new CertificateChoice(candidate) : new CertificateChoice(kept == next.Length ? next : next[..kept]);
    }

    /// <summary>This choice without <paramref name="entry"/>; this choice when it is absent, empty when nothing is left.</summary>
    public CertificateChoice Without(CertificateEntry entry)
    {
        int index = IndexOf(entry);
        if (index < 0)
        {
            return this;
        }

        if (_value is CertificateEntry)
        {
            return default;
        }

        var candidates = (CertificateEntry[])_value;
        if (candidates.Length == 2)
        {
            return new CertificateChoice(candidates[1 - index]);
        }

        var next = new CertificateEntry[candidates.Length - 1];
        candidates.AsSpan(0, index).CopyTo(next);
        candidates.AsSpan(index + 1).CopyTo(next.AsSpan(index));
        return new CertificateChoice(next);
    }

    /// <summary>True when <paramref name="entry"/> is one of the candidates.</summary>
    public bool Contains(CertificateEntry entry) => IndexOf(entry) >= 0;

    /// <summary>
    /// The candidate to serve at <paramref name="utcTicks"/>. Allocates nothing. In order:
    /// <list type="number">
    /// <item>the newest valid candidate of the family the client prefers (ECDSA when it offers ECDSA, else RSA);</item>
    /// <item>for a client that accepts ECDSA, the newest valid RSA candidate (every such client also takes RSA);</item>
    /// <item>otherwise nothing valid is usable: the preferred family's candidate expiring last, even if expired or not
    /// yet valid — a client that cannot verify ECDSA is better served an expired RSA certificate (a clear
    /// "expired" error, or success for the many tracking fetchers that do not verify) than an ECDSA one it cannot use;</item>
    /// <item>then the other family: its newest valid candidate, else the one expiring last.</item>
    /// </list>
    /// </summary>
    public CertificateEntry Select(bool clientAcceptsEcdsa, long utcTicks, out bool usable)
    {
        CertificateKeyFamily preferred = clientAcceptsEcdsa ? CertificateKeyFamily.Ecdsa : CertificateKeyFamily.Rsa;
        if (_value is CertificateEntry single)
        {
            // The rules above with one candidate: usable when valid and of a family the client takes.
            usable = single.IsValidAt(utcTicks) && (clientAcceptsEcdsa || single.Family == preferred);
            return single;
        }

        CertificateEntry? otherValid = null;
        CertificateEntry? preferredInvalid = null;
        CertificateEntry? otherInvalid = null;
        foreach (CertificateEntry candidate in (CertificateEntry[])_value)
        {
            bool valid = candidate.IsValidAt(utcTicks);
            if (candidate.Family == preferred)
            {
                if (valid)
                {
                    usable = true;
                    return candidate;
                }

                if (preferredInvalid is null || candidate.NotAfterTicks > preferredInvalid.NotAfterTicks)
                {
                    preferredInvalid = candidate;
                }
            }
            else if (valid)
            {
                otherValid ??= candidate;
            }
            else if (otherInvalid is null || candidate.NotAfterTicks > otherInvalid.NotAfterTicks)
            {
                otherInvalid = candidate;
            }
        }

        if (clientAcceptsEcdsa && otherValid is not null)
        {
            usable = true;
            return otherValid;
        }

        usable = false;
        return preferredInvalid ?? otherValid ?? otherInvalid!;
    }

    /// <summary>Same reference: what the map's compare-and-swap compares.</summary>
    public bool Equals(CertificateChoice other) => ReferenceEquals(_value, other._value);

    public override bool Equals(object? obj) => obj is CertificateChoice other && Equals(other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_value);

    public static bool operator ==(CertificateChoice left, CertificateChoice right) => left.Equals(right);

    public static bool operator !=(CertificateChoice left, CertificateChoice right) => !left.Equals(right);

    private int IndexOf(CertificateEntry entry)
    {
        int count = Count;
        for (int i = 0; i < count; i++)
        {
            if (ReferenceEquals(this[i], entry))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Negative when <paramref name="x"/> is newer, i.e. sorts first.</summary>
    private static int Compare(CertificateEntry x, CertificateEntry y)
    {
        int byNotBefore = y.NotBeforeTicks.CompareTo(x.NotBeforeTicks);
        if (byNotBefore != 0)
        {
            return byNotBefore;
        }

        int byNotAfter = y.NotAfterTicks.CompareTo(x.NotAfterTicks);
        return byNotAfter != 0 ? byNotAfter : CertificateEntry.CompareSources(y, x);
    }
}
