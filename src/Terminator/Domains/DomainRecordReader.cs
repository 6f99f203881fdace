using System.Buffers.Binary;

namespace Terminator.Domains;

/// <summary>
/// Reads the frames of a journal or snapshot file (<see cref="DomainRecordFormat"/>) sequentially through one buffer,
/// so loading a million records is one pass over the file with no per-record read call. Stops at the first frame that
/// is torn or damaged; <see cref="ValidLength"/> is where the good records end.
/// </summary>
internal sealed class DomainRecordReader(Stream stream, int bufferSize = 1 << 20)
{
    private readonly byte[] _buffer = new byte[Math.Max(bufferSize, DomainRecordFormat.MaxFrameLength)];
    private int _start;
    private int _end;
    private bool _endOfStream;

    /// <summary>Bytes consumed by the header and every good record so far.</summary>
    public long ValidLength { get; private set; }

    /// <summary>Reads the header; false when the file is too short for one or carries another magic.</summary>
    public bool TryReadHeader(ReadOnlySpan<byte> magic, out long generation, out long count)
    {
        generation = count = 0;
        if (!Fill(DomainRecordFormat.HeaderLength)
            || !DomainRecordFormat.TryReadHeader(_buffer.AsSpan(_start, DomainRecordFormat.HeaderLength), magic, out generation, out count))
        {
            return false;
        }

        _start += DomainRecordFormat.HeaderLength;
        ValidLength = DomainRecordFormat.HeaderLength;
        return true;
    }

    public DomainRecordReadStatus Read(out DomainRecord record)
    {
        record = default;
        if (!Fill(DomainRecordFormat.FrameHeaderLength))
        {
            return _end == _start ? DomainRecordReadStatus.EndOfFile : DomainRecordReadStatus.Torn;
        }

        ReadOnlySpan<byte> frameHeader = _buffer.AsSpan(_start, DomainRecordFormat.FrameHeaderLength);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(frameHeader);
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(frameHeader[4..]);
        if (length is 0 or > DomainRecordFormat.MaxPayloadLength)
        {
            // Zeros are what a file system leaves after a crash that extended the file but lost the data (ext4 without
            // data=ordered, xfs): a torn tail, not damage.
            return length == 0 && checksum == 0 ? DomainRecordReadStatus.Torn : DomainRecordReadStatus.Damaged;
        }

        int frameLength = DomainRecordFormat.FrameHeaderLength + (int)length;
        if (!Fill(frameLength))
        {
            return DomainRecordReadStatus.Torn;
        }

        ReadOnlySpan<byte> payload = _buffer.AsSpan(_start + DomainRecordFormat.FrameHeaderLength, (int)length);
        if (Crc32C.Compute(payload) != checksum || !DomainRecordFormat.TryDecode(payload, out record))
        {
            return DomainRecordReadStatus.Damaged;
        }

        _start += frameLength;
        ValidLength += frameLength;
        return DomainRecordReadStatus.Record;
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false at the end of the stream with fewer.</summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end < count && !_endOfStream)
        {
            int read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
            }

            _end += read;
        }

        return _end - _start >= count;
    }
}
