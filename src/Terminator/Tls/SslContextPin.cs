using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;

namespace Terminator.Tls;

/// <summary>
/// Keeps the runtime's OpenSSL SSL_CTX for one cached certificate alive, so handshakes reuse it (and its session cache)
/// instead of building a new one each time: a server <see cref="SslStream"/> that has answered a fixed ClientHello
/// (<see cref="SslContextPinHello"/>) and then waits, forever, for a client Finished that never comes. Its SSL handle
/// holds a reference on the SSL_CTX the entry's options map to.
/// </summary>
/// <remarks>
/// SslStream on Linux shares one SSL_CTX per certificate context through a process-wide cache, but each time that cache
/// has grown by 32 it frees every SSL_CTX no live connection is using (dotnet/runtime, SafeHandleCache.CheckForCleanup).
/// A terminator with more than ~32 names in rotation and short connections then builds a fresh SSL_CTX for nearly every
/// handshake: measured with a uprobe on CryptoNative_SslCtxCreate, 2,250 SSL_CTX for 2,498 full handshakes over 200
/// names, ~250 µs each (OpenSSL 3 fetches every cipher and digest in SSL_CTX_new), a fifth of the handshake's CPU; and
/// the session cache and ticket keys die with each SSL_CTX, so resumption mostly fails.
/// <para>Why a half-handshake of its own and not, say, the entry's first real connection kept open: a finished
/// connection's SSL still holds that client's traffic keys, and keeping them for as long as the certificate is cached
/// would undo forward secrecy for that connection. The half-handshake costs the server side only (key share, one
/// signature: ~0.3 ms once per materialisation, on the thread pool) and holds keys for a conversation with nobody.
/// A full in-memory handshake with an SslStream client did the same for ~3 ms (client SSL_CTX, client chain build).</para>
/// <para>Memory: ~73 KiB per cached certificate (the SSL_CTX, the pending SSL, SslStream's handshake buffer;
/// bench/scale.sh). Released
/// when the <see cref="CertificateContextCache"/> evicts the entry or its certificate leaves the map, so pinned contexts
/// are bounded by <c>TERMINATOR_CERT_CACHE_SIZE</c>. Pinning is an optimisation only: if it fails, handshakes work as
/// before.</para>
/// </remarks>
internal sealed class SslContextPin
{
    private readonly Pipe _toServer = new();
    private Task? _handshake;
    private int _released;

    private SslContextPin()
    {
    }

    /// <summary>Starts pinning the SSL_CTX <paramref name="options"/> map to, on the thread pool; returns at once.</summary>
    /// <param name="counters">Where the pin counts itself held and ended (the certificate cache's), or null.</param>
    public static SslContextPin Start(SslServerAuthenticationOptions options, SslContextPinCounters? counters = null)
    {
        var pin = new SslContextPin();
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.pin.PinAsync(state.options, state.counters), (pin, options, counters), preferLocal: false);
        return pin;
    }

    /// <summary>True while the server stream waits for the client's Finished, i.e. holds its SSL_CTX (tests).</summary>
    public bool IsHeld => Volatile.Read(ref _handshake) is { IsCompleted: false } && Volatile.Read(ref _released) == 0;

    /// <summary>Ends the waiting handshake (end of stream), which disposes the stream and lets the runtime's cache free
    /// the SSL_CTX once no connection uses it. Idempotent; safe before the pin has started.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _toServer.Writer.Complete();
        }
    }

    private async Task PinAsync(SslServerAuthenticationOptions options, SslContextPinCounters? counters)
    {
        _toServer.Writer.Write(SslContextPinHello.Record.Span);
        await _toServer.Writer.FlushAsync().ConfigureAwait(false);
        // Nothing the server sends matters, so its answer goes to Stream.Null.
        var server = new SslStream(new DuplexStream(_toServer.Reader.AsStream(), Stream.Null), leaveInnerStreamOpen: false);
        // The hello is already buffered, so this runs synchronously until the server waits for the client's next
        // flight: by the time it returns, the SSL handle (and its reference on the SSL_CTX) exists.
        Task handshake = server.AuthenticateAsServerAsync(options, CancellationToken.None);
        Volatile.Write(ref _handshake, handshake);
        bool held = !handshake.IsCompleted;
        if (held)
        {
            counters?.PinHeld();
        }

        try
        {
            await handshake.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            // Expected: Release ends the stream mid-handshake. Earlier: the hello was refused, so nothing is pinned.
        }

        counters?.PinEnded(held, released: Volatile.Read(ref _released) != 0);

        await server.DisposeAsync().ConfigureAwait(false);
    }
}
