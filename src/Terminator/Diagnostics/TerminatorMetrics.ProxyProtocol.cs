using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// PROXY protocol headers read from trusted balancers (TERMINATOR_PROXY_PROTOCOL).
internal sealed partial class TerminatorMetrics
{
    private long _proxyHeadersAccepted;
    private long _proxyProtocolRefusals;
    private long _proxyClientsOverLimit;

    /// <summary>PROXY protocol headers accepted from trusted balancers (LOCAL health checks included).</summary>
    public long ProxyHeadersAccepted => Volatile.Read(ref _proxyHeadersAccepted);

    /// <summary>Connections the PROXY protocol step closed: a forged header from an untrusted address, a trusted
    /// connection without a valid header of the configured version, or first bytes that did not arrive in time.</summary>
    public long ProxyProtocolRefusals => Volatile.Read(ref _proxyProtocolRefusals);

    /// <summary>Connections whose PROXY header named a client already at TERMINATOR_MAX_CONNECTIONS_PER_IP: refused
    /// after the header, since the balancer's own address is not the client's (also in
    /// <see cref="ConnectionsRejectedByLimit"/>).</summary>
    public long ProxyClientsOverLimit => Volatile.Read(ref _proxyClientsOverLimit);

    internal void ProxyClientOverLimit() => Interlocked.Increment(ref _proxyClientsOverLimit);

    internal void ProxyHeaderAccepted() => Interlocked.Increment(ref _proxyHeadersAccepted);

    internal void ProxyProtocolRefused() => Interlocked.Increment(ref _proxyProtocolRefusals);

    private void CreateProxyProtocolInstruments()
    {
        _meter.CreateObservableCounter("terminator.proxy_protocol.headers",
            () => new Measurement<long>[]
            {
                new(ProxyHeadersAccepted, Tag("result", "accepted")),
                new(ProxyProtocolRefusals, Tag("result", "refused")),
                new(ProxyClientsOverLimit, Tag("result", "client_limit")),
            },
            "{connection}", "PROXY protocol headers accepted from trusted balancers, and connections refused for a missing, forged or late header, or naming a client at its connection limit (client_limit).");
    }
}
