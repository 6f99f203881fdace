namespace Terminator.Certificates;

/// <summary>
/// The certificates one name can be served with, typically one (or during a renewal, two) per key family. Immutable:
/// <see cref="CertificateMap"/> replaces a name's choice with compare-and-swap, so concurrent updates to one name never
/// lose each other and readers never lock. Selection happens per handshake against the current time, so a certificate
/// that expires, or a renewal whose NotBefore arrives, changes the answer without any reload.
/// </summary>
internal sealed class CertificateChoice
{
    // Newest first: NotBefore descending, then NotAfter descending, then Source descending (ordinal), so the first valid
    // candidate of a family is that family's winner and ties are broken the same way whatever the insertion order.
    private readonly CertificateCandidate[] _candidates;

    private CertificateChoice(CertificateCandidate[] candidates) => _candidates = candidates;

    /// <summary>Candidates, newest first.</summary>
    public ReadOnlySpan<CertificateCandidate> Candidates => _candidates;

    public static CertificateChoice Create(CertificateCandidate candidate) => new([candidate]);

    /// <summary>
    /// This choice plus <paramref name="candidate"/>. A candidate with the same entry, or with the same
    /// <see cref="CertificateEntry.Source"/>, is replaced: a file or store entry holds one certificate at a time, so a
    /// reload of it supersedes its previous version (and repeated reloads cannot pile up). Returns this instance when
    /// the candidate is already present.
    /// </summary>
    public CertificateChoice With(CertificateCandidate candidate)
    {
        int kept = 0;
        var next = new CertificateCandidate[_candidates.Length + 1];
        foreach (CertificateCandidate existing in _candidates)
        {
            if (ReferenceEquals(existing, candidate))
            {
                return this;
            }

            if (!ReferenceEquals(existing.Entry, candidate.Entry)
                && !string.Equals(existing.Entry.Source, candidate.Entry.Source, StringComparison.Ordinal))
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
        return new CertificateChoice(kept == next.Length ? next : next[..kept]);
    }

    /// <summary>This choice without <paramref name="entry"/>; this instance when it is absent, null when nothing is left.</summary>
    public CertificateChoice? Without(CertificateEntry entry)
    {
        int index = IndexOf(entry);
        if (index < 0)
        {
            return this;
        }

        if (_candidates.Length == 1)
        {
            return null;
        }

        var next = new CertificateCandidate[_candidates.Length - 1];
        _candidates.AsSpan(0, index).CopyTo(next);
        _candidates.AsSpan(index + 1).CopyTo(next.AsSpan(index));
        return new CertificateChoice(next);
    }

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
    public CertificateCandidate Select(bool clientAcceptsEcdsa, long utcTicks, out bool usable)
    {
        CertificateKeyFamily preferred = clientAcceptsEcdsa ? CertificateKeyFamily.Ecdsa : CertificateKeyFamily.Rsa;
        CertificateCandidate? otherValid = null;
        CertificateCandidate? preferredInvalid = null;
        CertificateCandidate? otherInvalid = null;
        foreach (CertificateCandidate candidate in _candidates)
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

    private int IndexOf(CertificateEntry entry)
    {
        for (int i = 0; i < _candidates.Length; i++)
        {
            if (ReferenceEquals(_candidates[i].Entry, entry))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Negative when <paramref name="x"/> is newer, i.e. sorts first.</summary>
    private static int Compare(CertificateCandidate x, CertificateCandidate y)
    {
        int byNotBefore = y.NotBeforeTicks.CompareTo(x.NotBeforeTicks);
        if (byNotBefore != 0)
        {
            return byNotBefore;
        }

        int byNotAfter = y.NotAfterTicks.CompareTo(x.NotAfterTicks);
        return byNotAfter != 0 ? byNotAfter : string.CompareOrdinal(y.Entry.Source, x.Entry.Source);
    }
}
