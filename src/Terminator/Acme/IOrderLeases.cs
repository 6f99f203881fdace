namespace Terminator.Acme;

/// <summary>
/// Who may order for a domain right now, when several nodes manage it (a fleet on one database): the
/// <see cref="CertificateManager"/> takes a domain's lease before an order and gives it back after; a domain whose lease
/// another node holds is skipped and retried after <see cref="RetryDelay"/>. A single node has no leases (null).
/// </summary>
internal interface IOrderLeases
{
    /// <summary>How long a skipped domain waits before it is tried again.</summary>
    TimeSpan RetryDelay { get; }

    /// <summary>Takes the lease for <paramref name="domain"/>; null when another node holds it or it cannot be taken
    /// now (the implementation logs which, with <paramref name="retry"/>). Never throws for a database problem.</summary>
    ValueTask<IOrderLease?> TryTakeAsync(string domain, DateTimeOffset retry, CancellationToken cancellationToken);
}
