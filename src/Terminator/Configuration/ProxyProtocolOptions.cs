using System.Net;

namespace Terminator.Configuration;

/// <summary>
/// PROXY protocol on the HTTPS and plain-HTTP listeners (<c>TERMINATOR_PROXY_PROTOCOL</c>,
/// <c>TERMINATOR_PROXY_TRUSTED</c>): connections from <see cref="TrustedNetworks"/> must open with a header of
/// <see cref="Mode"/>, whose client address then stands for the connection; every other connection is a direct client
/// and a header from it is refused as forged.
/// </summary>
internal sealed record ProxyProtocolOptions
{
    /// <summary>Off: no header is read or accepted from anyone.</summary>
    public static ProxyProtocolOptions Off { get; } = new();

    public ProxyProtocolMode Mode { get; init; } = ProxyProtocolMode.Off;

    /// <summary>The balancers' networks, host bits clear (validated at start-up); non-empty unless <see cref="Mode"/> is off.</summary>
    public IReadOnlyList<IPNetwork> TrustedNetworks { get; init; } = [];

    public bool Enabled => Mode != ProxyProtocolMode.Off;
}
