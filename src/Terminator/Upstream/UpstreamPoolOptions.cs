namespace Terminator.Upstream;

/// <summary>Settings of an <see cref="UpstreamPool"/>: where the tracking server lives and how connections to it are kept.</summary>
internal sealed record UpstreamPoolOptions
{
    /// <summary>DNS name or IP literal (IPv6 may be bracketed, <c>[::1]</c>) of the tracking server.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port of the tracking server.</summary>
    public required int Port { get; init; }

    /// <summary>How long resolved addresses are trusted before the host is re-resolved (in the background). All addresses are used round-robin.</summary>
    public TimeSpan DnsTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Maximum number of connections (idle + active + connecting) per resolved address.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 256;

    /// <summary>Idle pooled connections older than this are closed. Keep it below the upstream's keep-alive timeout so we close first.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Upper bound for establishing one TCP connection (and for one DNS resolution).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
