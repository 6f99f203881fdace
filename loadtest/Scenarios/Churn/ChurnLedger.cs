using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// What <c>cert-churn</c> is judged by, which the engine's per-scenario stats cannot say: every click placed against the
/// life of its name. A click for a name that is served from before the click started until after it ended (staying,
/// renewed, or added and already served once) must not fail its handshake: that count is the scenario's threshold (0).
/// Clicks for a name whose removal had begun are counted apart: during the removal (either outcome allowed) and after
/// it (expected: <c>unrecognized_name</c>; a success there is a removal the daemon had not applied yet).
/// </summary>
internal sealed class ChurnLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ChurnName> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _stayingErrors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _afterRemoval = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _stayingFailuresByName = new(StringComparer.Ordinal);
    private string[] _live = [];
    private string[] _removed = [];
    private long _stayingClicks;
    private long _stayingFailedHandshakes;
    private long _duringRemoval;
    private long _servedAfterRemoval;
    private double _servedAfterRemovalMaxMs;

    public void Add(ChurnName name)
    {
        lock (_gate)
        {
            _names.Add(name.Name, name);
            if (name.Kind != ChurnNameKind.Added)
            {
                _live = [.. _live, name.Name];
            }
        }
    }

    public ChurnName this[string name]
    {
        get
        {
            lock (_gate)
            {
                return _names[name];
            }
        }
    }

    public IReadOnlyList<ChurnName> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. _names.Values];
            }
        }
    }

    /// <summary>A name the live clicks draw: served now and not being removed.</summary>
    public string PickLive()
    {
        string[] live = Volatile.Read(ref _live);
        return live[Random.Shared.Next(live.Length)];
    }

    /// <summary>A removed name, or null before the first removal.</summary>
    public string? PickRemoved()
    {
        string[] removed = Volatile.Read(ref _removed);
        return removed.Length == 0 ? null : removed[Random.Shared.Next(removed.Length)];
    }

    /// <summary>An added name answered its first handshake: clicks may draw it from now on.</summary>
    public void Served(ChurnName name, long at)
    {
        lock (_gate)
        {
            name.FirstServedAt = at;
            _live = [.. _live, name.Name];
        }
    }

    /// <summary>A removal starts: no new click draws the name as a live one.</summary>
    public void Removing(ChurnName name, long at)
    {
        lock (_gate)
        {
            name.RemovingSince = at;
            _live = Array.FindAll(_live, n => n != name.Name);
        }
    }

    public void Removed(ChurnName name, long at)
    {
        lock (_gate)
        {
            name.RemovedAt = at;
            _removed = [.. _removed, name.Name];
        }
    }

    /// <summary>A renewal's new entry is on disk (the old one still is).</summary>
    public void Renewed(ChurnName name, ChurnRenewal renewal)
    {
        lock (_gate)
        {
            name.Renewals.Add(renewal);
        }
    }

    /// <summary>Every click of both click scenarios (see <see cref="ClickObserver"/>).</summary>
    public void Record(string sni, long start, X509Certificate? certificate, string? error)
    {
        long end = Stopwatch.GetTimestamp();
        string? serial = certificate?.GetSerialNumberString();
        lock (_gate)
        {
            if (!_names.TryGetValue(sni, out ChurnName? name))
            {
                return;
            }

            if (name.RemovingSince != 0 && name.RemovingSince <= end)
            {
                if (name.RemovedAt != 0 && start >= name.RemovedAt)
                {
                    if (error is null)
                    {
                        _servedAfterRemoval++;
                        _servedAfterRemovalMaxMs = Math.Max(_servedAfterRemovalMaxMs, Stopwatch.GetElapsedTime(name.RemovedAt, start).TotalMilliseconds);
                    }
                    else
                    {
                        _afterRemoval[error] = _afterRemoval.GetValueOrDefault(error) + 1;
                    }
                }
                else
                {
                    _duringRemoval++;
                }

                return;
            }

            _stayingClicks++;
            if (error is not null)
            {
                _stayingErrors[error] = _stayingErrors.GetValueOrDefault(error) + 1;
                _stayingFailuresByName[sni] = _stayingFailuresByName.GetValueOrDefault(sni) + 1;
                if (certificate is null)
                {
                    _stayingFailedHandshakes++;
                }
            }

            if (serial is not null)
            {
                foreach (ChurnRenewal renewal in name.Renewals)
                {
                    SeenUnsynchronized(renewal, serial, start, end);
                }
            }
        }
    }

    /// <summary>A probe saw <paramref name="serial"/> for a renewed name.</summary>
    public void ProbeSaw(ChurnRenewal renewal, string serial, long at)
    {
        lock (_gate)
        {
            if (serial == renewal.NewSerial && (renewal.FirstNewAt == 0 || at < renewal.FirstNewAt))
            {
                renewal.FirstNewAt = at;
            }
        }
    }

    private static void SeenUnsynchronized(ChurnRenewal renewal, string serial, long start, long end)
    {
        if (serial == renewal.NewSerial)
        {
            renewal.NewSeen++;
            if (renewal.FirstNewAt == 0 || end < renewal.FirstNewAt)
            {
                renewal.FirstNewAt = end;
            }
        }
        else if (serial == renewal.OldSerial)
        {
            renewal.OldSeen++;
            if (renewal.ImportedAt != 0 && start >= renewal.ImportedAt)
            {
                renewal.OldAfterImport++;
                renewal.LastOldAt = Math.Max(renewal.LastOldAt, end);
            }

            if (renewal.OldRemovedAt != 0 && start >= renewal.OldRemovedAt)
            {
                renewal.OldAfterRemoval++;
            }
        }
    }

    public long StayingFailedHandshakes
    {
        get
        {
            lock (_gate)
            {
                return _stayingFailedHandshakes;
            }
        }
    }

    public long StayingClicks
    {
        get
        {
            lock (_gate)
            {
                return _stayingClicks;
            }
        }
    }

    public long StayingErrors
    {
        get
        {
            lock (_gate)
            {
                long sum = 0;
                foreach (long count in _stayingErrors.Values)
                {
                    sum += count;
                }

                return sum;
            }
        }
    }

    /// <summary>Import on disk to first successful handshake, per added name that was served (milliseconds).</summary>
    public IReadOnlyList<double> AddPickupMilliseconds() =>
        Collect(static n => n.Kind == ChurnNameKind.Added && n.FirstServedAt != 0 ? Stopwatch.GetElapsedTime(n.ImportedAt, n.FirstServedAt).TotalMilliseconds : double.NaN);

    /// <summary>Removal on disk to the first refused handshake, per removed name (milliseconds).</summary>
    public IReadOnlyList<double> RemovalPickupMilliseconds() =>
        Collect(static n => n.RemovedAt != 0 && n.FirstRefusedAt != 0 ? Stopwatch.GetElapsedTime(n.RemovedAt, n.FirstRefusedAt).TotalMilliseconds : double.NaN);

    /// <summary>Renewal on disk to the first handshake with the new serial, per renewal (milliseconds).</summary>
    public IReadOnlyList<double> RenewalPickupMilliseconds()
    {
        var values = new List<double>();
        lock (_gate)
        {
            foreach (ChurnName name in _names.Values)
            {
                foreach (ChurnRenewal renewal in name.Renewals)
                {
                    if (renewal.ImportedAt != 0 && renewal.FirstNewAt != 0)
                    {
                        values.Add(Math.Max(0, Stopwatch.GetElapsedTime(renewal.ImportedAt, renewal.FirstNewAt).TotalMilliseconds));
                    }
                }
            }
        }

        return values;
    }

    private List<double> Collect(Func<ChurnName, double> figure)
    {
        var values = new List<double>();
        lock (_gate)
        {
            foreach (ChurnName name in _names.Values)
            {
                double value = figure(name);
                if (!double.IsNaN(value))
                {
                    values.Add(value);
                }
            }
        }

        values.Sort();
        return values;
    }

    public Threshold StayingHandshakesThreshold(string scenario) =>
        new($"{scenario}.staying-failed-handshakes", "failed handshakes for names that stay", 0, "", _ => StayingFailedHandshakes);

    /// <summary>Every added name must have been served within 5 s of its import (a lost notification would still be
    /// caught by the 30 s rescan, which is not what this scenario measures).</summary>
    public Threshold AddPickupThreshold(string scenario) =>
        new($"{scenario}.add-to-first-handshake-max", "import to first handshake, slowest added name", 5000, "ms", _ => Max(AddPickupMilliseconds()));

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

    private static double Max(IReadOnlyList<double> values)
    {
        double max = double.NaN;
        foreach (double value in values)
        {
            max = double.IsNaN(max) || value > max ? value : max;
        }

        return max;
    }

    /// <summary>The lines printed after the plan's summary and put into the report.</summary>
    public string Describe(string scenario)
    {
        IReadOnlyList<double> added = AddPickupMilliseconds();
        List<double> renewed = [.. RenewalPickupMilliseconds()];
        renewed.Sort();
        IReadOnlyList<double> removed = RemovalPickupMilliseconds();
        var text = new StringBuilder();
        lock (_gate)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {scenario}: {_stayingClicks} clicks for names that stay, {_stayingFailedHandshakes} failed handshakes");
            text.Append(_stayingErrors.Count == 0 ? "" : " (errors: " + string.Join(", ", _stayingErrors.Select(static e => $"{e.Key} {e.Value}")) + "; by name: " +
                string.Join(", ", _stayingFailuresByName.Select(static e => $"{e.Key} {e.Value}")) + ")");
            text.AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"  {scenario}: added {added.Count} names, import to first handshake p50 {Ms(Percentile(added, 50))} max {Ms(Max(added))} ms; ");
            text.Append(CultureInfo.InvariantCulture, $"renewed {renewed.Count}, import to first new serial p50 {Ms(Percentile(renewed, 50))} max {Ms(Max(renewed))} ms; ");
            text.AppendLine(CultureInfo.InvariantCulture, $"removed {removed.Count}, removal to first refused handshake p50 {Ms(Percentile(removed, 50))} max {Ms(Max(removed))} ms");
            text.Append(CultureInfo.InvariantCulture, $"  {scenario}: clicks for removed names after the removal: {_servedAfterRemoval} still served (latest {Ms(_servedAfterRemovalMaxMs)} ms after), refused: ");
            text.Append(_afterRemoval.Count == 0 ? "none" : string.Join(", ", _afterRemoval.Select(static e => $"{e.Key} {e.Value}")));
            text.AppendLine(CultureInfo.InvariantCulture, $"; {_duringRemoval} clicks overlapped a removal (not judged)");
            foreach (ChurnName name in _names.Values)
            {
                foreach (ChurnRenewal renewal in name.Renewals)
                {
                    text.Append(CultureInfo.InvariantCulture, $"  {scenario}: renewed {name.Name}: serial {Short(renewal.OldSerial)} -> {Short(renewal.NewSerial)}; ");
                    text.Append(CultureInfo.InvariantCulture, $"clicks saw old {renewal.OldSeen}, new {renewal.NewSeen}; old after the import {renewal.OldAfterImport}");
                    text.Append(renewal.LastOldAt == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" (last {Stopwatch.GetElapsedTime(renewal.ImportedAt, renewal.LastOldAt).TotalMilliseconds:0} ms after)"));
                    text.AppendLine(CultureInfo.InvariantCulture, $", old after the old entry's removal {renewal.OldAfterRemoval}");
                }
            }
        }

        return text.ToString().TrimEnd('\n');
    }

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Short(string serial) => serial.Length <= 8 ? serial : serial[..8] + "…";
}
