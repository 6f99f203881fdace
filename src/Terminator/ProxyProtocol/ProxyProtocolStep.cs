using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;
using Terminator.Infrastructure;
using Terminator.Listener;

namespace Terminator.ProxyProtocol;

/// <summary>
/// The first step of a listener's pipeline when PROXY protocol is on: before TLS or HTTP sees a byte, learn who the
/// client is. A connection from a trusted balancer must open with a header of an accepted version; its client address
/// then becomes the connection's peer (X-Forwarded-For, the per-client limit, logs). Any other connection is a direct
/// client, and one that opens with a PROXY signature is lying about its address and is closed. Whatever arrived after
/// the header is replayed to the next step ahead of the socket. Knows nothing of TLS or HTTP.
/// </summary>
/// <remarks>
/// The trust rules (proxy-protocol.txt §7 and 9: a receiver must only accept headers from known senders and must not
/// guess whether one is present):
/// <list type="bullet">
/// <item>trusted peer, valid header of an accepted version: PROXY TCP4/TCP6 replaces the peer; v2 LOCAL (a health
/// check), v2 UNSPEC, UNIX or UDP, and v1 UNKNOWN keep the socket's address;</item>
/// <item>trusted peer, anything else (no header, a malformed or oversized one, another version): closed;</item>
/// <item>untrusted peer opening with "PROXY " or the v2 signature: closed as forged; otherwise served as itself;</item>
/// <item>no decision within the handshake timeout: closed.</item>
/// </list>
/// Refusals are closed without a reply (the peer is either a misconfigured balancer or a liar; neither reads one),
/// counted in <see cref="TerminatorMetrics.ProxyProtocolRefusals"/> and logged at debug. A trusted peer that connects
/// and closes without sending anything (a plain TCP health check) is neither.
/// </remarks>
internal sealed class ProxyProtocolStep
{
    /// <summary>One pooled buffer per connection while the header is read: the longest header accepted
    /// (<see cref="ProxyHeaderParser.MaxLength"/>, 1,040 bytes) with room for the client's first bytes after it.</summary>
    private const int BufferSize = 2048;

    private readonly ProxyProtocolVersions _accepted;
    private readonly TrustedNetworks _trusted;
    private readonly ConnectionDelegate _next;
    private readonly TimeSpan _headerTimeout;
    private readonly TerminatorMetrics _metrics;
    private readonly TerminatorLog _log;

    /// <param name="accepted">The versions a trusted balancer may send.</param>
    /// <param name="headerTimeout">Time allowed from accept until the header (or, from an untrusted peer, enough bytes
    /// to tell there is none) has arrived; the daemon passes <c>TERMINATOR_HANDSHAKE_TIMEOUT</c>.</param>
    public ProxyProtocolStep(ProxyProtocolVersions accepted, TrustedNetworks trusted, ConnectionDelegate next, TimeSpan headerTimeout,
        TerminatorMetrics metrics, TerminatorLog log)
    {
        if (accepted == ProxyProtocolVersions.None)
        {
            throw new ArgumentOutOfRangeException(nameof(accepted), "at least one PROXY protocol version must be accepted");
        }

        _accepted = accepted;
        _trusted = trusted;
        _next = next;
        _headerTimeout = headerTimeout;
        _metrics = metrics;
        _log = log;
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        IPEndPoint peer = connection.RemoteEndPoint;
        bool trusted = _trusted.Contains(peer.Address);
        Stream transport = connection.Transport;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Preamble preamble;
        // The timer lives only as long as the header read, as the TLS step's does for the handshake.
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ServerAborted))
        {
            timeout.CancelAfter(_headerTimeout);
            preamble = await ReadPreambleAsync(transport, buffer, trusted, timeout.Token).ConfigureAwait(false);
        }

        if (preamble.Outcome is not (PreambleOutcome.Header or PreambleOutcome.Direct))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Refuse(peer, trusted, preamble);
            return;
        }

        int consumed = 0;
        if (preamble.Outcome == PreambleOutcome.Header)
        {
            // LOCAL and the families without a usable address keep the socket's peer, now charged as a client itself.
            IPEndPoint client = preamble.Header.HasAddresses ? preamble.Header.ToSourceEndPoint() : peer;
            if (!connection.TrySetClient(client))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _metrics.ProxyClientOverLimit();
                ProxyProtocolLog.ClientOverLimit(_log.ProxyProtocol, peer, client);

                return;
            }

            _metrics.ProxyHeaderAccepted();
            consumed = preamble.Header.Length;
        }

        int remaining = preamble.Received - consumed;
        if (remaining == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            connection.HandOff(_next);
            return;
        }

        // What followed the header in the same reads (a ClientHello, a request) is the next step's first input. Handed on,
        // not awaited (no frame of this step's for the connection's life); the replay is disposed at the end, which
        // returns its buffer if the next step ended before reading it all.
        var replay = new PrefixedStream(buffer, consumed, remaining, transport);
        connection.Transport = replay;
        connection.HandOff(_next, new ReplayEnd(replay));
    }

    /// <summary>Disposes the replay stream when the connection is over (the socket closes after it anyway).</summary>
    private sealed class ReplayEnd(PrefixedStream replay) : IConnectionEnd
    {
        public ValueTask EndAsync(ConnectionContext connection, bool completed) => replay.DisposeAsync();
    }

    /// <summary>Reads until the first bytes decide the connection's fate; never past <see cref="BufferSize"/>.</summary>
    private async ValueTask<Preamble> ReadPreambleAsync(Stream transport, byte[] buffer, bool trusted, CancellationToken cancellationToken)
    {
        int received = 0;
        var progress = default(ProxyHeaderScanProgress);
        try
        {
            while (true)
            {
                int read = await transport.ReadAsync(buffer.AsMemory(received), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return received == 0
                        ? new Preamble(PreambleOutcome.Left, 0, default, ProxyHeaderParseStatus.NeedMoreData)
                        : new Preamble(PreambleOutcome.Refused, received, default, ProxyHeaderParseStatus.NeedMoreData);
                }

                received += read;
                var bytes = new ReadOnlySequence<byte>(buffer, 0, received);
                ProxyHeaderParseStatus status;
                ProxyHeader header = default;
                if (trusted)
                {
                    status = ProxyHeaderParser.TryParse(bytes, _accepted, ref progress, out header);
                }
                else
                {
                    // Only whether a signature is there matters: any header from here is forged, valid or not.
                    status = ProxyHeaderParser.Detect(bytes, out _);
                    if (status == ProxyHeaderParseStatus.Success)
                    {
                        return new Preamble(PreambleOutcome.Forged, received, default, status);
                    }

                    if (status == ProxyHeaderParseStatus.NotProxyHeader)
                    {
                        return new Preamble(PreambleOutcome.Direct, received, default, status);
                    }
                }

                if (status == ProxyHeaderParseStatus.Success)
                {
                    return new Preamble(PreambleOutcome.Header, received, header, status);
                }

                if (status != ProxyHeaderParseStatus.NeedMoreData || received == buffer.Length)
                {
                    // The parser decides within MaxLength bytes, so a full buffer cannot be waiting for more.
                    return new Preamble(PreambleOutcome.Refused, received, default, status);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return new Preamble(PreambleOutcome.TimedOut, received, default, ProxyHeaderParseStatus.NeedMoreData);
        }
        catch (Exception ex) when (TransportFailure.Is(ex))
        {
            return new Preamble(received == 0 ? PreambleOutcome.Left : PreambleOutcome.Refused, received, default, ProxyHeaderParseStatus.NeedMoreData);
        }
    }

    private void Refuse(IPEndPoint peer, bool trusted, in Preamble preamble)
    {
        if (preamble.Outcome == PreambleOutcome.Left)
        {
            return; // connected and closed: a TCP health check, or a client that gave up
        }

        _metrics.ProxyProtocolRefused();
        if (!_log.ProxyProtocol.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        string reason = preamble.Outcome switch
        {
            PreambleOutcome.Forged => "a PROXY protocol header from an address outside TERMINATOR_PROXY_TRUSTED (forged)",
            PreambleOutcome.TimedOut when trusted => $"no complete PROXY protocol header within the timeout ({preamble.Received} bytes received)",
            PreambleOutcome.TimedOut => $"too few bytes within the timeout to tell whether a PROXY protocol header follows ({preamble.Received} received)",
            _ => preamble.Status switch
            {
                ProxyHeaderParseStatus.NotProxyHeader => "a trusted balancer's connection without a PROXY protocol header",
                ProxyHeaderParseStatus.NeedMoreData => $"the connection ended after {preamble.Received} bytes of a PROXY protocol header",
                ProxyHeaderParseStatus.VersionNotAccepted => "a PROXY protocol header of a version TERMINATOR_PROXY_PROTOCOL does not accept",
                _ => $"invalid PROXY protocol header ({preamble.Status})",
            },
        };
        ProxyProtocolLog.Refused(_log.ProxyProtocol, peer, reason);
    }

    private enum PreambleOutcome
    {
        /// <summary>A trusted peer's valid header.</summary>
        Header,

        /// <summary>An untrusted peer without a header: served as itself.</summary>
        Direct,

        /// <summary>The peer closed (or reset) before sending a byte.</summary>
        Left,

        /// <summary>An untrusted peer opening with a signature.</summary>
        Forged,

        Refused,
        TimedOut,
    }

    private readonly record struct Preamble(PreambleOutcome Outcome, int Received, ProxyHeader Header, ProxyHeaderParseStatus Status);
}
