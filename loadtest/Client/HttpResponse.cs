namespace Terminator.LoadTest.Client;

/// <summary>What the client needs from a response: status, body length, whether the body is a GIF, and whether the
/// server will close.</summary>
internal readonly record struct HttpResponse(int Status, int BodyLength, bool BodyIsGif, bool ConnectionClose, long WireBytes)
{
    /// <summary>EOF before a complete response head.</summary>
    public static readonly HttpResponse Closed = new(0, 0, false, true, 0);
}
