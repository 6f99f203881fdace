namespace Terminator.Proxy;

/// <summary>How a forwarded request failed; decides the status the client gets, if any (<see cref="Http1ProxyLoop"/>).</summary>
internal enum ProxyError
{
    None,

    /// <summary>No upstream connection could be made (502, logged).</summary>
    UpstreamConnect,

    /// <summary>The upstream pool is closed because the server is stopping (503).</summary>
    UpstreamUnavailable,

    /// <summary>The upstream closed, reset or sent garbage after the exchange had begun (502).</summary>
    UpstreamFailed,

    /// <summary>The upstream connection failed before sending any response byte (502; an idempotent request without a
    /// body on a reused connection is retried once instead, on a fresh connection).</summary>
    UpstreamClosedBeforeResponse,

    /// <summary>The upstream did not answer within the upstream timeout (504).</summary>
    UpstreamTimeout,

    /// <summary>The client went away or stopped reading; nothing more can be sent.</summary>
    ClientGone,

    /// <summary>The client paused too long inside a request body, or sent it too slowly (408).</summary>
    ClientTimeout,

    /// <summary>The request body's chunked framing was invalid (400).</summary>
    BadRequestBody,
}
