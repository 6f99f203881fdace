using System.Net.Security;
using Terminator.Tls;

namespace Terminator.Certificates;

/// <summary>Materialisation: building the TLS state on first use, sharing it between racing handshakes, and dropping
/// it when the <see cref="CertificateContextCache"/> evicts the entry.</summary>
internal sealed partial class CertificateEntry
{
    // Set once, when the entry joins a map (AttachCache); null for an entry in no map.
    private CertificateContextCache? _cache;
    private TlsState? _tls;
    private Task<TlsState>? _pending;
    private int _referenced;

    /// <summary>Slot in <see cref="_cache"/>, or -1. Read and written only under the cache's lock.</summary>
    internal int CacheSlot = -1;

    /// <summary>
    /// The options to hand <see cref="SslStream.AuthenticateAsServerAsync(SslServerAuthenticationOptions, CancellationToken)"/>.
    /// Completes synchronously, allocation-free, when the entry is cached (the common case). Otherwise the certificate
    /// is loaded with asynchronous file I/O and its context built, once: concurrent first handshakes await the same
    /// materialisation, and a caller's cancellation abandons only its own wait.
    /// </summary>
    /// <exception cref="CertificateLoadException">The material could not be loaded (file gone, tampered, key mismatch).</exception>
    public ValueTask<SslServerAuthenticationOptions> GetServerOptionsAsync(CancellationToken cancellationToken)
    {
        TlsState? state = Volatile.Read(ref _tls);
        if (state is not null)
        {
            MarkReferenced();
            return new ValueTask<SslServerAuthenticationOptions>(state.Options);
        }

        return AwaitMaterializationAsync(cancellationToken);
    }

    /// <summary>The chain context, built on first use and then cached (synchronously here: not for the handshake path).</summary>
    /// <remarks>With 10,000 certificates, building every context at start-up was ~60% of a 23 s start
    /// (bench/macro.sh), while most names see no handshake for minutes.</remarks>
    public SslStreamCertificateContext Context => (Volatile.Read(ref _tls) ?? MaterializeSync()).Context;

    /// <summary>Server options over <see cref="Context"/>, built with it, never per handshake (synchronous; tests and tools).</summary>
    public SslServerAuthenticationOptions ServerOptions => (Volatile.Read(ref _tls) ?? MaterializeSync()).Options;

    /// <summary>True while the context exists (built and not evicted); for tests and memory accounting.</summary>
    public bool IsMaterialized => Volatile.Read(ref _tls) is not null;

    /// <summary>CLOCK reference bit: set on every cached hit, cleared by the cache's hand.</summary>
    internal bool Referenced => Volatile.Read(ref _referenced) != 0;

    /// <summary>Clears the reference bit; true when it was set (the entry gets a second chance).</summary>
    internal bool TryClearReferenced() => Interlocked.Exchange(ref _referenced, 0) != 0;

    /// <summary>Drops the TLS state (called by the cache under its lock) and releases its SSL_CTX pin. Nothing else is
    /// disposed: a handshake that already holds the options keeps using them (and the SSL_CTX, which OpenSSL reference
    /// counts), and the garbage collector reclaims the rest.</summary>
    internal void Evict()
    {
        TlsState? evicted = Interlocked.Exchange(ref _tls, null);
        if (evicted is not null)
        {
            Volatile.Read(ref evicted.Pin)?.Release();
        }
    }

    /// <summary>Drops this entry's TLS state now, because it left the <see cref="CertificateMap"/>
    /// (<see cref="CertificateContextCache.Remove"/>).</summary>
    internal void ReleaseMaterialization()
    {
        CertificateContextCache? cache = Volatile.Read(ref _cache);
        if (cache is null)
        {
            Evict();
        }
        else
        {
            cache.Remove(this);
        }
    }

    /// <summary>
    /// Joins <paramref name="cache"/> (the map's), once; later calls with another cache are ignored. An entry that was
    /// materialised before it joined is admitted now. Either this method or <see cref="Publish"/> sees the other's write
    /// (both use full fences), and admission is idempotent, so a racing materialisation is admitted exactly once.
    /// </summary>
    internal void AttachCache(CertificateContextCache cache)
    {
        if (Interlocked.CompareExchange(ref _cache, cache, null) is null && Volatile.Read(ref _tls) is not null)
        {
            cache.Admit(this);
        }
    }

    /// <summary>The pin on the runtime's SSL_CTX for the current TLS state, if any (tests).</summary>
    internal SslContextPin? SslContextPin
    {
        get
        {
            TlsState? state = Volatile.Read(ref _tls);
            return state is null ? null : Volatile.Read(ref state.Pin);
        }
    }

    private void MarkReferenced()
    {
        // Read before write: a hot entry's bit is already set, so hits do not keep dirtying a shared cache line.
        if (Volatile.Read(ref _referenced) == 0)
        {
            Volatile.Write(ref _referenced, 1);
        }
    }

    private async ValueTask<SslServerAuthenticationOptions> AwaitMaterializationAsync(CancellationToken cancellationToken)
    {
        TlsState state = await GetOrStartMaterialization().WaitAsync(cancellationToken).ConfigureAwait(false);
        return state.Options;
    }

    private Task<TlsState> GetOrStartMaterialization()
    {
        Task<TlsState>? pending = Volatile.Read(ref _pending);
        if (pending is not null)
        {
            return pending;
        }

        // Whoever installs the task runs the load; everyone else (racing first handshakes) awaits the same task.
        var completion = new TaskCompletionSource<TlsState>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending = Interlocked.CompareExchange(ref _pending, completion.Task, null);
        if (pending is not null)
        {
            return pending;
        }

        _ = RunMaterializationAsync(completion);
        return completion.Task;
    }

    private async Task RunMaterializationAsync(TaskCompletionSource<TlsState> completion)
    {
        try
        {
            // Re-check: a materialisation that finished between the caller's read of _tls and our install is reused.
            TlsState? state = Volatile.Read(ref _tls);
            if (state is null)
            {
                // Not the caller's token: the load is shared, and one client giving up must not fail the others.
                CertificateMaterial material = _pinned ?? await _source!.LoadAsync(this, CancellationToken.None).ConfigureAwait(false);
                state = Publish(material);
                Volatile.Read(ref _cache)?.LoadEnded(succeeded: true);
            }

            completion.SetResult(state);
        }
        catch (Exception ex)
        {
            Volatile.Read(ref _cache)?.LoadEnded(succeeded: false);
            completion.SetException(ex);
        }
        finally
        {
            _ = Interlocked.CompareExchange(ref _pending, null, completion.Task);
        }
    }

    private TlsState MaterializeSync() => Publish(_pinned ?? _source!.Load(this));

    /// <summary>Builds the context (pure CPU), publishes it unless another thread won, and admits the entry to
    /// the cache (which may evict another entry).</summary>
    private TlsState Publish(CertificateMaterial material)
    {
        // Never fetch missing intermediates (AIA) or OCSP responses from the network: the operator supplies the full
        // chain (certbot's fullchain.pem), sent as supplied without a chain build (CertificateContextBuilder). Only an
        // entry that staples OCSP is built online, and only once its chain is known to be complete, so the build itself
        // downloads nothing (see EnableOcspStapling).
        SslStreamCertificateContext context;
        try
        {
            bool staple = DecideOcspStapling(material) == OcspStaplingState.Enabled;
            context = CertificateContextBuilder.Build(material.LeafWithKey, material.Intermediates, staple);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new CertificateLoadException(Source, "could not build the TLS certificate context", ex);
        }

        var state = new TlsState(material, context, TlsPolicy.CreateServerOptions(context));
        TlsState? existing = Interlocked.CompareExchange(ref _tls, state, null);
        if (existing is not null)
        {
            return existing;
        }

        CertificateContextCache? cache = Volatile.Read(ref _cache);
        cache?.Admit(this);
        // An entry in no cache (the CLI's, a test's) pins as the default cache would.
        if (cache is { PinsSslContexts: false })
        {
            return state;
        }

        // After admission, with full fences on both sides (here and in Evict): if an eviction slipped in between, one
        // of the two sees the other's write and releases the pin (Release is idempotent).
        SslContextPin pin = SslContextPin.Start(state.Options, cache?.Pins);
        Interlocked.Exchange(ref state.Pin, pin);
        if (!ReferenceEquals(Volatile.Read(ref _tls), state))
        {
            pin.Release();
        }

        return state;
    }

    private sealed record TlsState(CertificateMaterial Material, SslStreamCertificateContext Context, SslServerAuthenticationOptions Options)
    {
        /// <summary>Holds the runtime's SSL_CTX for <see cref="Options"/> while the entry is cached.</summary>
        public SslContextPin? Pin;
    }
}
