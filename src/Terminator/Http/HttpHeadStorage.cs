using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// Storage of one parsed head: a copy of the head bytes plus, per field, (name, value) offsets, a classified
/// <see cref="HeaderKind"/> and a hop-by-hop flag. Both are rented from <see cref="HttpHeadBufferPool"/> per message,
/// sized to that message (a 500-byte head takes a 512-byte array, not <see cref="HttpLimits.MaxHeaderBytes"/>), and go
/// back on <see cref="Release"/>: a keep-alive connection waiting for its next request holds no head bytes at all.
/// Pooled, so still nothing is allocated per request.
/// </summary>
internal sealed class HttpHeadStorage : IDisposable
{
    // nameStart, nameLength, valueStart, valueLength, kind (low 16 bits) | HopByHopFlag.
    private const int FieldStride = 5;
    private const int KindMask = 0xFFFF;
    private const int HopByHopFlag = 1 << 16;
    private byte[]? _buffer;
    private int _length;
    private int[]? _fields;

    public HttpHeadStorage(HttpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxHeaderBytes, 64);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxHeaderCount);
        Limits = limits;
    }

    public HttpLimits Limits { get; }

    /// <summary>Number of valid header fields.</summary>
    public int Count { get; private set; }

    /// <summary>The head bytes (the parser edits them in place); empty while nothing is held.</summary>
    public Span<byte> Buffer => _buffer.AsSpan(0, _length);

    /// <summary>Whether a head's bytes are held (between <see cref="Rent"/> and <see cref="Release"/>).</summary>
    public bool IsHoldingBuffer => _buffer is not null;

    /// <summary>
    /// Gives back whatever the previous head held and rents room for a head of <paramref name="length"/> bytes (at most
    /// <see cref="HttpLimits.MaxHeaderBytes"/>: the scanner refused anything longer); returns it, to be copied into.
    /// </summary>
    public Span<byte> Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Limits.MaxHeaderBytes);
        Release();
        _buffer = HttpHeadBufferPool.Bytes.Rent(length);
        _length = length;
        return _buffer.AsSpan(0, length);
    }

    public ReadOnlySpan<byte> Slice(int start, int length) => Buffer.Slice(start, length);

    public ReadOnlySpan<byte> GetName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int slot = index * FieldStride;
        return Buffer.Slice(_fields![slot], _fields[slot + 1]);
    }

    public ReadOnlySpan<byte> GetValue(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int slot = index * FieldStride;
        return Buffer.Slice(_fields![slot + 2], _fields[slot + 3]);
    }

    public HeaderKind GetKind(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return (HeaderKind)(_fields![(index * FieldStride) + 4] & KindMask);
    }

    public bool IsHopByHop(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return (_fields![(index * FieldStride) + 4] & HopByHopFlag) != 0;
    }

    /// <summary>Forgets the head and gives its arrays back to the pool.</summary>
    public void Release()
    {
        Count = 0;
        _length = 0;
        byte[]? buffer = _buffer;
        int[]? fields = _fields;
        _buffer = null;
        _fields = null;
        if (buffer is not null)
        {
            HttpHeadBufferPool.Bytes.Return(buffer);
        }

        if (fields is not null)
        {
            HttpHeadBufferPool.Fields.Return(fields);
        }
    }

    /// <summary>
    /// Parses the field lines in <c>Buffer[start..end)</c>; each line ends with CRLF (the scanner guaranteed no bare LF).
    /// RFC 9112 §5: field-line = field-name ":" OWS field-value OWS.
    /// </summary>
    public RequestRejectionReason ParseFields(int start, int end)
    {
        ReadOnlySpan<byte> buffer = Buffer;
        // One line per LF; the scanner already refused more than MaxHeaderCount of them, so this rents at most that.
        int lines = buffer[start..end].Count(HttpSyntax.LF);
        if (lines > 0)
        {
            _fields = HttpHeadBufferPool.Fields.Rent(lines * FieldStride);
        }

        int[] fields = _fields ?? [];
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

            if (Count == Limits.MaxHeaderCount)
            {
                return RequestRejectionReason.TooManyHeaders;
            }

            int valueStart = position + colon + 1;
            while (valueStart < position + lineLength && HttpSyntax.IsOws(buffer[valueStart]))
            {
                valueStart++;
            }

            int slot = Count * FieldStride;
            fields[slot] = position;
            fields[slot + 1] = colon;
            fields[slot + 2] = valueStart;
            fields[slot + 3] = value.Length;
            HeaderKind kind = HeaderKindClassifier.Classify(line[..colon]);
            fields[slot + 4] = (int)kind | (HeaderKindClassifier.IsAlwaysHopByHop(kind) ? HopByHopFlag : 0);
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
            if (GetKind(c) != HeaderKind.Connection)
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
                    if (!IsHopByHop(i) && !HeaderKindClassifier.IsProtected(GetKind(i))
                        && System.Text.Ascii.EqualsIgnoreCase(GetName(i), token))
                    {
                        _fields![(i * FieldStride) + 4] |= HopByHopFlag;
                    }
                }
            }
        }
    }

    public void Dispose() => Release();
}
