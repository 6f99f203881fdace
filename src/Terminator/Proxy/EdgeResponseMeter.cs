using System.Buffers;

namespace Terminator.Proxy;

/// <summary>
/// Passes an <see cref="IEdgeResponder"/>'s writes through to the client's pipe and notes what the access log needs from
/// them: the status code of the status line and the number of bytes after the head. The responder stays unaware of the
/// log. One per connection, used only while the access log is on; <see cref="Begin"/> resets it for each request.
/// </summary>
internal sealed class EdgeResponseMeter : IBufferWriter<byte>
{
    // "HTTP/1.1 200": the status code is bytes 9-11 of the status line (RFC 9112 §4).
    private const int StatusEnd = 12;

    private IBufferWriter<byte>? _inner;
    private Memory<byte> _lent;
    private readonly byte[] _statusLine = new byte[StatusEnd];
    private int _seen;
    private int _headEndMatched; // how much of CRLF CRLF the bytes so far end with
    private bool _inBody;

    public int StatusCode { get; private set; }

    public long BodyBytes { get; private set; }

    public EdgeResponseMeter Begin(IBufferWriter<byte> inner)
    {
        _inner = inner;
        _lent = default;
        _seen = 0;
        _headEndMatched = 0;
        _inBody = false;
        StatusCode = 0;
        BodyBytes = 0;
        return this;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _lent = _inner!.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public void Advance(int count)
    {
        Observe(_lent.Span[..count]);
        _lent = default;
        _inner!.Advance(count);
    }

    private void Observe(ReadOnlySpan<byte> written)
    {
        for (int i = 0; i < written.Length; i++)
        {
            byte b = written[i];
            if (_inBody)
            {
                BodyBytes += written.Length - i;
                return;
            }

            if (_seen < StatusEnd)
            {
                _statusLine[_seen] = b;
                if (_seen == StatusEnd - 1)
                {
                    StatusCode = ParseStatus(_statusLine);
                }
            }

            _seen++;
            byte expected = (_headEndMatched & 1) == 0 ? (byte)'\r' : (byte)'\n';
            _headEndMatched = b == expected ? _headEndMatched + 1 : b == (byte)'\r' ? 1 : 0;
            _inBody = _headEndMatched == 4;
        }
    }

    private static int ParseStatus(ReadOnlySpan<byte> statusLine)
    {
        int status = 0;
        foreach (byte digit in statusLine[9..StatusEnd])
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return 0;
            }

            status = (status * 10) + (digit - '0');
        }

        return status;
    }
}
