using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Terminator.Diagnostics;
using Terminator.Infrastructure;
using Terminator.Listener;

namespace Terminator.Tls;

/// <summary>
/// The TLS step of a connection's pipeline: peek the ClientHello (nothing consumed), choose the route from its ALPN and
/// the certificate from its SNI bytes with no string, handshake with that certificate's prebuilt options, then hand the
/// authenticated stream and what was negotiated (<see cref="TlsConnectionFeature"/>) to the next step
/// (<see cref="ConnectionContext.HandOff"/>). When that step completes, <see cref="TlsConnectionEnd"/> sends close_notify
/// unless it abandoned the transport. Knows nothing of HTTP.
/// </summary>
/// <remarks>
/// Refusals decided from the ClientHello alone get a plain-text alert before any handshake (RFC 8446 §6):
/// <c>unrecognized_name</c> for an unknown SNI, <c>protocol_version</c> for a client offering nothing newer than
/// TLS 1.1, <c>handshake_failure</c> for one offering no suite <see cref="TlsPolicy"/> allows, <c>decode_error</c> or
/// <c>illegal_parameter</c> for a malformed hello, <c>internal_error</c> when the chosen certificate cannot be loaded.
/// </remarks>
internal sealed partial class TlsHandshakeStep
{
    // The ClientHello is usually one 200-2,000 byte record; the parser caps it at 16 KiB.
    private static readonly StreamPipeReaderOptions s_peekOptions = new(bufferSize: 4096, minimumReadSize: 2048, leaveOpen: true);

    private readonly ITlsCertificateSelector _certificates;
    private readonly ConnectionDelegate _next;
    private readonly TlsProtocolRoute[] _routes;
    private readonly TimeSpan _handshakeTimeout;
    private readonly TerminatorMetrics _metrics;
    private readonly TerminatorLog _log;

    /// <param name="certificates">Certificates for the default route (ALPN <c>http/1.1</c> or none).</param>
    /// <param name="next">The step after TLS on the default route.</param>
    /// <param name="routes">Protocols that leave for another step, checked in order against the client's ALPN.</param>
    /// <param name="fingerprint">Compute each connection's JA4 (<see cref="TlsConnectionFeature.Ja4"/>).</param>
    public TlsHandshakeStep(ITlsCertificateSelector certificates, ConnectionDelegate next, TimeSpan handshakeTimeout,
        TerminatorMetrics metrics, TerminatorLog log, IReadOnlyList<TlsProtocolRoute>? routes = null, bool fingerprint = false)
    {
        _fingerprint = fingerprint;
        _certificates = certificates;
        _next = next;
        _handshakeTimeout = handshakeTimeout;
        _metrics = metrics;
        _log = log;
        _routes = routes is null ? [] : [.. routes];
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        Handshake? handshake;
        long started = Stopwatch.GetTimestamp();
        // The handshake timer lives only as long as the handshake, not the connection.
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ServerAborted))
        {
            timeout.CancelAfter(_handshakeTimeout);
            handshake = await HandshakeAsync(connection.Transport, started, timeout.Token).ConfigureAwait(false);
        }

        if (handshake is not { } authenticated)
        {
            return;
        }

        SslStream tls = authenticated.Stream;
        connection.Transport = tls;
        // TargetHostName is the SNI string SslStream already decoded from the hello for itself: no allocation of ours.
        connection.Tls = new TlsConnectionFeature(tls.SslProtocol, tls.NegotiatedCipherSuite, tls.NegotiatedApplicationProtocol, authenticated.Certificate,
            tls.TargetHostName)
        {
            Ja4 = authenticated.Ja4,
            ReleaseIdleBuffers = OpenSslIdleBuffers.IsAvailable ? OpenSslIdleBuffers.ReleaseOnIdle : null,
        };
        // Handed on, not awaited: this state machine ends with the handshake, and the listener sends close_notify and
        // disposes the stream when the next step is done (TlsConnectionEnd).
        connection.HandOff(authenticated.Next, new TlsConnectionEnd(tls));
    }

    /// <summary>The authenticated stream and where it goes next, or null when the connection was refused or failed
    /// (already counted and, where the client can read one, answered with an alert).</summary>
    private async ValueTask<Handshake?> HandshakeAsync(Stream network, long started, CancellationToken cancellationToken)
    {
        PipeReader peek = PipeReader.Create(network, s_peekOptions);
        byte[]? prefix = null;
        int prefixLength = 0;
        Selection selection;
        try
        {
            var progress = default(ClientHelloScanProgress);
            while (true)
            {
                ReadResult result = await peek.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                PeekOutcome outcome = Inspect(buffer, ref progress, out selection);
                if (outcome == PeekOutcome.NeedMoreData)
                {
                    if (result.IsCompleted)
                    {
                        _metrics.HandshakeEnded(HandshakeResult.Closed);
                        return null;
                    }

                    peek.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (outcome != PeekOutcome.Selected)
                {
                    peek.AdvanceTo(buffer.End);
                    await RefuseAsync(network, AlertFor(outcome), cancellationToken).ConfigureAwait(false);
                    return null;
                }

                // Everything read so far (the hello, maybe more) is replayed to SslStream ahead of the socket.
                prefixLength = checked((int)buffer.Length);
                prefix = ArrayPool<byte>.Shared.Rent(prefixLength);
                buffer.CopyTo(prefix);
                peek.AdvanceTo(buffer.End);
                break;
            }
        }
        catch (OperationCanceledException)
        {
            _metrics.HandshakeEnded(HandshakeResult.Timeout);
            return null;
        }
        catch (Exception ex) when (TransportFailure.Is(ex))
        {
            _metrics.HandshakeEnded(HandshakeResult.Closed);
            return null;
        }
        finally
        {
            await peek.CompleteAsync().ConfigureAwait(false);
        }

        SslServerAuthenticationOptions options;
        // 0 for a cache hit; else when the wait for the load began (the metrics time it).
        long loadStarted = selection.Certificate.IsMaterialized ? 0 : Stopwatch.GetTimestamp();
        try
        {
            // Synchronous when the certificate's options are built; a cold certificate loads here (async file read,
            // key import, context build), shared with any handshake for the same certificate racing this one.
            options = await selection.Certificate.GetServerOptionsAsync(cancellationToken).ConfigureAwait(false);
            _metrics.CertificateOptionsResolved(loadStarted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The index knew the name but its material no longer loads (file removed or tampered with since). Source
            // and a fixed reason only: never key material.
            ArrayPool<byte>.Shared.Return(prefix);
            _metrics.CertificateOptionsResolved(loadStarted);
            _metrics.HandshakeEnded(HandshakeResult.CertificateError);
            TlsLog.CertificateLoadFailed(_log, selection.Certificate.Source, ex.Message);

            await RefuseAsync(network, TlsAlert.InternalError, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(prefix);
            _metrics.CertificateOptionsResolved(loadStarted);
            _metrics.HandshakeEnded(HandshakeResult.Timeout);
            return null;
        }

        bool fingerprinted = TryFingerprint(prefix.AsSpan(0, prefixLength), out Ja4Value ja4);
        var tls = new SslStream(new PrefixedStream(prefix, prefixLength, network), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
            if (TlsPolicy.IsAllowed(tls.NegotiatedCipherSuite))
            {
                // Idle keep-alive connections then hold no OpenSSL record buffers (~13 KiB each).
                OpenSslRecordBuffers.TryRelease(tls);
                _metrics.HandshakeCompleted(tls.SslProtocol, selection.Certificate.IsEcdsa, started);
                return new Handshake(tls, selection.Certificate, selection.Next, fingerprinted ? ToHeaderValue(ja4) : null);
            }

            // The client offered an allowed suite but OpenSSL chose another: refuse to carry data on it.
            _metrics.HandshakeEnded(HandshakeResult.NoSharedSuite);
        }
        catch (OperationCanceledException)
        {
            _metrics.HandshakeEnded(HandshakeResult.Timeout);
        }
        catch (Exception ex) when (ex is AuthenticationException || TransportFailure.Is(ex))
        {
            // An alert or a TLS-level failure is the handshake's; a reset or EOF is the client leaving.
            _metrics.HandshakeEnded(ex is AuthenticationException ? HandshakeResult.ProtocolError : HandshakeResult.Closed);
            TlsLog.HandshakeFailed(_log.Tls, ex.Message);
        }

        await tls.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>Parses the buffered ClientHello, picks the route and the certificate; synchronous so the SNI can live on
    /// the stack. <paramref name="progress"/> carries the records already scanned across reads.</summary>
    private PeekOutcome Inspect(in ReadOnlySequence<byte> buffer, ref ClientHelloScanProgress progress, out Selection selection)
    {
        selection = default;
        Span<byte> serverName = stackalloc byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParseStatus status = ClientHelloParser.TryParse(buffer, serverName, ref progress, out ClientHelloInfo hello);
        switch (status)
        {
            case ClientHelloParseStatus.Success:
                break;
            case ClientHelloParseStatus.NeedMoreData:
                return PeekOutcome.NeedMoreData;
            case ClientHelloParseStatus.NotTls:
                _metrics.HandshakeEnded(HandshakeResult.NotTls);
                return PeekOutcome.NotTls;
            case ClientHelloParseStatus.InvalidServerName:
                _metrics.HandshakeEnded(HandshakeResult.ProtocolError);
                return PeekOutcome.IllegalParameter;
            default:
                _metrics.HandshakeEnded(HandshakeResult.ProtocolError);
                return PeekOutcome.Malformed;
        }

        if ((hello.OfferedVersions & (TlsVersionFlags.Tls12 | TlsVersionFlags.Tls13)) == 0)
        {
            // No version in common: for an operator the same story as no suite in common (an old client).
            _metrics.HandshakeEnded(HandshakeResult.NoSharedSuite);
            return PeekOutcome.OldProtocol;
        }

        if (!hello.OffersForwardSecretAead)
        {
            // Only CBC / static-RSA / non-AEAD suites on offer: the policy says no (see TlsPolicy).
            _metrics.HandshakeEnded(HandshakeResult.NoSharedSuite);
            return PeekOutcome.NoAcceptableSuite;
        }

        ReadOnlySpan<byte> name = serverName[..hello.ServerNameLength];
        foreach (TlsProtocolRoute route in _routes)
        {
            if ((hello.Alpn & route.Protocol) != 0)
            {
                return Choose(route.Select(name, hello), route.Next, out selection);
            }
        }

        return Choose(_certificates.Select(name, hello), _next, out selection);
    }

    private PeekOutcome Choose(ITlsServerCertificate? certificate, ConnectionDelegate next, out Selection selection)
    {
        if (certificate is null)
        {
            selection = default;
            _metrics.HandshakeEnded(HandshakeResult.UnknownSni);
            return PeekOutcome.UnknownName;
        }

        selection = new Selection(certificate, next);
        return PeekOutcome.Selected;
    }

    private static ReadOnlyMemory<byte> AlertFor(PeekOutcome outcome) => outcome switch
    {
        PeekOutcome.UnknownName => TlsAlert.UnrecognizedName,
        PeekOutcome.IllegalParameter => TlsAlert.IllegalParameter,
        PeekOutcome.OldProtocol => TlsAlert.ProtocolVersion,
        PeekOutcome.NoAcceptableSuite => TlsAlert.HandshakeFailure,
        PeekOutcome.Malformed => TlsAlert.DecodeError,
        // Not TLS at all (a plain "GET /" on 443): no alert a non-TLS client could read; just close.
        _ => ReadOnlyMemory<byte>.Empty,
    };

    private static async ValueTask RefuseAsync(Stream network, ReadOnlyMemory<byte> alert, CancellationToken cancellationToken)
    {
        if (alert.IsEmpty)
        {
            return;
        }

        try
        {
            await network.WriteAsync(alert, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || TransportFailure.Is(ex))
        {
            // The client left first.
        }
    }

    private readonly record struct Selection(ITlsServerCertificate Certificate, ConnectionDelegate Next);

    private readonly record struct Handshake(SslStream Stream, ITlsServerCertificate Certificate, ConnectionDelegate Next, byte[]? Ja4);

    private enum PeekOutcome { NeedMoreData, Selected, UnknownName, NotTls, Malformed, IllegalParameter, OldProtocol, NoAcceptableSuite }
}
