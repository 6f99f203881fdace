using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using static Terminator.LoadTest.Client.OpenSsl.OpenSslNative;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// A TLS client connection on OpenSSL directly: one <c>SSL</c> of the target's shared <see cref="OpenSslClientContext"/>
/// per connection, with SNI and the host-name check set (<c>SSL_set_tlsext_host_name</c>, <c>SSL_set1_host</c>), fed
/// through two memory BIOs by the socket's async receives and sends, so OpenSSL never touches the socket and no thread
/// blocks. Reads and writes are sequential (one HTTP exchange at a time), as every scenario uses a connection.
/// </summary>
/// <remarks>
/// Why not SslStream: on Linux it builds a managed <c>X509Chain</c> for every handshake (before any validation callback
/// could decide) and creates <c>SSL_CTX</c>s per connection; OpenSSL verifying the same two-certificate chain against
/// one trusted root inside the handshake costs tens of microseconds. See loadtest/README.md, "Client CPU".
/// </remarks>
internal sealed class OpenSslStream : Stream
{
    private const int BufferSize = 17 * 1024;   // a full TLS record (16 KiB + overhead) in one receive

    private readonly Socket _socket;
    private readonly OpenSslClientContext _context;
    private readonly string _serverName;
    private readonly bool _keepSession;
    private byte[]? _receive;
    private byte[]? _send;
    private nint _ssl;
    private nint _readBio;
    private nint _writeBio;
    private bool _established;
    private X509Certificate2? _peerCertificate;

    private OpenSslStream(Socket socket, OpenSslClientContext context, string serverName, bool allowResume)
    {
        _socket = socket;
        _context = context;
        _serverName = serverName;
        _keepSession = allowResume;
        _receive = ArrayPool<byte>.Shared.Rent(BufferSize);
        _send = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>The <c>SSL</c>, its BIOs, SNI, host check and offered session; inside ConnectAsync's try, so a failure
    /// here frees what was made.</summary>
    private void Initialize(bool allowResume)
    {
        _ssl = SSL_new(_context.DangerousGetHandle());
        if (_ssl == nint.Zero)
        {
            throw new InvalidOperationException("SSL_new failed: " + OpenSslErrors.DrainReason());
        }

        SSL_set_connect_state(_ssl);
        nint readBio = BIO_new(BIO_s_mem());
        nint writeBio = BIO_new(BIO_s_mem());
        if (readBio == nint.Zero || writeBio == nint.Zero)
        {
            _ = BIO_free(readBio);
            _ = BIO_free(writeBio);
            throw new InvalidOperationException("BIO_new failed: " + OpenSslErrors.DrainReason());
        }

        SSL_set_bio(_ssl, readBio, writeBio);   // the SSL owns both BIOs from here
        _readBio = readBio;
        _writeBio = writeBio;
        SetServerName(_serverName);
        if (allowResume)
        {
            _context.Sessions.Offer(_serverName, _ssl);
        }
    }

    public long BytesRead { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>Bytes the server sent during the handshake (its whole flight, for <c>ResumptionDetector</c>).</summary>
    public long HandshakeBytesReceived { get; private set; }

    /// <summary><c>SSL_session_reused</c>: the server accepted the session this connection offered.</summary>
    public bool Resumed { get; private set; }

    /// <summary>The certificate the server presented (made on first use: only cert-churn's observers ask).</summary>
    public X509Certificate2? PeerCertificate => _peerCertificate ??= ReadPeerCertificate();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Handshakes on a connected socket (which the caller keeps owning); throws <see cref="TlsFailureException"/>
    /// naming the failure, or the socket's exception.</summary>
    public static async ValueTask<OpenSslStream> ConnectAsync(Socket socket, OpenSslClientContext context, string serverName, bool allowResume,
        CancellationToken cancellationToken)
    {
        var stream = new OpenSslStream(socket, context, serverName, allowResume);
        try
        {
            stream.Initialize(allowResume);
            while (true)
            {
                // The client's last flight (Finished) stays in the outgoing BIO: the first request carries it in the
                // same send, as browsers do, saving a send and a server wake-up per connection. A read, or closing
                // without a request, sends it (ReadAsync, DisposeAsync).
                if (HandshakeStep(stream._ssl, context.Verifies))
                {
                    break;
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!await stream.ReceiveAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new IOException("the server closed the connection during the handshake");
                }
            }

            // SSL_VERIFY_PEER already failed any handshake whose chain or host name did not verify; this only makes
            // sure nothing between here and there turned verification off.
            long verify = SSL_get_verify_result(stream._ssl);
            if (context.Verifies && verify != 0)
            {
                throw new TlsFailureException(OpenSslErrors.Rejected(verify));
            }

            stream.HandshakeBytesReceived = stream.BytesRead;
            stream.Resumed = SSL_session_reused(stream._ssl) == 1;
            stream._established = true;
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int read = Decrypt(buffer.Span);
            if (PendingOutput() > 0)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);   // a key update's answer
            }

            if (read >= 0)
            {
                return read;
            }

            if (!await ReceiveAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Encrypt(buffer.Span);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Sends what OpenSSL wrote into the outgoing BIO.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        int pending;
        while ((pending = PendingOutput()) > 0)
        {
            byte[] send = _send ?? throw new ObjectDisposedException(nameof(OpenSslStream));
            int count = BIO_read(_writeBio, ref send[0], Math.Min(pending, send.Length));
            if (count <= 0)
            {
                throw new InvalidOperationException("BIO_read of pending output failed");
            }

            for (int sent = 0; sent < count;)
            {
                sent += await _socket.SendAsync(send.AsMemory(sent, count - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            BytesWritten += count;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Flush() => throw new NotSupportedException("async only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Sends a last flight still held back (a connection closed without a request, e.g. a probe), so the
    /// server sees a completed handshake, then frees the connection.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (_established && PendingOutput() > 0 && _socket.Connected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await FlushAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Closing anyway: the server sees the connection end.
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);   // Stream's: Dispose(true)
    }

    protected override void Dispose(bool disposing)
    {
        nint ssl = Interlocked.Exchange(ref _ssl, nint.Zero);
        if (ssl != nint.Zero)
        {
            if (_keepSession && _established)
            {
                _context.Sessions.Keep(_serverName, ssl);
            }

            // No close_notify is sent (SslStream's Dispose sends none either); marking the shutdown as sent keeps
            // SSL_free from flagging the session as not resumable, which would spoil the one just kept.
            SSL_set_shutdown(ssl, SslSentShutdown);
            SSL_free(ssl);   // and both BIOs
            _readBio = nint.Zero;
            _writeBio = nint.Zero;
        }

        if (Interlocked.Exchange(ref _receive, null) is { } receive)
        {
            ArrayPool<byte>.Shared.Return(receive);
        }

        if (Interlocked.Exchange(ref _send, null) is { } send)
        {
            ArrayPool<byte>.Shared.Return(send);
        }

        base.Dispose(disposing);
    }

    /// <summary>One <c>SSL_do_handshake</c>: true when done, false when it needs the server's next bytes.</summary>
    private static bool HandshakeStep(nint ssl, bool verifies)
    {
        ERR_clear_error();
        int result = SSL_do_handshake(ssl);
        if (result == 1)
        {
            return true;
        }

        int error = SSL_get_error(ssl, result);
        return error == SslErrorWantRead ? false : throw new TlsFailureException(OpenSslErrors.HandshakeFailure(ssl, verifies));
    }

    /// <summary>Plaintext into <paramref name="buffer"/>: the count, 0 at the server's close_notify, -1 when OpenSSL
    /// needs more bytes from the socket.</summary>
    private int Decrypt(Span<byte> buffer)
    {
        nint ssl = _ssl != nint.Zero ? _ssl : throw new ObjectDisposedException(nameof(OpenSslStream));
        ERR_clear_error();
        int result = SSL_read(ssl, ref MemoryMarshal.GetReference(buffer), buffer.Length);
        if (result > 0)
        {
            return result;
        }

        return SSL_get_error(ssl, result) switch
        {
            SslErrorWantRead => -1,
            SslErrorZeroReturn => 0,
            // An alert after the handshake (TLS 1.3 servers judge the client's last flight while the client already
            // sends): named like a handshake failure.
            _ => throw new TlsFailureException(OpenSslErrors.HandshakeFailure(ssl, verifies: false)),
        };
    }

    private void Encrypt(ReadOnlySpan<byte> buffer)
    {
        nint ssl = _ssl != nint.Zero ? _ssl : throw new ObjectDisposedException(nameof(OpenSslStream));
        if (buffer.IsEmpty)
        {
            return;
        }

        ERR_clear_error();
        // Without SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write takes all of it or fails; the memory BIO never pushes back.
        if (SSL_write(ssl, ref MemoryMarshal.GetReference(buffer), buffer.Length) <= 0)
        {
            throw new TlsFailureException(OpenSslErrors.HandshakeFailure(ssl, verifies: false));
        }
    }

    /// <summary>Receives the next bytes from the server into the incoming BIO; false at end of stream.</summary>
    private async ValueTask<bool> ReceiveAsync(CancellationToken cancellationToken)
    {
        byte[] receive = _receive ?? throw new ObjectDisposedException(nameof(OpenSslStream));
        int count = await _socket.ReceiveAsync(receive.AsMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            return false;
        }

        BytesRead += count;
        if (BIO_write(_readBio, ref receive[0], count) != count)
        {
            throw new InvalidOperationException("BIO_write into the incoming BIO failed");
        }

        return true;
    }

    private int PendingOutput() => _writeBio == nint.Zero ? 0 : (int)BIO_ctrl(_writeBio, BioCtrlPending, 0, nint.Zero);

    /// <summary>SNI, and (when verifying) the name the certificate must match, wildcards as OpenSSL's
    /// <c>X509_check_host</c> matches them.</summary>
    private void SetServerName(string serverName)
    {
        if (serverName.Length > 253)
        {
            throw new ArgumentException("a DNS name is at most 253 characters", nameof(serverName));
        }

        Span<byte> terminated = stackalloc byte[serverName.Length + 1];
        int length = Encoding.ASCII.GetBytes(serverName, terminated);
        terminated[length] = 0;
        ERR_clear_error();
        if (SSL_ctrl(_ssl, SslCtrlSetTlsextHostname, TlsextNametypeHostName, ref terminated[0]) != 1)
        {
            throw new InvalidOperationException("SSL_set_tlsext_host_name failed: " + OpenSslErrors.DrainReason());
        }

        if (_context.Verifies && SSL_set1_host(_ssl, ref terminated[0]) != 1)
        {
            throw new InvalidOperationException("SSL_set1_host failed: " + OpenSslErrors.DrainReason());
        }
    }

    private X509Certificate2? ReadPeerCertificate()
    {
        if (_ssl == nint.Zero)
        {
            return null;
        }

        nint certificate = SSL_get1_peer_certificate(_ssl);
        if (certificate == nint.Zero)
        {
            return null;
        }

        try
        {
            nint der = nint.Zero;
            int length = i2d_X509(certificate, ref der);
            if (length <= 0)
            {
                return null;
            }

            try
            {
                var bytes = new byte[length];
                Marshal.Copy(der, bytes, 0, length);
                return X509CertificateLoader.LoadCertificate(bytes);
            }
            finally
            {
                CRYPTO_free(der, nint.Zero, 0);
            }
        }
        finally
        {
            X509_free(certificate);
        }
    }
}
