namespace Terminator.Acme;

/// <summary>
/// When to renew and how long to wait after a failure. Renewal starts when a third of the certificate's lifetime
/// remains (day 60 of a 90-day certificate, day 30 of a 45-day one: what Let's Encrypt recommends), spread by a jitter
/// of up to 5% of the lifetime so certificates issued together do not all renew in the same minute; a CA's ACME
/// Renewal Information window (RFC 9773 §4.2) replaces that with a uniformly random time inside the window. Failures
/// back off exponentially from 5 minutes, capped at 12 hours, also jittered.
/// </summary>
internal static class RenewalPolicy
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromHours(12);

    /// <summary>When to start renewing a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public static DateTimeOffset RenewAt(DateTimeOffset notBefore, DateTimeOffset notAfter, double random)
    {
        TimeSpan lifetime = notAfter - notBefore;
        if (lifetime <= TimeSpan.Zero)
        {
            return notBefore;
        }

        // Two thirds in, minus up to 5% of the lifetime: earlier, never later, than the one-third-left mark.
        return notBefore + (lifetime * (2.0 / 3.0)) - (lifetime * (0.05 * random));
    }

    /// <summary>A time inside a CA's suggested renewal window (RFC 9773 §4.2: "uniformly at random").</summary>
    public static DateTimeOffset InWindow(DateTimeOffset start, DateTimeOffset end, double random) =>
        end <= start ? start : start + ((end - start) * random);

    /// <summary>The wait before attempt number <paramref name="failures"/> + 1 (after that many consecutive failures),
    /// never shorter than a CA's Retry-After.</summary>
    public static TimeSpan Backoff(int failures, double random, TimeSpan? retryAfter = null)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 16));
        TimeSpan wait = TimeSpan.FromTicks((long)Math.Min(FirstRetry.Ticks * factor, MaxRetry.Ticks));
        // Up to 20% longer, so domains that failed together (a CA outage) do not retry together.
        wait += wait * (0.2 * random);
        return retryAfter is { } hint && hint > wait ? hint : wait;
    }

    /// <summary>True when a certificate this close to expiry with renewal still failing must be logged loudly.</summary>
    public static bool IsUrgent(DateTimeOffset notAfter, DateTimeOffset now) => notAfter - now < TimeSpan.FromDays(7);
}
