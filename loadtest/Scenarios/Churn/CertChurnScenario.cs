using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// <c>cert-churn</c>: certificates added, renewed and removed while clicks arrive, through the product's own paths.
/// The runner issues certificates from a CA of its own, imports them with <c>terminator certs import</c> into a fresh
/// encrypted store, and starts the real daemon on that store (the demo has no store) in front of a loopback origin.
/// During the run <see cref="CertChurner"/> adds, renews and removes with <c>terminator certs import|remove</c> while
/// clicks (100/s) go to every name being served and a trickle (10/s) to names already removed.
/// </summary>
internal static class CertChurnScenario
{
    public const string Name = "cert-churn";

    public const string RemovedName = Name + ".removed-names";

    public const string ChurnerName = Name + ".churner";

    public const string Description =
        "Certificates added, renewed and removed while clicks run: the runner's own daemon on an encrypted store that " +
        "terminator certs import/remove change every 2 s (add a name, renew a name with a new key and serial, which the " +
        "store writes over its old entry, remove a name); clicks at 100/s to every served name, 10/s to removed ones. Zero failed handshakes " +
        "for names that stay; import to first handshake, renewal to new serial and removal to refusal are measured.";

    private const string Domain = "churn.test";

    private const int StayingNames = 6;

    private const int RenewedNames = 3;

    public static async Task<ScenarioPlan> CreateAsync(ScenarioSettings settings, CancellationToken cancellationToken)
    {
        string dll = settings.DaemonDll ?? throw new InvalidOperationException($"{Name}: only with --target demo (the runner starts its own daemon on a store it changes)");
        int operations = Math.Max(3, (int)((settings.Duration - TimeSpan.FromSeconds(1.5)) / CertChurner.Interval) + 1);
        int doomed = (operations + 2) / 3;
        string workdir = Directory.CreateTempSubdirectory("terminator-loadtest-churn-").FullName;
        var owned = new List<IAsyncDisposable>();
        var authority = new ChurnCertificateAuthority();
        owned.Add(new Cleanup(workdir, authority));
        try
        {
            (string store, string key) = DaemonTarget.NewStore(workdir);
            var tool = new CertsTool(dll, workdir, store, key, settings.DaemonCpus);
            var ledger = new ChurnLedger();
            var initial = new List<ChurnName>();
            string initialFolder = Directory.CreateDirectory(Path.Combine(workdir, "initial")).FullName;
            for (int i = 0; i < StayingNames + doomed; i++)
            {
                var name = new ChurnName(i < StayingNames ? $"s{i}.{Domain}" : $"r{i - StayingNames}.{Domain}", i < StayingNames ? ChurnNameKind.Staying : ChurnNameKind.Doomed);
                name.Serial = authority.IssueTo(name.Name, Path.Combine(initialFolder, name.Name + ".pem"));
                initial.Add(name);
                ledger.Add(name);
            }

            CertsTool.Outcome import = await tool.ImportAsync(initialFolder, cancellationToken).ConfigureAwait(false);
            if (import.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Name}: terminator certs import of the initial certificates failed: {import}");
            }

            foreach (string line in import.Lines)
            {
                // "imported <id> [s0.churn.test] ECDSA P-256, not after ..., from ..."
                int open = line.IndexOf('[', StringComparison.Ordinal);
                if (line.StartsWith("imported ", StringComparison.Ordinal) && open > 0)
                {
                    ledger[line[(open + 1)..line.IndexOf(']', open)]].EntryId = line.Split(' ')[1];
                }
            }

            var added = new List<ChurnName>();
            for (int i = 0; i < doomed; i++)
            {
                var name = new ChurnName($"a{i}.{Domain}", ChurnNameKind.Added);
                added.Add(name);
                ledger.Add(name);
            }

            var upstream = new LoopbackUpstream();
            upstream.Start();
            owned.Insert(0, upstream);
            DaemonTarget daemon = await DaemonTarget.StartAsync(dll, workdir, store, key, upstream.EndPoint, [.. initial.Select(static n => n.Name)],
                authority.Roots, settings.Insecure, settings.TlsEngine, settings.DaemonCpus, cancellationToken).ConfigureAwait(false);
            owned.Insert(0, daemon);

            var churner = new CertChurner(tool, authority, ledger, daemon.Info, workdir, added,
                [.. initial.Where(static n => n.Kind == ChurnNameKind.Staying).Take(RenewedNames)],
                [.. initial.Where(static n => n.Kind == ChurnNameKind.Doomed)], settings.Duration);
            var clicks = new ScenarioDefinition
            {
                Name = Name,
                Description = Description,
                Iteration = new ClickIteration(daemon.Info, ledger.PickLive, observer: ledger.Record).RunAsync,
                WarmUp = settings.WarmUp,
                Simulations = [new LoadSimulation.Inject(settings.Rate(100), settings.Duration)],
                Thresholds =
                [
                    ledger.StayingHandshakesThreshold(Name),
                    ledger.AddPickupThreshold(Name),
                    new Threshold($"{Name}.churn-failures", "churn operations that failed", 0, "", _ => churner.Failures.Count),
                    Threshold.P99(Name, 500),
                ],
            };
            var removedClicks = new ScenarioDefinition
            {
                Name = RemovedName,
                Description = "Clicks for names whose certificates were removed: the expected outcome is the unrecognized_name alert.",
                Iteration = new RemovedNameClicks(new ClickIteration(daemon.Info, () => ledger.PickRemoved()!, observer: ledger.Record), ledger).RunAsync,
                Simulations = [new LoadSimulation.Inject(settings.Rate(10), settings.Duration)],
                IsBackground = true,
            };
            var churn = new ScenarioDefinition
            {
                Name = ChurnerName,
                Description = "Adds, renews and removes a certificate every 2 s with terminator certs import/remove.",
                Iteration = churner.RunAsync,
                Simulations = [new LoadSimulation.Inject(1, TimeSpan.FromSeconds(1)), new LoadSimulation.Pause(settings.Duration - TimeSpan.FromSeconds(1))],
                IsBackground = true,
                Grace = TimeSpan.FromSeconds(60),
            };
            return new ScenarioPlan(Name, Description, [clicks, removedClicks, churn])
            {
                Target = daemon.Info,
                Owned = owned,
                Afterword = () => ledger.Describe(Name) + (churner.Failures.Count == 0 ? "" : "\n  " + Name + ": failed operations: " + string.Join("; ", churner.Failures)),
            };
        }
        catch
        {
            foreach (IAsyncDisposable item in owned)
            {
                await item.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Deletes the run's folder (store, key-bearing PEM files) and the CA's key.</summary>
    private sealed class Cleanup(string workdir, ChurnCertificateAuthority authority) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            authority.Dispose();
            try
            {
                Directory.Delete(workdir, recursive: true);
            }
            catch (IOException)
            {
            }

            return ValueTask.CompletedTask;
        }
    }
}
