namespace Terminator.Diagnostics;

/// <summary>What the certificate map serves, summarised for the metrics: names (exact and wildcard), distinct certificates,
/// and the earliest NotAfter among the certificates names are served with (null when nothing is served).</summary>
internal readonly record struct CertificateInventory(long Names, long Certificates, DateTimeOffset? SoonestNotAfter);
