namespace Terminator.Diagnostics;

/// <summary>
/// Process-wide counters, incremented with <see cref="Interlocked"/> on the connection paths.
/// One instance per server so tests running servers side by side see their own numbers.
/// </summary>
internal sealed class TerminatorMetrics
{
    private long _connectionsAccepted;
    private long _connectionsRejectedByLimit;
    private long _handshakesCompleted;
    private long _handshakesFailed;
    private long _handshakeTimeouts;
    private long _unknownServerNames;
    private long _nonTlsConnections;
    private long _malformedClientHellos;
    private long _requests;
    private long _badRequests;
    private long _misdirectedRequests;
    private long _upstreamErrors;
    private long _upstreamTimeouts;
    private long _upstreamRetries;
    private long _headerTimeouts;
    private long _proxyHeadersAccepted;
    private long _proxyProtocolRefusals;

    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);
    public long ConnectionsRejectedByLimit => Volatile.Read(ref _connectionsRejectedByLimit);
    public long HandshakesCompleted => Volatile.Read(ref _handshakesCompleted);
    public long HandshakesFailed => Volatile.Read(ref _handshakesFailed);
    public long HandshakeTimeouts => Volatile.Read(ref _handshakeTimeouts);
    /// <summary>ClientHellos whose SNI matched no certificate (or had no SNI) under the reject policy.</summary>
    public long UnknownServerNames => Volatile.Read(ref _unknownServerNames);
    /// <summary>Connections to the TLS port whose first bytes were not a TLS handshake record (e.g. plain "GET /").</summary>
    public long NonTlsConnections => Volatile.Read(ref _nonTlsConnections);
    public long MalformedClientHellos => Volatile.Read(ref _malformedClientHellos);
    public long Requests => Volatile.Read(ref _requests);
    public long BadRequests => Volatile.Read(ref _badRequests);
    /// <summary>HTTPS requests for a host the connection's certificate does not cover, answered 421.</summary>
    public long MisdirectedRequests => Volatile.Read(ref _misdirectedRequests);
    public long UpstreamErrors => Volatile.Read(ref _upstreamErrors);
    public long UpstreamTimeouts => Volatile.Read(ref _upstreamTimeouts);
    public long UpstreamRetries => Volatile.Read(ref _upstreamRetries);
    public long HeaderTimeouts => Volatile.Read(ref _headerTimeouts);
    /// <summary>PROXY protocol headers accepted from trusted balancers (LOCAL health checks included).</summary>
    public long ProxyHeadersAccepted => Volatile.Read(ref _proxyHeadersAccepted);
    /// <summary>Connections the PROXY protocol step closed: a forged header from an untrusted address, a trusted
    /// connection without a valid header of the configured version, or first bytes that did not arrive in time.</summary>
    public long ProxyProtocolRefusals => Volatile.Read(ref _proxyProtocolRefusals);

    internal void ConnectionAccepted() => Interlocked.Increment(ref _connectionsAccepted);
    internal void ConnectionRejectedByLimit() => Interlocked.Increment(ref _connectionsRejectedByLimit);
    internal void HandshakeCompleted() => Interlocked.Increment(ref _handshakesCompleted);
    internal void HandshakeFailed() => Interlocked.Increment(ref _handshakesFailed);
    internal void HandshakeTimedOut() => Interlocked.Increment(ref _handshakeTimeouts);
    internal void UnknownServerName() => Interlocked.Increment(ref _unknownServerNames);
    internal void NonTlsConnection() => Interlocked.Increment(ref _nonTlsConnections);
    internal void MalformedClientHello() => Interlocked.Increment(ref _malformedClientHellos);
    internal void Request() => Interlocked.Increment(ref _requests);
    internal void BadRequest() => Interlocked.Increment(ref _badRequests);
    internal void MisdirectedRequest() => Interlocked.Increment(ref _misdirectedRequests);
    internal void UpstreamError() => Interlocked.Increment(ref _upstreamErrors);
    internal void UpstreamTimeout() => Interlocked.Increment(ref _upstreamTimeouts);
    internal void UpstreamRetry() => Interlocked.Increment(ref _upstreamRetries);
    internal void HeaderTimeout() => Interlocked.Increment(ref _headerTimeouts);
    internal void ProxyHeaderAccepted() => Interlocked.Increment(ref _proxyHeadersAccepted);
    internal void ProxyProtocolRefused() => Interlocked.Increment(ref _proxyProtocolRefusals);
}
