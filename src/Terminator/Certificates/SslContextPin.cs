using System.Net.Security;

namespace Terminator.Certificates;

/// <summary>
/// Keeps the runtime's OpenSSL SSL_CTX for one cached certificate alive, so handshakes reuse it (and its session cache)
/// instead of building a new one each time: it holds the finished <see cref="SslStream"/> of the entry's first
/// connection, whose SSL handle keeps a reference on that SSL_CTX.
/// </summary>
/// <remarks>
/// SslStream on Linux shares one SSL_CTX per certificate context through a process-wide cache, but each time that cache
/// has grown by 32 it frees every SSL_CTX no live connection is using (dotnet/runtime, SafeHandleCache.CheckForCleanup).
/// A terminator with more than ~32 names in rotation and short connections then builds a fresh SSL_CTX for nearly every
/// handshake: measured with a uprobe on CryptoNative_SslCtxCreate, 2,250 SSL_CTX for 2,498 full handshakes over 200
/// names, ~250 µs each (OpenSSL 3 fetches every cipher and digest in SSL_CTX_new), a fifth of the handshake's CPU; and
/// the session cache and ticket keys die with each SSL_CTX, so resumption mostly fails.
/// <para>The connection handler closes the pinned stream's socket; only its SSL handle matters (~37 KiB more per
/// certificate than without the pin, bench/scale.sh). The entry releases its pin when the
/// <see cref="CertificateContextCache"/> evicts it or its certificate leaves the map, so pinned contexts are bounded by
/// <c>TERMINATOR_CERT_CACHE_SIZE</c>. An earlier version pinned with an in-memory handshake of
/// its own at materialisation: same effect, but ~3 ms of CPU per name (client SSL_CTX, both handshake sides, the
/// client's chain build) where adopting a finished connection costs nothing.</para>
/// </remarks>
internal sealed class SslContextPin(SslStream finishedConnection)
{
    private SslStream? _stream = finishedConnection;

    /// <summary>True until <see cref="Release"/>.</summary>
    public bool IsHeld => Volatile.Read(ref _stream) is not null;

    /// <summary>Disposes the held stream, so the runtime's cache may free the SSL_CTX once no connection uses it. Idempotent.</summary>
    public void Release() => Interlocked.Exchange(ref _stream, null)?.Dispose();
}
