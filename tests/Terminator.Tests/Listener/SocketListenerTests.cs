using System.Net;
using System.Net.Sockets;
using Terminator.Diagnostics;
using Terminator.Listener;

namespace Terminator.Tests.Listener;

public sealed class SocketListenerTests
{
    [Fact]
    public async Task Bind_AddressAlreadyListening_Throws()
    {
        // With SO_REUSEPORT a second daemon bound the same address silently and the kernel split connections between
        // the two (8 of 10 requests went to the wrong one). The bind must be exclusive.
        using var drain = new ConnectionDrain();
        var limiter = new ConnectionLimiter(10, 10, ConnectionLimiter.DefaultIPv6PrefixLength);
        await using SocketListener first = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), 16, _ => Task.CompletedTask, limiter, drain, new ListenerMetrics("https"), TerminatorLog.Silent);

        SocketException refused = Assert.Throws<SocketException>(() =>
            SocketListener.Bind(first.EndPoint, 16, _ => Task.CompletedTask, limiter, drain, new ListenerMetrics("https"), TerminatorLog.Silent));

        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
        Assert.Contains(first.EndPoint.ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bind_OtherListenerUsedReusePort_StillRefused()
    {
        // Even against a foreign socket that set SO_REUSEPORT itself (another program), our bind does not join it.
        using var foreign = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        foreign.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true); // SO_REUSEADDR + SO_REUSEPORT on Linux
        foreign.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreign.Listen();
        using var drain = new ConnectionDrain();

        Assert.Throws<SocketException>(() => SocketListener.Bind((IPEndPoint)foreign.LocalEndPoint!, 16, _ => Task.CompletedTask,
            new ConnectionLimiter(10, 10, ConnectionLimiter.DefaultIPv6PrefixLength), drain, new ListenerMetrics("https"), TerminatorLog.Silent));
        await Task.CompletedTask;
    }
}
