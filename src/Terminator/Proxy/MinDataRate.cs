namespace Terminator.Proxy;

/// <summary>
/// A minimum average data rate for a body the client sends (Kestrel's MinRequestBodyDataRate): once the grace period is
/// spent, the time spent waiting for the client may not exceed <c>grace + bytesReceived / rate</c>. A per-read timeout
/// alone lets a client send one byte every few seconds forever, and a request body holds a pooled upstream connection
/// while it trickles in, so a few hundred such clients would pin every upstream slot (slow POST, OWASP "R.U.D.Y.").
/// Only time spent waiting for the client counts: a slow upstream never makes the client look slow.
/// </summary>
/// <param name="BytesPerSecond">The required average rate; 0 (the default value) disables the check.</param>
/// <param name="GracePeriod">Waiting time allowed before the rate applies.</param>
internal readonly record struct MinDataRate(long BytesPerSecond, TimeSpan GracePeriod)
{
    private const double MaxEarnedSeconds = 1e9;

    /// <summary>
    /// The timeout for the next read: <paramref name="readTimeout"/>, or less when the rate budget runs out first.
    /// False when the budget is already spent (the body is too slow).
    /// </summary>
    public bool TryGetReadTimeout(TimeSpan readTimeout, long received, TimeSpan waited, out TimeSpan timeout)
    {
        timeout = readTimeout;
        if (BytesPerSecond <= 0)
        {
            return true;
        }

        double earned = (double)received / BytesPerSecond;
        if (earned > MaxEarnedSeconds)
        {
            return true; // a body this big has long proved its rate (and TimeSpan would overflow)
        }

        TimeSpan budget = GracePeriod + TimeSpan.FromSeconds(earned) - waited;
        if (budget <= TimeSpan.Zero)
        {
            return false;
        }

        if (budget < timeout)
        {
            timeout = budget;
        }

        return true;
    }
}
