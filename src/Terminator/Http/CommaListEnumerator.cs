namespace Terminator.Http;

/// <summary>
/// Allocation-free enumerator over the elements of a comma-separated list field value (RFC 9110 §5.6.1):
/// yields each element with OWS trimmed; empty elements are yielded as empty spans so callers can reject them if they must.
/// </summary>
internal ref struct CommaListEnumerator
{
    private ReadOnlySpan<byte> _remaining;
    private bool _done;

    public CommaListEnumerator(ReadOnlySpan<byte> value)
    {
        _remaining = value;
        _done = false;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        int comma = _remaining.IndexOf((byte)',');
        if (comma < 0)
        {
            Current = HttpSyntax.TrimOws(_remaining);
            _done = true;
        }
        else
        {
            Current = HttpSyntax.TrimOws(_remaining[..comma]);
            _remaining = _remaining[(comma + 1)..];
        }

        return true;
    }
}
