using System.Diagnostics;
using Terminator.LoadTest.Client;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// The one iteration of <c>cert-churn</c>'s background scenario: changes the store as an operator (or a renewal job)
/// would, one operation every <see cref="Interval"/>, in turn: add a new name, renew a staying name (import a new
/// certificate with a new key and serial for the same name, which the store writes over the old entry), remove a
/// doomed name. After each it
/// probes the daemon with handshakes every 10 ms until the change is served (the added name answers, the new serial
/// is presented, the removed name is refused), which is when the clicks start (or stop) drawing the name.
/// </summary>
internal sealed class CertChurner(CertsTool tool, ChurnCertificateAuthority authority, ChurnLedger ledger, TargetInfo target, string workdir,
    IReadOnlyList<ChurnName> toAdd, IReadOnlyList<ChurnName> toRenew, IReadOnlyList<ChurnName> toRemove, TimeSpan duration)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(10);

    private int _started;
    private int _issued;

    /// <summary>Operations that did not complete (a tool failed, or the change was not served within 10 s).</summary>
    public List<string> Failures { get; } = [];

    public int Operations { get; private set; }

    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return IterationResult.Ok(requests: 0);
        }

        // Not context.Stopping: an operation under way finishes (its probe bounded), so the store is never left half-renewed.
        long start = Stopwatch.GetTimestamp();
        TimeSpan lastStart = duration - TimeSpan.FromSeconds(1.5);
        int added = 0, renewed = 0, removed = 0;
        for (int op = 0; ; op++)
        {
            TimeSpan due = Interval * op;
            // Each kind at least once, however short the run; after that only while there is time to see the effect.
            if (op >= 3 && (due > lastStart || Stopwatch.GetElapsedTime(start) > lastStart))
            {
                break;
            }

            TimeSpan wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None).ConfigureAwait(false);
            }

            string? failure = (op % 3) switch
            {
                0 when added < toAdd.Count => await AddAsync(toAdd[added++]).ConfigureAwait(false),
                1 => await RenewAsync(toRenew[renewed++ % toRenew.Count]).ConfigureAwait(false),
                2 when removed < toRemove.Count => await RemoveAsync(toRemove[removed++]).ConfigureAwait(false),
                _ => null,
            };
            Operations++;
            if (failure is not null)
            {
                lock (Failures)
                {
                    Failures.Add(failure);
                }
            }
        }

        lock (Failures)
        {
            return Failures.Count == 0 ? IterationResult.Ok(requests: 0) : IterationResult.Fail("churn operation failed", requests: 0);
        }
    }

    private async Task<string?> AddAsync(ChurnName name)
    {
        string path = Issue(name, out string serial);
        CertsTool.Outcome import = await tool.ImportAsync(path, CancellationToken.None).ConfigureAwait(false);
        if (!import.Succeeded)
        {
            return $"import {name.Name}: {import}";
        }

        name.EntryId = import.ImportedId;
        name.Serial = serial;
        name.ImportedAt = import.DoneTimestamp;
        long? served = await ProbeAsync(name.Name, static (_, error) => error is null).ConfigureAwait(false);
        if (served is null)
        {
            return $"added {name.Name}: not served within {ProbeLimit.TotalSeconds:0}s of its import";
        }

        ledger.Served(name, served.Value);
        return null;
    }

    private async Task<string?> RenewAsync(ChurnName name)
    {
        string path = Issue(name, out string serial);
        var renewal = new ChurnRenewal(name.Serial!, serial);
        ledger.Renewed(name, renewal);
        CertsTool.Outcome import = await tool.ImportAsync(path, CancellationToken.None).ConfigureAwait(false);
        if (!import.Succeeded)
        {
            return $"renew {name.Name}: {import}";
        }

        renewal.ImportedAt = import.DoneTimestamp;
        long? seen = await ProbeAsync(name.Name, (presented, _) => presented == serial).ConfigureAwait(false);
        if (seen is null)
        {
            return $"renewed {name.Name}: the new serial was not presented within {ProbeLimit.TotalSeconds:0}s of its import";
        }

        ledger.ProbeSaw(renewal, serial, seen.Value);
        string oldId = name.EntryId!;
        // A store entry's id is its names and key family, so a renewal with the same names and key type is written over
        // the old entry (one atomic rename): the old certificate is gone the moment the new one is on disk. Only a renewal
        // that changed the id leaves an old entry to remove.
        if (import.ImportedId == oldId)
        {
            renewal.OldRemovedAt = import.DoneTimestamp;
        }
        else
        {
            CertsTool.Outcome remove = await tool.RemoveAsync(oldId, CancellationToken.None).ConfigureAwait(false);
            if (!remove.Succeeded)
            {
                return $"renew {name.Name}: removing the old entry {oldId}: {remove}";
            }

            renewal.OldRemovedAt = remove.DoneTimestamp;
        }

        name.EntryId = import.ImportedId;
        name.Serial = serial;
        return null;
    }

    private async Task<string?> RemoveAsync(ChurnName name)
    {
        ledger.Removing(name, Stopwatch.GetTimestamp());
        CertsTool.Outcome remove = await tool.RemoveAsync(name.Name, CancellationToken.None).ConfigureAwait(false);
        if (!remove.Succeeded)
        {
            return $"remove {name.Name}: {remove}";
        }

        ledger.Removed(name, remove.DoneTimestamp);
        long? refused = await ProbeAsync(name.Name, static (_, error) => error?.Contains("unrecognized name", StringComparison.Ordinal) == true).ConfigureAwait(false);
        if (refused is null)
        {
            return $"removed {name.Name}: still served {ProbeLimit.TotalSeconds:0}s after its removal";
        }

        name.FirstRefusedAt = refused.Value;
        return null;
    }

    private string Issue(ChurnName name, out string serial)
    {
        string path = Path.Combine(workdir, $"{name.Name}.{Interlocked.Increment(ref _issued)}.pem");
        serial = authority.IssueTo(name.Name, path);
        return path;
    }

    /// <summary>Handshakes (no request) every 10 ms until <paramref name="done"/> holds for the presented serial (null
    /// when the handshake failed) and error kind; returns when it first held, or null after <see cref="ProbeLimit"/>.</summary>
    private async Task<long?> ProbeAsync(string name, Func<string?, string?, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ProbeLimit)
        {
            string? serial = null;
            string? error = null;
            var phase = new PhaseTracker();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await using TlsConnection connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: false, source: null, phase, timeout.Token)
                    .ConfigureAwait(false);
                serial = connection.RemoteCertificate?.GetSerialNumberString();
            }
            catch (Exception ex)
            {
                error = ErrorKinds.Classify(ex, phase.Current);
            }

            long at = Stopwatch.GetTimestamp();
            if (done(serial, error))
            {
                return at;
            }

            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        return null;
    }
}
