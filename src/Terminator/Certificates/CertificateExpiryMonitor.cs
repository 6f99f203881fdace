using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>
/// The node-wide safety net for renewal, managed or not: twice a day, every served certificate whose expiry is near
/// (within 14 days, or within a third of its lifetime for short-lived certificates, whichever is sooner) is logged at
/// warn — one summary line, plus the first few by name, so a million names cannot flood the journal.
/// </summary>
internal sealed class CertificateExpiryMonitor : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(14);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(12);
    private const int Named = 10;

    private readonly CertificateMap _certificates;
    private readonly TerminatorLog _log;
    private readonly TimeProvider _time;
    private ITimer? _timer;

    public CertificateExpiryMonitor(CertificateMap certificates, TerminatorLog log, TimeProvider? time = null)
    {
        _certificates = certificates;
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Checks now, then every 12 hours.</summary>
    public void Start() => _timer ??= _time.CreateTimer(static state => ((CertificateExpiryMonitor)state!).Check(), this, TimeSpan.Zero, Interval);

    /// <summary>Logs the certificates near expiry; returns how many there were.</summary>
    public int Check()
    {
        DateTimeOffset now = _time.GetUtcNow();
        var near = new List<CertificateEntry>();
        foreach (CertificateEntry entry in _certificates.EnumerateCertificates())
        {
            if (IsNearExpiry(entry, now))
            {
                near.Add(entry);
            }
        }

        if (near.Count == 0)
        {
            return 0;
        }

        near.Sort(static (a, b) => a.NotAfter.CompareTo(b.NotAfter));
        CertificateLog.ExpiringSoon(_log.Certificates, near.Count);
        foreach (CertificateEntry entry in near.Take(Named))
        {
            string when = entry.NotAfter <= now ? "EXPIRED" : $"expires in {(entry.NotAfter - now).TotalDays:0.0} days";
            CertificateLog.CertificateExpiring(_log.Certificates, when, entry.NotAfter, entry.Names, entry.Source);
        }

        return near.Count;
    }

    /// <summary>Within 14 days of expiry, or with less than a third of its lifetime left if that is sooner (a 6-day
    /// certificate is never more than 14 days from expiry, and is renewed with 2 days left).</summary>
    internal static bool IsNearExpiry(CertificateEntry entry, DateTimeOffset now)
    {
        TimeSpan lifetime = entry.NotAfter - entry.NotBefore;
        TimeSpan window = lifetime / 3 < Window ? lifetime / 3 : Window;
        return entry.NotAfter - now < window;
    }

    public void Dispose() => _timer?.Dispose();
}
