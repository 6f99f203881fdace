namespace Terminator.LoadTest.Target;

/// <summary>
/// The names a target serves, as SNIs to draw from: exact names as given, and each wildcard (<c>*.track.example.net</c>)
/// as many distinct labels under it (<c>r1a2b.track.example.net</c>), so "a different SNI per click" holds even for a
/// demo with three certificates. Unknown names for abuse are made under <c>.invalid</c> (RFC 2606).
/// </summary>
internal sealed class NameSet
{
    private const int LabelsPerWildcard = 5000;

    private readonly string[] _names;

    public NameSet(IReadOnlyList<string> configured)
    {
        if (configured.Count == 0)
        {
            throw new ArgumentException("no names", nameof(configured));
        }

        Configured = configured;
        var names = new List<string>();
        var exact = new List<string>();
        foreach (string name in configured)
        {
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                for (int i = 0; i < LabelsPerWildcard; i++)
                {
                    names.Add($"r{i:x}{name[1..]}");
                }

                exact.Add("www" + name[1..]);
            }
            else
            {
                names.Add(name);
                exact.Add(name);
            }
        }

        _names = [.. names];
        Exact = exact;
    }

    /// <summary>As given (the names file or the demo's list).</summary>
    public IReadOnlyList<string> Configured { get; }

    /// <summary>One servable name per configured entry (a wildcard's "www" label).</summary>
    public IReadOnlyList<string> Exact { get; }

    /// <summary>Every distinct SNI this set draws from.</summary>
    public int Count => _names.Length;

    /// <summary>A name at random, wildcard labels included.</summary>
    public string Pick() => _names[Random.Shared.Next(_names.Length)];

    /// <summary>Reads a names file: one name per line; blank lines and <c>#</c> comments skipped.</summary>
    public static NameSet Load(string path)
    {
        var names = new List<string>();
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                names.Add(line.ToLowerInvariant());
            }
        }

        if (names.Count == 0)
        {
            throw new InvalidDataException($"{path}: no names");
        }

        return new NameSet(names);
    }
}
