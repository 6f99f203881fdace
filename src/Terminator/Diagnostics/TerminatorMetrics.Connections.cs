using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// Connections, per kind of listener ("listener" = https | http).
internal sealed partial class TerminatorMetrics
{
    /// <summary>The HTTPS ports' connection counters.</summary>
    public ListenerMetrics Https { get; } = new("https");

    /// <summary>The plain-HTTP ports' connection counters.</summary>
    public ListenerMetrics Http { get; } = new("http");

    /// <summary>Connections accepted on every port, refused ones included.</summary>
    public long ConnectionsAccepted => Https.Accepted + Http.Accepted;

    /// <summary>Connections closed by the total or per-client limit on every port: right after accept, or after a PROXY
    /// protocol header named a client at its limit.</summary>
    public long ConnectionsRejectedByLimit =>
        Https.RefusedByLimit + Https.RefusedPerAddress + Http.RefusedByLimit + Http.RefusedPerAddress + ProxyClientsOverLimit;

    private void CreateConnectionInstruments()
    {
        _meter.CreateObservableCounter("terminator.connections.accepted",
            () => new Measurement<long>[]
            {
                new(Https.Accepted, Tag("listener", Https.Name)),
                new(Http.Accepted, Tag("listener", Http.Name)),
            },
            "{connection}", "Connections accepted, refused ones included.");

        _meter.CreateObservableCounter("terminator.connections.refused",
            () => new Measurement<long>[]
            {
                new(Https.RefusedByLimit, Tag("listener", Https.Name), Tag("reason", "limit")),
                new(Https.RefusedPerAddress, Tag("listener", Https.Name), Tag("reason", "per_ip")),
                new(Http.RefusedByLimit, Tag("listener", Http.Name), Tag("reason", "limit")),
                new(Http.RefusedPerAddress, Tag("listener", Http.Name), Tag("reason", "per_ip")),
            },
            "{connection}", "Connections closed right after accept: TERMINATOR_MAX_CONNECTIONS reached (limit) or the client's TERMINATOR_MAX_CONNECTIONS_PER_IP (per_ip).");

        _meter.CreateObservableUpDownCounter("terminator.connections.open",
            () => new Measurement<long>[]
            {
                new(Https.Open, Tag("listener", Https.Name)),
                new(Http.Open, Tag("listener", Http.Name)),
            },
            "{connection}", "Client connections open now.");
    }
}
