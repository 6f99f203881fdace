using System.Net;

namespace Terminator.Listener;

/// <summary>
/// What the steps of one connection's pipeline share: the transport (a duplex stream, replaced as steps wrap it), what
/// is known about the peer, what TLS negotiated, and the server's drain signals. One instance per connection, created
/// by <see cref="SocketListener"/>, which disposes the original transport when the pipeline completes.
/// </summary>
internal sealed class ConnectionContext
{
    private readonly ConnectionLimiter? _limiter;
    private readonly ConnectionDrain _drain;
    private int _transportAbandoned;
    // The step the listener runs next, and what the steps that handed on do at the end (PROXY protocol, then TLS: at most
    // two, run latest first).
    private ConnectionDelegate? _handOff;
    private IConnectionEnd? _firstEnd;
    private IConnectionEnd? _secondEnd;

    public ConnectionContext(Stream transport, IPEndPoint remoteEndPoint, IPEndPoint localEndPoint, ConnectionDrain drain)
        : this(transport, remoteEndPoint, localEndPoint, drain, limiter: null, remoteCharged: false)
    {
    }

    /// <param name="limiter">The listener's limiter, which <see cref="TrySetClient"/> charges; null: no per-client limit.</param>
    /// <param name="remoteCharged">True when the listener already counted <paramref name="remoteEndPoint"/>'s address
    /// against <paramref name="limiter"/> at accept; false for a trusted forwarder's connection, whose client is not
    /// known yet.</param>
    internal ConnectionContext(Stream transport, IPEndPoint remoteEndPoint, IPEndPoint localEndPoint, ConnectionDrain drain,
        ConnectionLimiter? limiter, bool remoteCharged)
    {
        Transport = transport;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        _drain = drain;
        _limiter = limiter;
        ChargedAddress = remoteCharged ? remoteEndPoint.Address : null;
    }

    /// <summary>The stream the next step reads and writes: the socket's, then (after TLS) the decrypted one.</summary>
    public Stream Transport { get; set; }

    /// <summary>The client: the socket's peer, or the address a trusted PROXY protocol header named
    /// (<see cref="TrySetClient"/>).</summary>
    public IPEndPoint RemoteEndPoint { get; private set; }

    /// <summary>The address counted against the per-client connection limit for this connection, which the listener
    /// releases when it ends; null while none is (a trusted forwarder's connection before its header is read).</summary>
    internal IPAddress? ChargedAddress { get; private set; }

    /// <summary>The address the connection was accepted on.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>What the TLS handshake negotiated; null on a plain connection (or before the handshake).</summary>
    public TlsConnectionFeature? Tls { get; set; }

    /// <summary>Fires when the server starts draining: idle connections close, busy ones finish their request.</summary>
    public CancellationToken ServerStopping => _drain.Stopping;

    /// <summary>Fires when the drain timeout has passed: everything still open is cut.</summary>
    public CancellationToken ServerAborted => _drain.Aborted;

    /// <summary>A timeout source for one request's waits, linked to <see cref="ServerAborted"/>, from the server's pool
    /// (<see cref="ConnectionDrain.RentRequestTimeout"/>); given back with <see cref="ReturnRequestTimeout"/>.</summary>
    public CancellationTokenSource RentRequestTimeout() => _drain.RentRequestTimeout();

    /// <summary>A token for a wait between requests, shared with the connections that start theirs at about the same
    /// time (<see cref="ConnectionDrain.SharedTimeoutToken"/>).</summary>
    public CancellationToken SharedTimeoutToken(TimeSpan length) => _drain.SharedTimeoutToken(length);

    /// <summary>Gives back a source from <see cref="RentRequestTimeout"/> once every wait it bounded is over.</summary>
    public void ReturnRequestTimeout(CancellationTokenSource source) => _drain.ReturnRequestTimeout(source);

    /// <summary>
    /// True once a step could not deliver everything it meant to send (a flush that failed or stalled past its
    /// timeout, a response cut short): the steps below must close the transport without writing anything more — no TLS
    /// close_notify, which would make a truncated close-delimited body look complete (RFC 8446 §6.1, RFC 9112 §9.8).
    /// </summary>
    public bool IsTransportAbandoned => Volatile.Read(ref _transportAbandoned) != 0;

    /// <summary>
    /// Makes <paramref name="client"/> this connection's peer for every later step (X-Forwarded-For, logs) and counts it
    /// against the per-client connection limit in place of whatever was counted before. False, with nothing changed,
    /// when that client is already at its limit: the caller closes the connection.
    /// </summary>
    public bool TrySetClient(IPEndPoint client)
    {
        if (_limiter is not null)
        {
            if (!_limiter.TryAcquireAddress(client.Address))
            {
                return false;
            }

            if (ChargedAddress is { } previous)
            {
                _limiter.ReleaseAddress(previous);
            }

            ChargedAddress = client.Address;
        }

        RemoteEndPoint = client;
        return true;
    }

    /// <summary>
    /// Hands the connection to <paramref name="next"/>: the listener runs it in its own frame once the calling step has
    /// returned, and runs <paramref name="end"/> when the connection is over (after the ends of the steps that come
    /// later). A step that hands on instead of awaiting the next one keeps no state machine of its own for the
    /// connection's life: an idle keep-alive connection then holds the listener's frame and the last step's only
    /// (bench/README.md, "What an idle TLS connection holds").
    /// </summary>
    public void HandOff(ConnectionDelegate next, IConnectionEnd? end = null)
    {
        if (_handOff is not null)
        {
            throw new InvalidOperationException("a step has already handed this connection on");
        }

        if (end is not null)
        {
            if (_firstEnd is null)
            {
                _firstEnd = end;
            }
            else if (_secondEnd is null)
            {
                _secondEnd = end;
            }
            else
            {
                throw new InvalidOperationException("at most two steps of a pipeline hand on with an end");
            }
        }

        _handOff = next;
    }

    /// <summary>The step <see cref="HandOff"/> named, once; null when the last step returned without handing on.</summary>
    internal ConnectionDelegate? TakeHandOff()
    {
        ConnectionDelegate? next = _handOff;
        _handOff = null;
        return next;
    }

    /// <summary>Runs the ends of the steps that handed on, latest first (the listener, before it closes the socket).</summary>
    internal async ValueTask EndAsync(bool completed)
    {
        IConnectionEnd? second = _secondEnd, first = _firstEnd;
        _secondEnd = _firstEnd = null;
        try
        {
            if (second is not null)
            {
                await second.EndAsync(this, completed).ConfigureAwait(false);
            }
        }
        finally
        {
            // The earlier step's end runs even when the later one's threw (it returns pooled buffers).
            if (first is not null)
            {
                await first.EndAsync(this, completed).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Marks the transport as unfit for any further write (see <see cref="IsTransportAbandoned"/>).</summary>
    public void AbandonTransport() => Volatile.Write(ref _transportAbandoned, 1);
}
