using System.Buffers;
using System.Diagnostics;
using System.Text;
using Terminator.AccessLog;
using Terminator.Http;
using Terminator.Upstream;

namespace Terminator.Proxy;

// The access log's hooks: each step of a request notes what it learnt in _accessLogRecord (a struct field, nothing
// allocated), and the request's end hands it over to the writer's queue. With the access log off every hook is one null
// check and captures nothing.
internal sealed partial class Http1ProxyLoop
{
    private static ReadOnlySpan<byte> RefererName => "Referer"u8;
    private static ReadOnlySpan<byte> UserAgentName => "User-Agent"u8;

    private AccessLogRecord _accessLogRecord;
    private int _requestsOnConnection;
    // The first line of a request rejected before it was parsed (the head storage keeps nothing then); error path only.
    private byte[]? _rejectedLine;
    private int _rejectedLineLength;
    private EdgeResponseMeter? _edgeMeter;

    private AccessLogWriter? AccessLogWriter => _context.AccessLog;

    /// <summary>What the edge responder writes to: the client's pipe, through a meter (status, body size) when logging.</summary>
    private IBufferWriter<byte> EdgeOutput => AccessLogWriter is null ? _output : (_edgeMeter ??= new EdgeResponseMeter()).Begin(_output);

    /// <summary>The first byte of a request head arrived (at <paramref name="started"/>, the timestamp the metrics use
    /// too): a new request begins (the idle wait before it is not its time).</summary>
    private void AccessLogRequestStarted(long started)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord = default;
        _accessLogRecord.RequestStarted = started;
        _accessLogRecord.RequestNumber = ++_requestsOnConnection;
        _rejectedLineLength = 0;
    }

    /// <summary>The head was refused: keep its first line as received, for the line that reports the refusal.</summary>
    private void AccessLogRejected(in ReadOnlySequence<byte> buffer)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.AdvancePastAny(HttpSyntax.CR, HttpSyntax.LF); // the empty lines RFC 9112 §2.2 lets a client send first
        ReadOnlySequence<byte> line = reader.TryReadTo(out ReadOnlySequence<byte> untilLf, HttpSyntax.LF) ? untilLf : reader.UnreadSequence;
        int length = (int)Math.Min(line.Length, AccessLogQueue.MaxRequestLineBytes);
        _rejectedLine ??= new byte[AccessLogQueue.MaxRequestLineBytes];
        line.Slice(0, length).CopyTo(_rejectedLine);
        _rejectedLineLength = length > 0 && _rejectedLine[length - 1] == HttpSyntax.CR ? length - 1 : length;
    }

    /// <summary>Step 2 begins (again, for the retry: the log reports the attempt that answered).</summary>
    private void AccessLogUpstreamStarted()
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.UpstreamStarted = Stopwatch.GetTimestamp();
        _accessLogRecord.UpstreamConnected = 0;
        _accessLogRecord.UpstreamHeaderReceived = 0;
        _accessLogRecord.UpstreamFinished = 0;
        _accessLogRecord.UpstreamAddress = null;
    }

    private void AccessLogUpstreamConnected(UpstreamConnection upstream)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.UpstreamConnected = Stopwatch.GetTimestamp();
        _accessLogRecord.UpstreamAddress = upstream.RemoteEndPoint;
    }

    private void AccessLogUpstreamHeaderReceived()
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.UpstreamHeaderReceived = Stopwatch.GetTimestamp();
        _accessLogRecord.UpstreamStatus = _response.StatusCode;
    }

    /// <summary>Steps 5-6 ended: the upstream's response went to the client (whole, or <paramref name="bodyBytes"/> of it).</summary>
    private void AccessLogRelayed(long bodyBytes)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.UpstreamFinished = Stopwatch.GetTimestamp();
        _accessLogRecord.Status = _response.StatusCode;
        _accessLogRecord.BodyBytesSent = bodyBytes;
        WriteAccessLog();
    }

    /// <summary>Terminator answered with one of its own error responses (<see cref="HttpErrorResponses"/>).</summary>
    private void AccessLogOwnResponse(int statusCode)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        ReadOnlySpan<byte> response = HttpErrorResponses.Get(statusCode).Span;
        _accessLogRecord.Status = statusCode;
        _accessLogRecord.BodyBytesSent = EndedCleanly ? response.Length - (response.IndexOf("\r\n\r\n"u8) + 4) : 0;
        WriteAccessLog();
    }

    /// <summary>The client left (or stopped reading) before any response: nginx's 499.</summary>
    private void AccessLogClientGone()
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.Status = 499;
        WriteAccessLog();
    }

    /// <summary>The edge responder answered (an ACME challenge): its status and body size as the meter saw them.</summary>
    private void AccessLogEdgeResponse(bool delivered)
    {
        if (AccessLogWriter is null || _edgeMeter is null)
        {
            return;
        }

        _accessLogRecord.Status = _edgeMeter.StatusCode;
        _accessLogRecord.BodyBytesSent = delivered ? _edgeMeter.BodyBytes : 0;
        WriteAccessLog();
    }

    private void WriteAccessLog()
    {
        AccessLogWriter writer = AccessLogWriter!;
        long now = Stopwatch.GetTimestamp();
        _accessLogRecord.ResponseFinished = now;
        if (_accessLogRecord.UpstreamStarted != 0 && _accessLogRecord.UpstreamFinished == 0)
        {
            _accessLogRecord.UpstreamFinished = now; // the upstream part ended in a failure: its time is the time it took
        }

        if (_connection.Tls is { } tls)
        {
            _accessLogRecord.TlsProtocol = tls.Protocol;
            _accessLogRecord.TlsCipherSuite = tls.CipherSuite;
            _accessLogRecord.ServerName = tls.ServerName;
            _accessLogRecord.Ja4 = tls.Ja4;
        }

        // A parsed request has a method (a token, never empty); a rejected or timed-out head has none.
        if (_request.Method.IsEmpty)
        {
            ReadOnlySpan<byte> raw = _rejectedLineLength > 0 ? _rejectedLine.AsSpan(0, _rejectedLineLength) : default;
            writer.TryWrite(_accessLogRecord, new AccessLogText(ClientAddress, raw));
            return;
        }

        ReadOnlySpan<byte> referer = default, userAgent = default;
        for (int i = 0; i < _request.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = _request.GetName(i);
            if (name.Length == RefererName.Length && Ascii.EqualsIgnoreCase(name, RefererName))
            {
                referer = _request.GetValue(i);
            }
            else if (name.Length == UserAgentName.Length && Ascii.EqualsIgnoreCase(name, UserAgentName))
            {
                userAgent = _request.GetValue(i);
            }
        }

        writer.TryWrite(_accessLogRecord, new AccessLogText(ClientAddress, _request.Method, _request.Target, _request.VersionMinor, referer, userAgent));
    }
}
