using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.Certificates;
using Terminator.Proxy;

namespace Terminator.Tls;

/// <summary>
/// One connection on the TLS port: peek the ClientHello through a pipe (nothing consumed), pick the certificate from
/// the SNI bytes with no string, handshake with that entry's prebuilt options, then hand the decrypted pipes to the
/// HTTP/1.1 proxy loop.
/// </summary>
internal sealed class TlsConnectionHandler : Listener.IConnectionHandler
{
    // The ClientHello is usually one 200-2,000 byte record; the parser caps it at 16 KiB.
    private static readonly StreamPipeReaderOptions s_peekOptions = new(bufferSize: 4096, minimumReadSize: 2048, leaveOpen: true);
    // No zero-byte reads: they cost an extra receive (and through SslStream an extra async hop) per request; the price
    // is one 4 KiB pooled segment held by each idle keep-alive connection (40 MiB per 10,000 idle connections).
    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 4096, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: false);
    private static readonly StreamPipeWriterOptions s_writerOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    private readonly ProxyContext _context;
    private readonly CertificateMap _certificates;
    private readonly TimeSpan _handshakeTimeout;
    private CertificateEntry? _defaultCertificate;

    public TlsConnectionHandler(ProxyContext context, CertificateMap certificates, TimeSpan handshakeTimeout, CertificateEntry? defaultCertificate)
    {
        _context = context;
        _certificates = certificates;
        _handshakeTimeout = handshakeTimeout;
        _defaultCertificate = defaultCertificate;
    }

    /// <summary>Served when the SNI is missing or unknown; null means refuse such handshakes with unrecognized_name.</summary>
    public CertificateEntry? DefaultCertificate
    {
        get => Volatile.Read(ref _defaultCertificate);
        set => Volatile.Write(ref _defaultCertificate, value);
    }

    public async Task HandleAsync(Socket socket)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        IPAddress clientAddress = ((IPEndPoint)socket.RemoteEndPoint!).Address;
        _context.Drain.Enter();
        try
        {
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(_context.Drain.Aborted);
            handshakeTimeout.CancelAfter(_handshakeTimeout);

            SslStream? tls = await HandshakeAsync(network, handshakeTimeout.Token).ConfigureAwait(false);
            if (tls is null)
            {
                return;
            }

            await using (tls.ConfigureAwait(false))
            {
                PipeReader input = PipeReader.Create(tls, s_readerOptions);
                PipeWriter output = PipeWriter.Create(tls, s_writerOptions);
                bool endedCleanly;
                using (var loop = new Http1ProxyLoop(_context, input, output, clientAddress, isHttps: true))
                {
                    await loop.RunAsync().ConfigureAwait(false);
                    endedCleanly = loop.EndedCleanly;
                }

                await input.CompleteAsync().ConfigureAwait(false);
                await Http1ProxyLoop.CompleteOutputAsync(output, endedCleanly).ConfigureAwait(false);
                if (endedCleanly)
                {
                    // close_notify only after a clean end: after a cut-off response its absence is the client's only
                    // signal that the body is incomplete (RFC 8446 §6.1 truncation; RFC 9112 §9.8 incomplete close).
                    await CloseNotifyAsync(tls).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await network.DisposeAsync().ConfigureAwait(false);
            _context.Drain.Exit();
        }
    }

    /// <summary>Returns the authenticated stream, or null when the connection was refused or failed (already counted).</summary>
    private async ValueTask<SslStream?> HandshakeAsync(NetworkStream network, CancellationToken cancellationToken)
    {
        PipeReader peek = PipeReader.Create(network, s_peekOptions);
        byte[]? prefix = null;
        int prefixLength = 0;
        CertificateEntry? entry = null;
        try
        {
            while (true)
            {
                ReadResult result = await peek.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                PeekOutcome outcome = Inspect(buffer, out entry);
                if (outcome == PeekOutcome.NeedMoreData)
                {
                    if (result.IsCompleted)
                    {
                        return null;
                    }

                    peek.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                if (outcome != PeekOutcome.Selected)
                {
                    peek.AdvanceTo(buffer.End);
                    await RefuseAsync(network, outcome, cancellationToken).ConfigureAwait(false);
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
            _context.Metrics.HandshakeTimedOut();
            return null;
        }
        catch (Exception ex) when (BodyCopier.IsTransportFailure(ex))
        {
            _context.Metrics.HandshakeFailed();
            return null;
        }
        finally
        {
            await peek.CompleteAsync().ConfigureAwait(false);
        }

        var tls = new SslStream(new PrefixedStream(prefix, prefixLength, network), leaveInnerStreamOpen: false);
        try
        {
            // Synchronous when the entry's context is cached; a cold entry loads its certificate here (async file
            // read, key import, context build), shared with any handshake for the same entry racing this one.
            SslServerAuthenticationOptions options = await entry!.GetServerOptionsAsync(cancellationToken).ConfigureAwait(false);
            await tls.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
            if (TlsPolicy.IsAllowed(tls.NegotiatedCipherSuite))
            {
                _context.Metrics.HandshakeCompleted();
                return tls;
            }

            // The client offered an allowed suite but OpenSSL chose another (client order): refuse to carry data on it.
            _context.Metrics.HandshakeFailed();
        }
        catch (OperationCanceledException)
        {
            _context.Metrics.HandshakeTimedOut();
        }
        catch (CertificateLoadException ex)
        {
            // The index knew the name but its material no longer loads (file removed or tampered with since start-up).
            // Path and a fixed reason only: never key material.
            _context.Metrics.HandshakeFailed();
            if (entry!.ShouldReportLoadFailure())
            {
                _context.Log.Warn($"certificate for a handshake could not be loaded: {ex.Path}: {ex.Message} (repeats for this certificate are logged at most every 10 s)");
            }
        }
        catch (Exception ex) when (ex is AuthenticationException || BodyCopier.IsTransportFailure(ex))
        {
            _context.Metrics.HandshakeFailed();
            if (_context.Log.IsEnabled(Diagnostics.LogSeverity.Debug))
            {
                _context.Log.Debug($"TLS handshake failed: {ex.Message}");
            }
        }

        await tls.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>Parses the buffered ClientHello and picks the certificate; synchronous so the SNI can live on the stack.</summary>
    private PeekOutcome Inspect(in ReadOnlySequence<byte> buffer, out CertificateEntry? entry)
    {
        entry = null;
        Span<byte> serverName = stackalloc byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParseStatus status = ClientHelloParser.TryParse(buffer, serverName, out ClientHelloInfo hello);
        switch (status)
        {
            case ClientHelloParseStatus.Success:
                break;
            case ClientHelloParseStatus.NeedMoreData:
                return PeekOutcome.NeedMoreData;
            case ClientHelloParseStatus.NotTls:
                _context.Metrics.NonTlsConnection();
                return PeekOutcome.NotTls;
            case ClientHelloParseStatus.InvalidServerName:
                _context.Metrics.MalformedClientHello();
                return PeekOutcome.IllegalParameter;
            default:
                _context.Metrics.MalformedClientHello();
                return PeekOutcome.Malformed;
        }

        if ((hello.OfferedVersions & (TlsVersionFlags.Tls12 | TlsVersionFlags.Tls13)) == 0)
        {
            _context.Metrics.HandshakeFailed();
            return PeekOutcome.OldProtocol;
        }

        if (!hello.OffersForwardSecretAead)
        {
            // Only CBC / static-RSA / non-AEAD suites on offer: policy says no (see TlsPolicy remarks).
            _context.Metrics.HandshakeFailed();
            return PeekOutcome.NoAcceptableSuite;
        }

        // A name may hold an ECDSA and an RSA certificate: the parsed signature_algorithms decide which one this client
        // can verify (ClientHelloInfo.OffersEcdsa), and the map picks the newest valid one of that family.
        if (hello.ServerNameLength > 0
            && _certificates.TryGet(serverName[..hello.ServerNameLength], hello.OffersEcdsa, out CertificateEntry? found))
        {
            entry = found;
            return PeekOutcome.Selected;
        }

        entry = DefaultCertificate;
        if (entry is not null)
        {
            return PeekOutcome.Selected;
        }

        _context.Metrics.UnknownServerName();
        return PeekOutcome.UnknownName;
    }

    private static async ValueTask RefuseAsync(NetworkStream network, PeekOutcome outcome, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> alert = outcome switch
        {
            PeekOutcome.UnknownName => TlsAlert.UnrecognizedName,
            PeekOutcome.IllegalParameter => TlsAlert.IllegalParameter,
            PeekOutcome.OldProtocol => TlsAlert.ProtocolVersion,
            PeekOutcome.NoAcceptableSuite => TlsAlert.HandshakeFailure,
            PeekOutcome.Malformed => TlsAlert.DecodeError,
            // Not TLS at all (a plain "GET /" on 443): no alert a non-TLS client could read; just close.
            _ => ReadOnlyMemory<byte>.Empty,
        };

        if (alert.IsEmpty)
        {
            return;
        }

        try
        {
            await network.WriteAsync(alert, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || BodyCopier.IsTransportFailure(ex))
        {
            // The client left first.
        }
    }

    private static async ValueTask CloseNotifyAsync(SslStream tls)
    {
        try
        {
            Task shutdown = tls.ShutdownAsync();
            if (!shutdown.IsCompleted)
            {
                // Almost always complete already (a 24-byte write into an empty socket buffer); the timer is only
                // needed for a peer that stopped reading.
                await shutdown.WaitAsync(CloseNotifyTimeout).ConfigureAwait(false);
            }

            await shutdown.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is TimeoutException || BodyCopier.IsTransportFailure(ex))
        {
            // close_notify is a courtesy; the TCP close follows regardless.
        }
    }

    private static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(1);

    private enum PeekOutcome { NeedMoreData, Selected, UnknownName, NotTls, Malformed, IllegalParameter, OldProtocol, NoAcceptableSuite }
}
