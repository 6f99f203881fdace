using System.Net.Security;
using System.Runtime.InteropServices;

namespace Terminator.Tls;

/// <summary>
/// Keeps the runtime's OpenSSL SSL_CTX for one cached certificate alive, so handshakes reuse it (and its session cache)
/// instead of building a new one each time. Normally a rent on the runtime's cached SSL_CTX handle
/// (<see cref="RuntimeSslContextRent"/>): no SSL, no stream, a few hundred bytes. Where the runtime's members are not
/// the ones this was built against, a server <see cref="SslStream"/> that has been handed the first fragment of a
/// ClientHello (<see cref="SslContextPinHello"/>) and then waits, forever, for the rest: its SSL holds the SSL_CTX.
/// </summary>
/// <remarks>
/// SslStream on Linux shares one SSL_CTX per certificate context through a process-wide cache, but each time that cache
/// has grown by 32 it frees every SSL_CTX no live connection is using (dotnet/runtime, SafeHandleCache.CheckForCleanup).
/// A terminator with more than ~32 names in rotation and short connections then builds a fresh SSL_CTX for nearly every
/// handshake: measured with a uprobe on CryptoNative_SslCtxCreate, 2,250 SSL_CTX for 2,498 full handshakes over 200
/// names, ~250 µs each (OpenSSL 3 fetches every cipher and digest in SSL_CTX_new), a fifth of the handshake's CPU; and
/// the session cache and ticket keys die with each SSL_CTX, so resumption mostly fails.
/// <para>"In use" is the handle's rent count, which each connection's SSL raises while it lives. The rent raises it the
/// same way without an SSL: taken synchronously in <see cref="Start"/> (building the SSL_CTX the entry's first
/// handshake would otherwise build), returned by <see cref="Release"/>. It holds no key material of any connection and
/// depends on nothing about the certificate beyond what the handshake needs anyway.</para>
/// <para>The fallback half-handshake (runtime members moved, or options whose SSL_CTX the runtime does not cache) costs
/// ~190 µs and ~55 KiB per pin (bench/Terminator.Benchmarks, SslContextPinBenchmark and <c>pin-memory</c>). Why not the
/// entry's first real connection kept open: a finished connection's SSL still holds that client's traffic keys, and
/// keeping them for as long as the certificate is cached would undo forward secrecy for that connection. The
/// half-handshake's SSL has read six bytes of a hello and holds no key at all, so it holds every key type alike.
/// Release disposes the stream, which frees the SSL (and so its reference on the SSL_CTX) at once. The waiting read is
/// never completed (<see cref="SslContextPinTransport"/>), so no end of stream turns into exceptions thrown through the
/// handshake's frames; the suspended handshake is garbage once the pin lets go of it.</para>
/// <para>Released when the <see cref="Certificates.CertificateContextCache"/> evicts the entry or its certificate leaves
/// the map, so pinned contexts are bounded by <c>TERMINATOR_CERT_CACHE_SIZE</c>; <c>TERMINATOR_SSL_CTX_PIN=off</c>
/// starts none. Pinning is an optimisation only: if it fails, handshakes work as before.</para>
/// </remarks>
internal sealed class SslContextPin
{
    private const int NotStarted = 0;
    private const int Starting = 1;
    private const int Held = 2;
    private const int Ended = 3;

    private readonly SslContextPinCounters? _counters;
    private SafeHandle? _rent;
    private SslStream? _server;
    private int _state;

    private SslContextPin(SslContextPinCounters? counters) => _counters = counters;

    /// <summary>Starts pinning the SSL_CTX <paramref name="options"/> map to. The rent is taken before this returns
    /// (building the SSL_CTX if the runtime has none for these options: the ~250 µs the entry's first handshake would
    /// spend on it); the fallback half-handshake starts on the thread pool.</summary>
    /// <param name="counters">Where the pin counts itself held and ended (the certificate cache's), or null.</param>
    public static SslContextPin Start(SslServerAuthenticationOptions options, SslContextPinCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pin = new SslContextPin(counters);
        if (!pin.TryRent(options))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.pin.Pin(state.options), (pin, options), preferLocal: false);
        }

        return pin;
    }

    /// <summary>True while the pin holds its SSL_CTX (a rent, or a server stream waiting for the rest of the hello).</summary>
    public bool IsHeld => Volatile.Read(ref _state) == Held;

    /// <summary>True when the pin holds a rent on the runtime's cached handle rather than a half-handshake (tests).</summary>
    internal bool IsRent => RentedHandle is not null;

    /// <summary>The runtime's SSL_CTX handle this pin rents, if it rents one (tests).</summary>
    internal SafeHandle? RentedHandle => Volatile.Read(ref _rent);

    /// <summary>Ends the pin: disposes the waiting stream, which frees its SSL and lets the runtime's cache free the
    /// SSL_CTX once no connection uses it. Idempotent; safe before and while the pin starts. Throws nothing.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _state, Ended) == Held)
        {
            _counters?.PinEnded(wasHeld: true, released: true);
            // Exactly once (the exchange above): a second Dispose of the rented handle would take a rent it does not
            // own and could close the runtime's cached handle under live connections.
            if (_rent is { } rent)
            {
                rent.Dispose();
            }
            else
            {
                _server!.Dispose();
            }
        }

        // NotStarted: nothing is built and Pin will not start. Starting: Pin sees Ended when it is done and disposes.
    }

    private bool TryRent(SslServerAuthenticationOptions options)
    {
        SafeHandle? rent;
        try
        {
            if (!RuntimeSslContextRent.TryRent(options, out rent))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The runtime could not build an SSL_CTX for these options (its SslException, a CryptographicException, a
            // PlatformNotSupportedException): the handshake will report the same; the pin only counts the failure.
            _state = Ended;
            _counters?.PinEnded(wasHeld: false, released: false);
            return true;
        }

        // Not yet visible to any other thread: no race with Release.
        _rent = rent;
        _state = Held;
        _counters?.PinHeld();
        return true;
    }

    private void Pin(SslServerAuthenticationOptions options)
    {
        if (Interlocked.CompareExchange(ref _state, Starting, NotStarted) != NotStarted)
        {
            return;
        }

        var transport = new SslContextPinTransport();
        var server = new SslStream(transport, leaveInnerStreamOpen: false);
        Task handshake;
        try
        {
            // Every read the hello needs completes synchronously, so this returns once the server waits for the rest:
            // by then the SSL handle (and its reference on the SSL_CTX) exists.
            handshake = server.AuthenticateAsServerAsync(options, CancellationToken.None);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            handshake = Task.FromException(ex);
        }

        if (handshake.IsCompleted || !transport.IsWaiting)
        {
            // Refused (or waiting on something other than the hello, which nothing here does): nothing is held.
            // Observing the fault here keeps it from reaching TaskScheduler.UnobservedTaskException.
            if (handshake.IsCompleted)
            {
                _ = handshake.Exception;
            }
            else
            {
                _ = handshake.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            server.Dispose();
            bool released = Interlocked.Exchange(ref _state, Ended) == Ended;
            _counters?.PinEnded(wasHeld: false, released);
            return;
        }

        _server = server;
        _counters?.PinHeld();
        if (Interlocked.CompareExchange(ref _state, Held, Starting) != Starting)
        {
            // Released while starting: Release saw Starting and left the stream to us.
            _counters?.PinEnded(wasHeld: true, released: true);
            server.Dispose();
        }
    }
}
