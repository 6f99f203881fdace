using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.Infrastructure;

namespace Terminator.Tests.Infrastructure;

public sealed class TransportFailureTests
{
    [Fact]
    public void Is_PeerAndNetworkFailures_True()
    {
        Assert.True(TransportFailure.Is(new IOException("reset")));
        Assert.True(TransportFailure.Is(new SocketException((int)SocketError.ConnectionReset)));
        Assert.True(TransportFailure.Is(new ObjectDisposedException("stream")));
        Assert.True(TransportFailure.Is(new AuthenticationException("bad record")));
    }

    [Fact]
    public void Is_OurOwnBugs_False()
    {
        // Reading a completed pipe, two concurrent reads on a stream: misuse of our own objects, which must surface in
        // the error log instead of passing for a client that went away.
        Assert.False(TransportFailure.Is(new InvalidOperationException("Reading is not allowed after reader was completed.")));
        Assert.False(TransportFailure.Is(new ArgumentOutOfRangeException("count")));
    }
}
