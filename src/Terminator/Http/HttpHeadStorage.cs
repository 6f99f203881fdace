using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// Per-connection storage of one parsed head: a pooled copy of the head bytes plus (name, value) offsets, a classified
/// <see cref="HeaderKind"/> and a hop-by-hop flag per field. Allocated once, reused for every message (zero per-request allocation).
/// </summary>
internal sealed class HttpHeadStorage : IDisposable
{
    private const int FieldStride = 4; // nameStart, nameLength, valueStart, valueLength
    private readonly int[] _fields;
    private readonly HeaderKind[] _kinds;
    private readonly bool[] _hopByHop;
    private byte[]? _buffer;

    public HttpHeadStorage(HttpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxHeaderBytes, 64);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxHeaderCount);
        Limits = limits;
        _buffer = ArrayPool<byte>.Shared.Rent(limits.MaxHeaderBytes);
        _fields = new int[limits.MaxHeaderCount * FieldStride];
        _kinds = new HeaderKind[limits.MaxHeaderCount];
        _hopByHop = new bool[limits.MaxHeaderCount];
    }

    public HttpLimits Limits { get; }

    /// <summary>Number of valid header fields.</summary>
    public int Count { get; private set; }

    /// <summary>The buffer the head bytes are copied into before parsing.</summary>
    public Span<byte> Buffer => _buffer ?? throw new ObjectDisposedException(nameof(HttpHeadStorage));

    public ReadOnlySpan<byte> Slice(int start, int length) => _buffer.AsSpan(start, length);

    public ReadOnlySpan<byte> GetName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _buffer.AsSpan(_fields[index * FieldStride], _fields[(index * FieldStride) + 1]);
    }

    public ReadOnlySpan<byte> GetValue(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _buffer.AsSpan(_fields[(index * FieldStride) + 2], _fields[(index * FieldStride) + 3]);
    }

    public HeaderKind GetKind(int index) => _kinds[index];

    public bool IsHopByHop(int index) => _hopByHop[index];

    public void Clear() => Count = 0;

    /// <summary>
    /// Parses the field lines in <c>Buffer[start..end)</c>; each line ends with CRLF (the scanner guaranteed no bare LF).
    /// RFC 9112 §5: field-line = field-name ":" OWS field-value OWS.
    /// </summary>
    public RequestRejectionReason ParseFields(int start, int end)
    {
        ReadOnlySpan<byte> buffer = _buffer;
        int position = start;
        while (position < end)
        {
            int lineLength = buffer[position..end].IndexOf(HttpSyntax.LF) - 1; // LF always preceded by CR
            ReadOnlySpan<byte> line = buffer.Slice(position, lineLength);
            if (HttpSyntax.IsOws(line[0]))
            {
                return RequestRejectionReason.ObsoleteLineFolding; // RFC 9112 §5.2: obs-fold is rejected
            }

            int colon = line.IndexOf((byte)':');
            // RFC 9112 §5.1: no whitespace between name and colon; IsToken also rejects it.
            if (colon <= 0 || !HttpSyntax.IsToken(line[..colon]))
            {
                return RequestRejectionReason.InvalidHeaderName;
            }

            ReadOnlySpan<byte> rawValue = line[(colon + 1)..];
            ReadOnlySpan<byte> value = HttpSyntax.TrimOws(rawValue);
            if (!HttpSyntax.IsValidFieldValue(value))
            {
                return RequestRejectionReason.InvalidHeaderValue;
            }

            if (Count == _kinds.Length)
            {
                return RequestRejectionReason.TooManyHeaders;
            }

            int valueStart = position + colon + 1;
            while (valueStart < position + lineLength && HttpSyntax.IsOws(buffer[valueStart]))
            {
                valueStart++;
            }

            int slot = Count * FieldStride;
            _fields[slot] = position;
            _fields[slot + 1] = colon;
            _fields[slot + 2] = valueStart;
            _fields[slot + 3] = value.Length;
            HeaderKind kind = HeaderKindClassifier.Classify(line[..colon]);
            _kinds[Count] = kind;
            _hopByHop[Count] = HeaderKindClassifier.IsAlwaysHopByHop(kind);
            Count++;
            position += lineLength + 2;
        }

        MarkConnectionNominatedFields();
        return RequestRejectionReason.None;
    }

    /// <summary>RFC 9110 §7.6.1: fields named in Connection are hop-by-hop too (except the protected framing fields).</summary>
    private void MarkConnectionNominatedFields()
    {
        for (int c = 0; c < Count; c++)
        {
            if (_kinds[c] != HeaderKind.Connection)
            {
                continue;
            }

            var tokens = new CommaListEnumerator(GetValue(c));
            while (tokens.MoveNext())
            {
                ReadOnlySpan<byte> token = tokens.Current;
                if (token.IsEmpty)
                {
                    continue;
                }

                for (int i = 0; i < Count; i++)
                {
                    if (!_hopByHop[i] && !HeaderKindClassifier.IsProtected(_kinds[i])
                        && System.Text.Ascii.EqualsIgnoreCase(GetName(i), token))
                    {
                        _hopByHop[i] = true;
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        byte[]? buffer = _buffer;
        _buffer = null;
        Count = 0;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
