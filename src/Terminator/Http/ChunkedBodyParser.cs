using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// Incremental validator for a chunked body (RFC 9112 §7.1) that is forwarded verbatim: it reports how many bytes belong to
/// the body so the proxy copies them unchanged (extensions and trailers included) and knows exactly where the message ends.
/// Strict on line endings (CRLF only) so the upstream cannot see a different message boundary. Zero allocations; keep the
/// struct in a mutable field, state carries across calls.
/// </summary>
internal struct ChunkedBodyParser
{
    /// <summary>Chunk sizes above 2^62 are rejected (no overflow arithmetic anywhere downstream).</summary>
    public const long MaxChunkSize = 1L << 62;

    private State _state;
    private long _chunkRemaining;
    private int _lineLength;
    private int _trailerBytes;
    private int _maxLineLength;
    private int _maxTrailerBytes;
    private bool _extensionStarted;

    /// <summary>Creates a parser enforcing <paramref name="limits"/> (a default instance uses <see cref="HttpLimits.Default"/>).</summary>
    public ChunkedBodyParser(HttpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _maxLineLength = limits.MaxChunkLineLength;
        _maxTrailerBytes = limits.MaxTrailerBytes;
    }

    private enum State : byte
    {
        SizeStart,   // expecting the first hex digit of a chunk-size
        Size,        // more hex digits, or the extension / CR
        Extension,   // chunk-ext bytes until CR
        SizeLf,      // LF after the chunk-size line
        Data,        // chunk-data bytes
        DataCr,      // CR after chunk-data
        DataLf,      // LF after chunk-data
        TrailerStart,// start of a trailer field line, or CR of the final empty line
        TrailerName, // field-name bytes until ':'
        TrailerValue,// field-value bytes until CR
        TrailerLf,   // LF ending a trailer field line
        FinalLf,     // LF ending the message
        Done,
        Failed,
    }

    /// <summary>Whether the terminating last-chunk and trailer section have been seen.</summary>
    public readonly bool IsComplete => _state == State.Done;

    /// <summary>Prepares for a new body (keeps the limits).</summary>
    public void Reset()
    {
        _state = State.SizeStart;
        _chunkRemaining = 0;
        _lineLength = 0;
        _trailerBytes = 0;
        _extensionStarted = false;
    }

    /// <summary>
    /// Examines <paramref name="buffer"/> (the bytes after those already accepted). Complete: the message ended within the buffer,
    /// <paramref name="bytesConsumed"/> counts up to and including the final CRLF. Incomplete: every byte examined may be
    /// forwarded (<paramref name="bytesConsumed"/> = buffer length). Error: invalid syntax or a limit was exceeded.
    /// </summary>
    public HttpParseResult Parse(in ReadOnlySequence<byte> buffer, out long bytesConsumed)
    {
        bytesConsumed = 0;
        if (_state == State.Done)
        {
            return HttpParseResult.Complete;
        }

        if (_state == State.Failed)
        {
            return HttpParseResult.Error;
        }

        if (_maxLineLength == 0)
        {
            _maxLineLength = HttpLimits.Default.MaxChunkLineLength;
            _maxTrailerBytes = HttpLimits.Default.MaxTrailerBytes;
        }

        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            ReadOnlySpan<byte> span = segment.Span;
            int index = 0;
            while (index < span.Length)
            {
                if (_state == State.Data)
                {
                    int take = (int)Math.Min(_chunkRemaining, span.Length - index);
                    _chunkRemaining -= take;
                    index += take;
                    if (_chunkRemaining == 0)
                    {
                        _state = State.DataCr;
                    }

                    continue;
                }

                if (!Step(span[index]))
                {
                    _state = State.Failed;
                    bytesConsumed += index;
                    return HttpParseResult.Error;
                }

                index++;
                if (_state == State.Done)
                {
                    bytesConsumed += index;
                    return HttpParseResult.Complete;
                }
            }

            bytesConsumed += span.Length;
        }

        return HttpParseResult.Incomplete;
    }

    /// <summary>Advances the framing state machine by one byte; false on a syntax error or exceeded limit.</summary>
    private bool Step(byte b)
    {
        switch (_state)
        {
            case State.SizeStart:
            case State.Size:
                int digit = HexValue(b);
                if (digit >= 0)
                {
                    // chunk-size = 1*HEXDIG; refuse before the shift could exceed 2^62.
                    if (_chunkRemaining > (MaxChunkSize >> 4))
                    {
                        return false;
                    }

                    _chunkRemaining = (_chunkRemaining << 4) | (uint)digit;
                    _state = State.Size;
                    return _chunkRemaining <= MaxChunkSize && CountLineByte();
                }

                if (_state == State.SizeStart)
                {
                    return false;
                }

                _state = State.Extension;
                return StepExtension(b);
            case State.Extension:
                return StepExtension(b);
            case State.SizeLf:
                if (b != HttpSyntax.LF)
                {
                    return false;
                }

                _lineLength = 0;
                _extensionStarted = false;
                _state = _chunkRemaining == 0 ? State.TrailerStart : State.Data;
                return true;
            case State.DataCr:
                _state = State.DataLf;
                return b == HttpSyntax.CR;
            case State.DataLf:
                _state = State.SizeStart;
                return b == HttpSyntax.LF;
            case State.TrailerStart:
                if (b == HttpSyntax.CR)
                {
                    _state = State.FinalLf;
                    return CountTrailerByte();
                }

                // A trailer line must start with a field-name: this also rejects obs-fold (SP/HTAB first).
                _state = State.TrailerName;
                return HttpSyntax.IsTokenChar(b) && CountTrailerByte();
            case State.TrailerName:
                if (b == (byte)':')
                {
                    _state = State.TrailerValue;
                }
                else if (!HttpSyntax.IsTokenChar(b))
                {
                    return false;
                }

                return CountTrailerByte();
            case State.TrailerValue:
                if (b == HttpSyntax.CR)
                {
                    _state = State.TrailerLf;
                }
                else if (!HttpSyntax.IsValidFieldValueByte(b))
                {
                    return false;
                }

                return CountTrailerByte();
            case State.TrailerLf:
                _state = State.TrailerStart;
                return b == HttpSyntax.LF && CountTrailerByte();
            case State.FinalLf:
                _state = State.Done;
                return b == HttpSyntax.LF;
            default:
                return false;
        }
    }

    /// <summary>chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): only OWS or ';' may follow the size; no CTLs.</summary>
    private bool StepExtension(byte b)
    {
        if (b == HttpSyntax.CR)
        {
            _state = State.SizeLf;
            return true;
        }

        if (b == (byte)';')
        {
            _extensionStarted = true;
        }
        else if (!_extensionStarted && !HttpSyntax.IsOws(b))
        {
            return false; // "5x" or "5 6": junk after the size is not an extension
        }

        return HttpSyntax.IsValidFieldValueByte(b) && CountLineByte();
    }

    private bool CountLineByte() => ++_lineLength <= _maxLineLength;

    private bool CountTrailerByte() => ++_trailerBytes <= _maxTrailerBytes;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
