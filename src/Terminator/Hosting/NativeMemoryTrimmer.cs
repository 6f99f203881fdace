using Terminator.Interop;

namespace Terminator.Hosting;

/// <summary>
/// Decides when to hand the C heap's free memory back to the kernel (<see cref="NativeHeap.TryTrim"/>): after
/// a bulk certificate load (the daemon calls <see cref="TrimNow"/>), and on a low-frequency check when the load has
/// dropped — the open connections fell to half the highest count seen since the last trim — or when a burst of
/// certificate loads and evictions (each one an SSL_CTX built or dropped) has ended. Never while load is rising or
/// steady, when the freed memory would only be taken again.
/// </summary>
/// <remarks>A check reads two counters; a trim walks glibc's arenas (a few milliseconds for a few hundred MiB) on a
/// timer thread, after a full garbage collection when at most <see cref="MinPeakConnections"/> connections are open.
/// None of it touches the request path.</remarks>
internal sealed class NativeMemoryTrimmer : IDisposable
{
    /// <summary>How often the counters are looked at.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>Below this peak a drop in connections is not worth a trim (a few connections free little).</summary>
    public const int MinPeakConnections = 16;

    /// <summary>Certificate loads and evictions since the last trim that make a burst worth trimming after.</summary>
    public const long MinCertificateChurn = 64;

    private readonly Lock _gate = new();
    private readonly Func<int> _openConnections;
    private readonly Func<long> _certificateChurn;
    private readonly Func<bool, bool> _trim;
    private ITimer? _timer;
    private int _peakConnections;
    private long _churnAtTrim;
    private long _churnAtCheck;
    private long _trims;

    /// <param name="openConnections">The connections open now.</param>
    /// <param name="certificateChurn">A count that grows with every certificate context built or evicted.</param>
    /// <param name="trim">The trim itself, told whether the server is nearly idle (<see cref="CollectAndTrim"/>; tests
    /// count instead).</param>
    public NativeMemoryTrimmer(Func<int> openConnections, Func<long> certificateChurn, Func<bool, bool> trim)
    {
        _openConnections = openConnections;
        _certificateChurn = certificateChurn;
        _trim = trim;
        _churnAtTrim = _churnAtCheck = certificateChurn();
    }

    /// <summary>Trims done (each one a <c>malloc_trim</c> call).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>Starts the periodic check.</summary>
    public void Start(TimeProvider time) => _timer ??= time.CreateTimer(static state => ((NativeMemoryTrimmer)state!).Check(), this, CheckInterval, CheckInterval);

    /// <summary>One check (the timer's); true when it trimmed.</summary>
    internal bool Check()
    {
        lock (_gate)
        {
            int open = _openConnections();
            long churn = _certificateChurn();
            _peakConnections = Math.Max(_peakConnections, open);
            bool loadDropped = _peakConnections >= MinPeakConnections && open <= _peakConnections / 2;
            bool churnEnded = churn - _churnAtTrim >= MinCertificateChurn && churn == _churnAtCheck;
            _churnAtCheck = churn;
            if (!loadDropped && !churnEnded)
            {
                return false;
            }

            TrimLocked(open, churn);
            return true;
        }
    }

    /// <summary>Trims now: after a bulk certificate load, whose parsing garbage and key imports have just been freed.</summary>
    public void TrimNow()
    {
        lock (_gate)
        {
            TrimLocked(_openConnections(), _certificateChurn());
        }
    }

    private void TrimLocked(int open, long churn)
    {
        _trim(open <= MinPeakConnections);
        Interlocked.Increment(ref _trims);
        _peakConnections = open;
        _churnAtTrim = _churnAtCheck = churn;
    }

    /// <summary>
    /// The trim: <c>malloc_trim(0)</c>, preceded when <paramref name="nearlyIdle"/> by a full garbage collection, which runs
    /// the finalizers of what still holds C heap memory (SafeHandles over OpenSSL objects, the key handles of a load) so
    /// the trim hands that back too, and returns the managed heap's own free memory. Measured after a keep-alive load
    /// (10,000 names): RssAnon 53 -> 45 MiB with the trim alone, 53 -> 26 MiB with the collection first. Only when nearly
    /// idle: with many connections open the heap is large and a full compacting collection would pause them all.
    /// </summary>
    public static bool CollectAndTrim(bool nearlyIdle)
    {
        if (nearlyIdle)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return NativeHeap.TryTrim();
    }

    public void Dispose() => _timer?.Dispose();
}
