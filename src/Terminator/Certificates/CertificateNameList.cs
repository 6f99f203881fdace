using System.Collections;

namespace Terminator.Certificates;

/// <summary>
/// The SAN names of one <see cref="CertificateEntry"/>, over what the entry holds: the name itself when it has one (a
/// million single-name store entries then hold no one-element array each), an array when it has several. A struct:
/// indexing and <c>foreach</c> allocate nothing; only a caller that takes it as an interface boxes it (a cold path:
/// logs, the admin API, the CLI).
/// </summary>
internal readonly struct CertificateNameList : IReadOnlyList<string>
{
    private readonly object? _names;

    /// <summary>Wraps what <see cref="Pack"/> returned.</summary>
    internal CertificateNameList(object? packed) => _names = packed;

    /// <summary>Number of names.</summary>
    public int Count => _names switch
    {
        string => 1,
        string[] many => many.Length,
        _ => 0,
    };

    /// <summary>The name at <paramref name="index"/>, in the certificate's order.</summary>
    public string this[int index] => _names is string one
        ? index == 0 ? one : throw new ArgumentOutOfRangeException(nameof(index))
        : ((string[]?)_names ?? [])[index];

    /// <summary>The names as a new array (for callers that keep or sort them).</summary>
    public string[] ToArray() => _names switch
    {
        string one => [one],
        string[] many => (string[])many.Clone(),
        _ => [],
    };

    /// <summary>The form <see cref="CertificateEntry"/> keeps: the one name itself, or an array (kept as given when it is
    /// one, as the entry always did: the loaders hand over arrays they no longer touch).</summary>
    internal static object Pack(IReadOnlyList<string> names) => names switch
    {
        { Count: 1 } => names[0],
        string[] array => array,
        _ => names.ToArray(),
    };

    /// <summary>An enumerator that allocates nothing.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<string> IEnumerable<string>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", (IEnumerable<string>)this);

    /// <summary>Walks the names without allocating.</summary>
    public struct Enumerator(CertificateNameList names) : IEnumerator<string>
    {
        private int _index = -1;

        /// <inheritdoc />
        public readonly string Current => names[_index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext() => ++_index < names.Count;

        /// <inheritdoc />
        public void Reset() => _index = -1;

        /// <inheritdoc />
        public readonly void Dispose()
        {
        }
    }
}
