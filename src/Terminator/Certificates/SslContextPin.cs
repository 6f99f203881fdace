using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;

namespace Terminator.Certificates;

/// <summary>
/// Keeps the runtime's OpenSSL SSL_CTX for one cached certificate alive, so handshakes reuse it (and its session cache)
/// instead of building a new one each time.
/// </summary>
/// <remarks>
/// SslStream on Linux shares one SSL_CTX per certificate context through a process-wide cache, but each time that cache
/// has grown by 32 it frees every SSL_CTX no live connection is using (dotnet/runtime, SafeHandleCache.CheckForCleanup).
/// A terminator with more than ~32 names in rotation and short connections then builds a fresh SSL_CTX for nearly every
/// handshake: measured with a uprobe on CryptoNative_SslCtxCreate, 2,250 SSL_CTX for 2,498 full handshakes over 200
/// names, ~250 µs each (OpenSSL 3 fetches every cipher and digest in SSL_CTX_new), about a fifth of the handshake's
/// CPU; and the session cache and ticket keys die with each SSL_CTX, so resumption mostly fails.
/// <para>A pin is a server <see cref="SslStream"/> that completed one handshake with the entry's options against an
/// in-memory client. While it is undisposed, its SSL handle holds a reference on the cached SSL_CTX, which the cleanup
/// therefore keeps. The entry releases its pin when the <see cref="CertificateContextCache"/> evicts it, so pinned
/// contexts are bounded by <c>TERMINATOR_CERT_CACHE_SIZE</c>. Pinning is an optimisation only: if it fails, handshakes
/// work exactly as before.</para>
/// </remarks>
internal sealed class SslContextPin
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private static readonly SslClientAuthenticationOptions s_clientOptions = new()
    {
        EnabledSslProtocols = SslProtocols.Tls13,
        // Not cached on the client side either: the in-memory client exists for one handshake.
        AllowTlsResume = false,
        // The peer is our own server over an in-memory pipe, presenting the certificate we just loaded: nothing to verify.
#pragma warning disable CA5359
        RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
    };

    private SslStream? _server;
    private int _released;

    private SslContextPin()
    {
    }

    /// <summary>Starts pinning the SSL_CTX that <paramref name="options"/> map to; returns at once (the in-memory
    /// handshake runs on the thread pool).</summary>
    public static SslContextPin Start(SslServerAuthenticationOptions options)
    {
        var pin = new SslContextPin();
        _ = pin.PinAsync(options);
        return pin;
    }

    /// <summary>True once the in-memory handshake completed and the pin holds its SSL_CTX (tests).</summary>
    public bool IsHeld => Volatile.Read(ref _server) is not null;

    /// <summary>Lets the runtime's cache free the SSL_CTX once no connection uses it. Idempotent.</summary>
    public void Release()
    {
        Interlocked.Exchange(ref _released, 1);
        Interlocked.Exchange(ref _server, null)?.Dispose();
    }

    private async Task PinAsync(SslServerAuthenticationOptions options)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = new SslStream(new DuplexPipeStream(toServer.Reader, toClient.Writer), leaveInnerStreamOpen: false);
        var client = new SslStream(new DuplexPipeStream(toClient.Reader, toServer.Writer), leaveInnerStreamOpen: false);
        bool held = false;
        try
        {
            using var timeout = new CancellationTokenSource(HandshakeTimeout);
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(options, timeout.Token),
                client.AuthenticateAsClientAsync(s_clientOptions, timeout.Token)).ConfigureAwait(false);
            held = true;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or System.Security.Cryptography.CryptographicException)
        {
            // Unpinned: handshakes still work, each one building its own SSL_CTX when the runtime's cache lost it.
        }
        finally
        {
            await client.DisposeAsync().ConfigureAwait(false);
            if (!held)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (held)
        {
            Interlocked.Exchange(ref _server, server);
            // Released while the handshake ran: whichever side swaps the stream out disposes it, exactly once.
            if (Volatile.Read(ref _released) != 0)
            {
                Interlocked.Exchange(ref _server, null)?.Dispose();
            }
        }
    }
}
