namespace Terminator.Listener;

/// <summary>What <see cref="ConnectionLimiter.Admit"/> decided for an accepted connection.</summary>
internal enum ConnectionAdmission
{
    /// <summary>Within both limits; the connection holds a place until released.</summary>
    Admitted,

    /// <summary>The server already holds its maximum of connections (TERMINATOR_MAX_CONNECTIONS).</summary>
    OverTotalLimit,

    /// <summary>The client (IPv4 address or IPv6 prefix) already holds its maximum (TERMINATOR_MAX_CONNECTIONS_PER_IP).</summary>
    OverAddressLimit,
}
