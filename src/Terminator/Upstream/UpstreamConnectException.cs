using System.Net;
using System.Net.Sockets;

namespace Terminator.Upstream;

/// <summary>
/// No connection to the upstream could be made: the connect was refused or failed, timed out, or the host has no addresses.
/// The message says which and names the endpoint; nothing was sent, so the request is always safe to retry elsewhere.
/// </summary>
internal sealed class UpstreamConnectException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public UpstreamConnectException() : base("Could not connect to the upstream.") { }

    /// <summary>Creates an exception with the given message.</summary>
    public UpstreamConnectException(string message) : base(message) { }

    /// <summary>Creates an exception with the given message and cause.</summary>
    public UpstreamConnectException(string message, Exception? innerException) : base(message, innerException) { }

    internal UpstreamConnectException(string message, IPEndPoint? endPoint, SocketError socketError, bool timedOut, Exception? innerException)
        : base(message, innerException)
    {
        EndPoint = endPoint;
        SocketError = socketError;
        IsTimeout = timedOut;
    }

    /// <summary>The address that was dialed, or null when the failure happened before one was chosen (DNS).</summary>
    public IPEndPoint? EndPoint { get; }

    /// <summary>The socket error of a failed connect; <see cref="SocketError.Success"/> when not a socket failure.</summary>
    public SocketError SocketError { get; }

    /// <summary>True when the connect did not finish within <see cref="UpstreamPoolOptions.ConnectTimeout"/>.</summary>
    public bool IsTimeout { get; }
}
