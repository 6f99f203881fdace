using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Domains;

/// <summary>A throwaway registry folder with a captured log and a clock the test sets.</summary>
internal sealed class RegistryFolder : IDisposable
{
    private readonly TempDirectory _root = new("domains");
    private readonly StringWriter _logText = new();

    public RegistryFolder()
    {
        Log = new TerminatorLog(LogLevel.Debug, TextWriter.Synchronized(_logText));
    }

    public string Directory => Path.Combine(_root.FullName, "domains");

    public TerminatorLog Log { get; }

    public string LogText => Log.Flush(TimeSpan.FromSeconds(10)) ? _logText.ToString() : throw new TimeoutException("the log did not flush");

    public SettableTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public ManagedDomainRegistry Open() => ManagedDomainRegistry.Open(Directory, Log, Clock);

    public string[] FileNames() =>
        System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Writes a snapshot of <paramref name="count"/> generated domains (name order) straight through the format, as compaction would.</summary>
    public static ManagedDomain[] WriteSnapshot(string directory, int count, Func<int, ManagedDomainState> stateOf)
    {
        System.IO.Directory.CreateDirectory(directory);
        ManagedDomain[] domains = Generate(count, stateOf);
        DomainSnapshotFile.Write(directory, generation: 1, domains);
        return domains;
    }

    /// <summary><paramref name="count"/> domains named d0000000.track.example, ... (name order), each with one certificate id.</summary>
    public static ManagedDomain[] Generate(int count, Func<int, ManagedDomainState> stateOf)
    {
        var added = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var domains = new ManagedDomain[count];
        for (int i = 0; i < count; i++)
        {
            domains[i] = new ManagedDomain
            {
                Name = $"d{i:D7}.track.example",
                State = stateOf(i),
                Added = added,
                Updated = added,
                NotAfter = added.AddDays(90),
                NextRenewal = added.AddDays(60),
                CertificateIds = [$"d{i:D7}.track.example.ecdsa.0123abcd"],
            };
        }

        return domains;
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>A clock that only moves when told.</summary>
internal sealed class SettableTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
