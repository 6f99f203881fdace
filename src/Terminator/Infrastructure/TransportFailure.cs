using System.Net.Sockets;
using System.Security.Authentication;

namespace Terminator.Infrastructure;

/// <summary>
/// Tells a failure of the peer or the network (expected at an edge: resets, half-sent records, TLS alerts) from a bug
/// of ours. Only the former may be swallowed where a connection ends.
/// </summary>
internal static class TransportFailure
{
    /// <summary>
    /// True for what a peer can cause: socket errors, I/O errors (SslStream wraps a peer's bad record or alert in one),
    /// a TLS failure, and use of a transport the other direction already closed. Not
    /// <see cref="InvalidOperationException"/> (misuse of a pipe or stream is our bug) nor anything else.
    /// </summary>
    public static bool Is(Exception exception) =>
        exception is IOException or SocketException or ObjectDisposedException or AuthenticationException;
}
