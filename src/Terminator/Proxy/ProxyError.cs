namespace Terminator.Proxy;

/// <summary>How a request ended when it did not end well; decides the status the client gets, if any.</summary>
internal enum ProxyError
{
    None,
    /// <summary>No upstream connection could be made (502).</summary>
    UpstreamConnect,
    /// <summary>The upstream closed, reset or sent garbage (502).</summary>
    UpstreamFailed,
    /// <summary>The upstream did not answer within the upstream timeout (504).</summary>
    UpstreamTimeout,
    /// <summary>The client went away or stalled mid-request; nothing more can be sent.</summary>
    ClientGone,
    /// <summary>The client paused too long inside a request body (408).</summary>
    ClientTimeout,
    /// <summary>The request body's chunked framing was invalid (400).</summary>
    BadRequestBody,
}
