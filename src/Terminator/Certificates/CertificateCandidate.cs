namespace Terminator.Certificates;

/// <summary>
/// One <see cref="CertificateEntry"/> as a candidate in a <see cref="CertificateChoice"/>: the entry plus what selection
/// reads on every handshake (family, validity as UTC ticks), copied once so a lookup touches one small object and the
/// entry itself stays free to load its key lazily. Shared by every name of the entry and by successive choices, so the
/// "served outside its validity" warning is written once per entry, not once per name or per handshake.
/// </summary>
internal sealed class CertificateCandidate
{
    private const int WarnedNotYetValid = 1;
    private const int WarnedExpired = 2;

    private int _warned;

    public CertificateCandidate(CertificateEntry entry)
    {
        Entry = entry;
        Family = FamilyOf(entry.KeyAlgorithm);
        NotBeforeTicks = entry.NotBefore.UtcTicks;
        NotAfterTicks = entry.NotAfter.UtcTicks;
    }

    public CertificateEntry Entry { get; }

    public CertificateKeyFamily Family { get; }

    public long NotBeforeTicks { get; }

    public long NotAfterTicks { get; }

    /// <summary>Inclusive on both ends, like <see cref="CertificateEntry.IsExpiredAt"/> and RFC 5280 §4.1.2.5.</summary>
    public bool IsValidAt(long utcTicks) => utcTicks >= NotBeforeTicks && utcTicks <= NotAfterTicks;

    /// <summary>True the first time this candidate is served while expired (or, separately, while not yet valid).</summary>
    public bool TryMarkWarned(long utcTicks)
    {
        int flag = utcTicks > NotAfterTicks ? WarnedExpired : WarnedNotYetValid;
        return (Interlocked.Or(ref _warned, flag) & flag) == 0;
    }

    /// <summary>
    /// Family from the key description the loader already computed ("ECDSA P-256", "RSA 2048"; see
    /// <see cref="CertificateNames.DescribeKey"/>), so no key is parsed here. The loader accepts only ECDSA and RSA keys.
    /// </summary>
    internal static CertificateKeyFamily FamilyOf(string keyAlgorithm) =>
        keyAlgorithm.StartsWith("ECDSA", StringComparison.Ordinal) ? CertificateKeyFamily.Ecdsa : CertificateKeyFamily.Rsa;
}
