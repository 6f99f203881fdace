namespace Terminator.AccessLog;

/// <summary>
/// The bounded hand-over between the request path (many producers) and the access log writer (one consumer): a ring of
/// <see cref="AccessLogRecord"/>s plus a slab ring holding each record's text, both allocated once. A producer takes a
/// short lock, copies its record and at most <see cref="MaxTextBytes"/> of text, and leaves; when either ring is full the
/// line is refused (the caller counts the drop) — nothing on the request path ever waits for the writer. The consumer
/// takes a batch (<see cref="TakeBatch"/>), formats it straight from the rings without the lock (producers never touch
/// reserved space), and then releases it.
/// </summary>
internal sealed class AccessLogQueue
{
    /// <summary>Bounds of the copied text: enough for a long tracking link, a browser's User-Agent and a Referer, while a
    /// client sending 8 KiB targets and huge headers cannot make one line cost more than ~6 KiB of slab.</summary>
    public const int MaxRequestLineBytes = 4096;
    public const int MaxRefererBytes = 1024;
    public const int MaxUserAgentBytes = 1024;

    /// <summary>46 bytes: the longest IPv6 text form (IPv4-mapped, with a zone id it could be longer: cut).</summary>
    public const int MaxClientAddressBytes = 64;

    public const int MaxTextBytes = MaxClientAddressBytes + MaxRequestLineBytes + MaxRefererBytes + MaxUserAgentBytes;

    private static ReadOnlySpan<byte> Http10 => "HTTP/1.0"u8;
    private static ReadOnlySpan<byte> Http11 => "HTTP/1.1"u8;

    private readonly Lock _lock = new();
    private readonly AccessLogRecord[] _records;
    private readonly byte[] _text;
    private readonly bool _stripQuery;
    private long _head; // records ever enqueued
    private long _tail; // records ever released
    private int _textHead; // next free slab byte
    private int _textUsed; // slab bytes reserved by unreleased records, end-of-slab gaps included

    /// <param name="recordCapacity">Records the queue holds; rounded up to a power of two.</param>
    /// <param name="textCapacity">Slab bytes; at least <see cref="MaxTextBytes"/>.</param>
    public AccessLogQueue(int recordCapacity, int textCapacity, bool stripQuery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recordCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(textCapacity, MaxTextBytes);
        _records = new AccessLogRecord[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)recordCapacity)];
        _text = new byte[textCapacity];
        _stripQuery = stripQuery;
    }

    public int RecordCapacity => _records.Length;

    /// <summary>Records waiting for the writer.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return (int)(_head - _tail);
            }
        }
    }

    /// <summary>Copies <paramref name="record"/> and its text in; false (nothing copied) when the queue is full.</summary>
    public bool TryEnqueue(in AccessLogRecord record, in AccessLogText text)
    {
        ReadOnlySpan<byte> address = Bound(text.ClientAddress, MaxClientAddressBytes, out _);
        ReadOnlySpan<byte> referer = Bound(StripQuery(text.Referer), MaxRefererBytes, out bool refererCut);
        ReadOnlySpan<byte> userAgent = Bound(text.UserAgent, MaxUserAgentBytes, out bool userAgentCut);
        ReadOnlySpan<byte> raw = default, method = default, target = default;
        int lineLength;
        if (text.IsRaw)
        {
            raw = text.RawRequestLine;
            lineLength = raw.Length;
        }
        else
        {
            method = text.Method;
            target = StripQuery(text.Target);
            lineLength = method.Length + 1 + target.Length + 1 + Http11.Length;
        }

        bool lineCut = lineLength > MaxRequestLineBytes;
        lineLength = Math.Min(lineLength, MaxRequestLineBytes);
        int length = address.Length + lineLength + referer.Length + userAgent.Length;

        lock (_lock)
        {
            if (_head - _tail == _records.Length || !TryReserve(length, out int offset, out int reserved))
            {
                return false;
            }

            ref AccessLogRecord slot = ref _records[(int)(_head & (_records.Length - 1))];
            slot = record;
            slot.TextOffset = offset;
            slot.TextReserved = reserved;
            slot.ClientAddressLength = address.Length;
            slot.RequestLineLength = lineLength;
            slot.RefererLength = referer.Length;
            slot.UserAgentLength = userAgent.Length;
            slot.Truncated = (lineCut ? AccessLogTruncation.RequestLine : 0)
                | (refererCut ? AccessLogTruncation.Referer : 0)
                | (userAgentCut ? AccessLogTruncation.UserAgent : 0);

            Span<byte> destination = _text.AsSpan(offset, length);
            address.CopyTo(destination);
            destination = destination[address.Length..];
            Span<byte> line = destination[..lineLength];
            if (text.IsRaw)
            {
                raw[..lineLength].CopyTo(line);
                if (_stripQuery)
                {
                    // A rejected line's query is a recipient identifier like any other.
                    lineLength = StripRawQuery(line);
                    slot.RequestLineLength = lineLength;
                }
            }
            else
            {
                WriteRequestLine(line, method, target, text.VersionMinor);
            }

            destination = destination[line.Length..];
            referer.CopyTo(destination);
            userAgent.CopyTo(destination[referer.Length..]);
            _head++;
            return true;
        }
    }

    /// <summary>The records waiting now, oldest first (<paramref name="first"/> .. + count); they stay reserved, and
    /// producers leave them alone, until <see cref="Release"/>. Only the single consumer calls this.</summary>
    public int TakeBatch(out long first)
    {
        lock (_lock)
        {
            first = _tail;
            return (int)(_head - _tail);
        }
    }

    /// <summary>Record number <paramref name="index"/> of a batch taken with <see cref="TakeBatch"/>.</summary>
    public ref readonly AccessLogRecord RecordAt(long index) => ref _records[(int)(index & (_records.Length - 1))];

    /// <summary>The text of a record of the current batch: client address, request line, Referer, User-Agent, in that order.</summary>
    public ReadOnlySpan<byte> TextOf(in AccessLogRecord record) =>
        _text.AsSpan(record.TextOffset, record.ClientAddressLength + record.RequestLineLength + record.RefererLength + record.UserAgentLength);

    /// <summary>Frees the oldest <paramref name="count"/> records (the batch just written).</summary>
    public void Release(int count)
    {
        int freed = 0;
        for (int i = 0; i < count; i++)
        {
            ref AccessLogRecord record = ref _records[(int)((_tail + i) & (_records.Length - 1))];
            freed += record.TextReserved;
            record = default; // drop the references (upstream address, server name) now, not when the slot is reused
        }

        lock (_lock)
        {
            _tail += count;
            _textUsed -= freed;
            if (_head == _tail)
            {
                _textHead = 0; // empty: start over, so the next batch is contiguous from the slab's start
                _textUsed = 0;
            }
        }
    }

    /// <summary>Reserves <paramref name="length"/> contiguous slab bytes at the head, skipping the slab's end when the
    /// record would not fit before it (the skipped gap stays reserved with the record). Lock held.</summary>
    private bool TryReserve(int length, out int offset, out int reserved)
    {
        offset = _textHead;
        int gap = 0;
        if (offset + length > _text.Length)
        {
            gap = _text.Length - offset;
            offset = 0;
        }

        reserved = gap + length;
        // Free space is the ring from head to tail; both conditions (in place, or wrapped to 0) reduce to this (the
        // wrapped case only fits when the gap and the record's bytes are all free, i.e. the used part lies in between).
        if (_textUsed + reserved > _text.Length)
        {
            return false;
        }

        _textUsed += reserved;
        _textHead = offset + length;
        if (_textHead == _text.Length)
        {
            _textHead = 0;
        }

        return true;
    }

    private static void WriteRequestLine(Span<byte> line, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, int versionMinor)
    {
        // method SP target SP version, cut at the line's bound (the cut is flagged, so the tail never matters).
        int at = Append(line, 0, method);
        at = Append(line, at, " "u8);
        at = Append(line, at, target);
        at = Append(line, at, " "u8);
        Append(line, at, versionMinor == 0 ? Http10 : Http11);
    }

    private static int Append(Span<byte> line, int at, ReadOnlySpan<byte> part)
    {
        int n = Math.Min(part.Length, line.Length - at);
        part[..n].CopyTo(line[at..]);
        return at + n;
    }

    private ReadOnlySpan<byte> StripQuery(ReadOnlySpan<byte> value)
    {
        if (!_stripQuery)
        {
            return value;
        }

        int query = value.IndexOf((byte)'?');
        return query < 0 ? value : value[..query];
    }

    /// <summary>Removes "?..." up to the next space from a raw request line in place; returns the new length.</summary>
    private static int StripRawQuery(Span<byte> line)
    {
        int query = line.IndexOf((byte)'?');
        if (query < 0)
        {
            return line.Length;
        }

        int end = line[query..].IndexOf((byte)' ');
        if (end < 0)
        {
            return query;
        }

        ReadOnlySpan<byte> rest = line[(query + end)..];
        rest.CopyTo(line[query..]);
        return query + rest.Length;
    }

    private static ReadOnlySpan<byte> Bound(ReadOnlySpan<byte> value, int max, out bool cut)
    {
        cut = value.Length > max;
        return cut ? value[..max] : value;
    }
}
