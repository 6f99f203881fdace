namespace Terminator.LoadTest.Engine;

/// <summary>
/// What one iteration of a scenario did (NBomber's <c>Response</c>): success, or the kind of error that ended it, plus
/// the requests, TLS handshakes and bytes it took, which the meter adds up.
/// </summary>
internal readonly record struct IterationResult
{
    /// <summary>Null when the iteration met its expectation; otherwise a short stable kind ("connect refused",
    /// "tls alert handshake failure", "timeout", "http 502"), the key errors are counted under.</summary>
    public string? Error { get; init; }

    public int Requests { get; init; }

    public int Handshakes { get; init; }

    /// <summary>Handshakes that resumed an earlier session (the client could tell; see Client/TlsConnection).</summary>
    public int ResumedHandshakes { get; init; }

    public long BytesSent { get; init; }

    public long BytesReceived { get; init; }

    public bool IsOk => Error is null;

    public static IterationResult Ok(int requests = 1, int handshakes = 0) => new() { Requests = requests, Handshakes = handshakes };

    public static IterationResult Fail(string error, int requests = 1, int handshakes = 0) => new() { Error = error, Requests = requests, Handshakes = handshakes };
}
