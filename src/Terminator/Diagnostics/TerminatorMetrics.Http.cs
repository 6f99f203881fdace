using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// Requests on the client side, and what the upstream did to them.
internal sealed partial class TerminatorMetrics
{
    // By status class: [0] = 1xx ... [4] = 5xx.
    private readonly long[] _responsesByClass = new long[5];
    private long _requests;
    private long _badRequests;
    private long _headerTimeouts;
    private long _misdirectedRequests;
    private long _edgeResponses;
    private long _upstreamBadGateways;
    private long _upstreamGatewayTimeouts;
    private long _upstreamTruncatedResponses;
    private long _upstreamRetries;
    private Histogram<double> _requestDuration = null!;

    /// <summary>Requests forwarded upstream.</summary>
    public long Requests => Volatile.Read(ref _requests);
    public long BadRequests => Volatile.Read(ref _badRequests);
    public long HeaderTimeouts => Volatile.Read(ref _headerTimeouts);
    /// <summary>HTTPS requests for a host the connection's certificate does not cover, answered 421.</summary>
    public long MisdirectedRequests => Volatile.Read(ref _misdirectedRequests);
    /// <summary>Requests answered 502 because of the upstream (unreachable, closed, or garbage before a whole head).</summary>
    public long UpstreamErrors => Volatile.Read(ref _upstreamBadGateways);
    /// <summary>Requests answered 504 (no response head within TERMINATOR_UPSTREAM_TIMEOUT).</summary>
    public long UpstreamTimeouts => Volatile.Read(ref _upstreamGatewayTimeouts);
    public long UpstreamRetries => Volatile.Read(ref _upstreamRetries);

    /// <summary>Responses of the status class <paramref name="statusClass"/> (1 to 5).</summary>
    public long Responses(int statusClass) => Volatile.Read(ref _responsesByClass[statusClass - 1]);

    /// <summary>A request ended with <paramref name="statusCode"/> sent to the client (relayed or the proxy's own), timed
    /// from <paramref name="startedTimestamp"/> (its first byte). Codes outside 100-599 count in the nearest class.</summary>
    internal void RequestCompleted(int statusCode, long startedTimestamp)
    {
        Interlocked.Increment(ref _responsesByClass[Math.Clamp(statusCode / 100, 1, 5) - 1]);
        _requestDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    /// <summary>A request answered at the edge without the upstream (an ACME HTTP-01 challenge).</summary>
    internal void EdgeResponse() => Interlocked.Increment(ref _edgeResponses);

    internal void Request() => Interlocked.Increment(ref _requests);
    internal void BadRequest() => Interlocked.Increment(ref _badRequests);
    internal void HeaderTimeout() => Interlocked.Increment(ref _headerTimeouts);
    internal void MisdirectedRequest() => Interlocked.Increment(ref _misdirectedRequests);

    /// <summary>The client gets a 502 because of the upstream.</summary>
    internal void UpstreamError() => Interlocked.Increment(ref _upstreamBadGateways);

    /// <summary>The client gets a 504.</summary>
    internal void UpstreamTimeout() => Interlocked.Increment(ref _upstreamGatewayTimeouts);

    /// <summary>The upstream failed mid-body, after the response head was relayed: the client's response is cut.</summary>
    internal void UpstreamResponseTruncated() => Interlocked.Increment(ref _upstreamTruncatedResponses);

    internal void UpstreamRetry() => Interlocked.Increment(ref _upstreamRetries);

    private void CreateHttpInstruments()
    {
        _meter.CreateObservableCounter("terminator.http.requests",
            () => new Measurement<long>[]
            {
                new(Responses(1), Tag("status_class", "1xx")),
                new(Responses(2), Tag("status_class", "2xx")),
                new(Responses(3), Tag("status_class", "3xx")),
                new(Responses(4), Tag("status_class", "4xx")),
                new(Responses(5), Tag("status_class", "5xx")),
            },
            "{request}", "Requests answered, by the class of the status the client got (the upstream's, or the proxy's own 400/408/414/421/431/502/503/504).");

        // A click or open answered by a nearby tracking server takes a millisecond or two end to end.
        _requestDuration = _meter.CreateHistogram("terminator.http.request.duration", "s",
            "Requests answered: from the request's first byte to the end of the response (one observation per request counted in terminator_http_requests_total).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

        _meter.CreateObservableCounter("terminator.http.requests.rejected",
            () => new Measurement<long>[]
            {
                new(BadRequests, Tag("reason", "bad_request")),
                new(HeaderTimeouts, Tag("reason", "header_timeout")),
                new(MisdirectedRequests, Tag("reason", "misdirected")),
            },
            "{request}", "Requests refused before the upstream: malformed heads (400/414/431), heads not complete within TERMINATOR_HEADER_TIMEOUT (408), a Host the certificate does not cover (421).");

        _meter.CreateObservableCounter("terminator.http.edge_responses", () => Volatile.Read(ref _edgeResponses), "{request}",
            "Requests answered at the edge without the upstream (ACME HTTP-01 challenges, the TERMINATOR_HTTP_REDIRECT 301s); not in terminator_http_requests_total.");

        _meter.CreateObservableCounter("terminator.upstream.requests", () => Requests, "{request}", "Requests forwarded to the upstream.");

        _meter.CreateObservableCounter("terminator.upstream.errors",
            () => new Measurement<long>[]
            {
                new(UpstreamErrors, Tag("status", "502")),
                new(UpstreamTimeouts, Tag("status", "504")),
            },
            "{request}", "Requests the proxy answered 502 (upstream unreachable, closed or sent garbage before a whole response head) or 504 (no response head within TERMINATOR_UPSTREAM_TIMEOUT).");

        _meter.CreateObservableCounter("terminator.upstream.truncated_responses", () => Volatile.Read(ref _upstreamTruncatedResponses), "{response}",
            "Responses cut short because the upstream failed after their head was relayed (the client sees the connection close mid-body).");

        _meter.CreateObservableCounter("terminator.upstream.retries", () => UpstreamRetries, "{request}",
            "Idempotent bodiless requests sent again on a fresh connection after a reused one closed before any response byte.");
    }
}
