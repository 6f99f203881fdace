using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static Terminator.LoadTest.Client.OpenSsl.OpenSslNative;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// Remembers which certificate chains this client context has verified, as browsers do (Chromium's CertVerifier keeps
/// results for a while), so a chain it has already verified skips <c>X509_verify_cert</c> (issuer lookup, the CA's
/// signature over the leaf, validity, purpose) on the next full handshake. Keyed by the SHA-256 of the exact DER bytes
/// of the chain the server presented, leaf first: a different, forged or renewed chain has other bytes and gets the
/// full verification. The host name is checked on every handshake, hit or miss (<c>X509_check_host</c> against the
/// name <c>SSL_set1_host</c> set), so a cached chain does not vouch for a name it does not cover.
/// </summary>
/// <remarks>
/// <para>Why the host is checked rather than keyed: <c>clicks</c> draws from 5,002 SNIs, 5,000 of them under one
/// wildcard certificate, so a chain-and-name key would hit only on a repeated name (about one click in five in a 20 s
/// run); the chain's verdict does not depend on the name, the name check is a few microseconds.</para>
/// <para>What every handshake still does: OpenSSL parses the presented certificates and checks the server's
/// CertificateVerify signature with the leaf's key, so a server without that key fails whether or not its chain is
/// remembered. A verdict lasts until the earliest notAfter of the verified chain and at most <see cref="MaxAge"/>;
/// names given as IP addresses (checked by <c>X509_verify_cert</c> through a parameter this type does not read) are
/// always verified in full. Installed with <c>SSL_CTX_set_cert_verify_callback</c> on a verifying context only
/// (<see cref="OpenSslClientContext"/>).</para>
/// <para>Measured (loadtest/README.md, "Client CPU"): <c>X509_verify_cert</c> was ~8% of the client's samples in a
/// clicks run (perf, 1,999 Hz, dwarf unwinding).</para>
/// </remarks>
internal sealed class VerifiedChainCache : IDisposable
{
    /// <summary>The longest a verdict is reused; a run's whole duration is usually shorter.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    // Far above any target's certificate count (a node with 40,000 names has at most that many chains); reaching it
    // starts over rather than tracking ages.
    private const int MaxEntries = 100_000;

    // A TLS certificate chain as sent rarely passes 10 KiB; a longer one is verified in full every time.
    private const int ScratchBytes = 32 * 1024;

    private static readonly ConcurrentDictionary<nint, VerifiedChainCache> s_installed = new();
    private static readonly VerifyCallback s_callback = Verify;   // kept alive for as long as OpenSSL may call it
    private static readonly nint s_callbackPointer = Marshal.GetFunctionPointerForDelegate(s_callback);
    private static long s_nextId;

    // The chain's DER, pinned so i2d_X509 can write into it; one per thread that runs handshakes.
    [ThreadStatic]
    private static byte[]? t_scratch;

    private readonly ConcurrentDictionary<ChainDigest, long> _verdicts = new();
    private nint _id;
    private long _hits;
    private long _misses;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int VerifyCallback(nint storeContext, nint argument);

    /// <summary>Handshakes whose chain was found remembered (its host still checked).</summary>
    public long Hits => Volatile.Read(ref _hits);

    /// <summary>Handshakes that ran <c>X509_verify_cert</c> (first sight, expired, or an IP address).</summary>
    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Chains remembered now.</summary>
    public int Count => _verdicts.Count;

    /// <summary>Makes <paramref name="sslContext"/>'s handshakes verify through this cache.</summary>
    public void Install(nint sslContext)
    {
        // The callback finds the cache by a number, not a GCHandle: an SSL still running after its context was
        // released then gets the plain verification instead of a freed handle.
        _id = (nint)Interlocked.Increment(ref s_nextId);
        s_installed[_id] = this;
        SSL_CTX_set_cert_verify_callback(sslContext, s_callbackPointer, _id);
    }

    public void Dispose()
    {
        s_installed.TryRemove(_id, out _);
        _verdicts.Clear();
    }

    /// <summary>OpenSSL's <c>app_verify_callback</c>: 1 verified, 0 refused with the store context's error set. Never
    /// throws into native code.</summary>
    private static int Verify(nint storeContext, nint argument)
    {
        VerifiedChainCache? cache;
        bool digested;
        ChainDigest digest = default;
        nint host;
        try
        {
            if (!s_installed.TryGetValue(argument, out cache))
            {
                return X509_verify_cert(storeContext);
            }

            host = X509_VERIFY_PARAM_get0_host(X509_STORE_CTX_get0_param(storeContext), 0);
            digested = host != nint.Zero && TryDigest(storeContext, out digest);
        }
        catch (Exception)
        {
            return X509_verify_cert(storeContext);
        }

        if (!digested)
        {
            Interlocked.Increment(ref cache._misses);
            return X509_verify_cert(storeContext);
        }

        return cache.VerifyKnown(storeContext, digest, host);
    }

    private int VerifyKnown(nint storeContext, ChainDigest digest, nint host)
    {
        if (_verdicts.TryGetValue(digest, out long until) && Environment.TickCount64 < until)
        {
            Interlocked.Increment(ref _hits);
            nint parameters = X509_STORE_CTX_get0_param(storeContext);
            bool matches = X509_check_host(X509_STORE_CTX_get0_cert(storeContext), host, 0, X509_VERIFY_PARAM_get_hostflags(parameters), nint.Zero) == 1;
            X509_STORE_CTX_set_error(storeContext, matches ? X509VOk : X509VErrHostnameMismatch);
            return matches ? 1 : 0;
        }

        Interlocked.Increment(ref _misses);
        int verified = X509_verify_cert(storeContext);
        if (verified == 1 && X509_STORE_CTX_get_error(storeContext) == X509VOk && TryLifetime(storeContext, out long lifetimeMs))
        {
            if (_verdicts.Count >= MaxEntries)
            {
                _verdicts.Clear();
            }

            _verdicts[digest] = Environment.TickCount64 + lifetimeMs;
        }

        return verified;
    }

    /// <summary>SHA-256 over the DER of every certificate the server sent, leaf first (each DER carries its own
    /// length, so the concatenation is unambiguous).</summary>
    private static bool TryDigest(nint storeContext, out ChainDigest digest)
    {
        digest = default;
        nint chain = X509_STORE_CTX_get0_untrusted(storeContext);
        int count = chain == nint.Zero ? 0 : OPENSSL_sk_num(chain);
        if (count <= 0)
        {
            return false;
        }

        byte[] scratch = t_scratch ??= GC.AllocateArray<byte>(ScratchBytes, pinned: true);
        nint start = Marshal.UnsafeAddrOfPinnedArrayElement(scratch, 0);
        int used = 0;
        for (int i = 0; i < count; i++)
        {
            nint certificate = OPENSSL_sk_value(chain, i);
            int length = i2d_X509_Length(certificate, nint.Zero);
            if (length <= 0 || length > scratch.Length - used)
            {
                return false;
            }

            nint cursor = start + used;   // i2d_X509 writes at *cursor and advances it
            if (i2d_X509(certificate, ref cursor) != length)
            {
                return false;
            }

            used += length;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(scratch.AsSpan(0, used), hash);
        digest = new ChainDigest(hash);
        return true;
    }

    /// <summary>How long the verified chain's verdict may be reused: until its earliest notAfter, at most
    /// <see cref="MaxAge"/>.</summary>
    private static bool TryLifetime(nint storeContext, out long lifetimeMs)
    {
        lifetimeMs = (long)MaxAge.TotalMilliseconds;
        nint chain = X509_STORE_CTX_get0_chain(storeContext);
        int count = chain == nint.Zero ? 0 : OPENSSL_sk_num(chain);
        if (count <= 0)
        {
            return false;
        }

        for (int i = 0; i < count; i++)
        {
            if (ASN1_TIME_diff(out int days, out int seconds, nint.Zero, X509_get0_notAfter(OPENSSL_sk_value(chain, i))) != 1)
            {
                return false;
            }

            lifetimeMs = Math.Min(lifetimeMs, ((days * 86_400L) + seconds) * 1000);
        }

        return lifetimeMs > 0;
    }
}
