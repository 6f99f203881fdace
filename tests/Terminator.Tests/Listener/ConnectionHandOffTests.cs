using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Terminator.Listener;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Listener;

/// <summary>
/// A step that hands its connection on (<see cref="ConnectionContext.HandOff"/>) instead of awaiting the next step: the
/// listener runs the next step once the handing step has returned, and the handing steps' ends once the last step is
/// done, latest first, before the socket closes (the TLS step's close_notify before the PROXY step's replay disposal).
/// </summary>
public sealed class ConnectionHandOffTests
{
    [Fact]
    public async Task HandedOnSteps_RunAfterTheirCallerReturned_AndTheirEndsRunLatestFirstOnceTheLastIsDone()
    {
        var order = new ConcurrentQueue<string>();
        ConnectionDelegate last = async connection =>
        {
            await Task.Yield();
            order.Enqueue("last");
        };
        ConnectionDelegate middle = connection =>
        {
            connection.HandOff(last, new RecordingEnd("middle's end", order));
            order.Enqueue("middle returns");
            return Task.CompletedTask;
        };
        ConnectionDelegate first = connection =>
        {
            connection.HandOff(middle, new RecordingEnd("first's end", order));
            order.Enqueue("first returns");
            return Task.CompletedTask;
        };

        await using var listener = new PipelineListener(first);
        using Socket client = await ConnectAsync(listener);
        Assert.True(await Eventually.TrueAsync(() => order.Count == 5, TimeSpan.FromSeconds(5)), string.Join(", ", order));
        Assert.Equal(["first returns", "middle returns", "last", "middle's end (completed)", "first's end (completed)"], order);
        // Then the socket is closed.
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task WhenAStepAfterTheHandOffThrows_TheEndsAreToldTheConnectionDidNotComplete()
    {
        var order = new ConcurrentQueue<string>();
        ConnectionDelegate last = _ => throw new InvalidOperationException("a bug in the last step");

        await using var listener = new PipelineListener(HandsOn(last, new RecordingEnd("first's end", order)));
        using Socket client = await ConnectAsync(listener);
        Assert.True(await Eventually.TrueAsync(() => !order.IsEmpty, TimeSpan.FromSeconds(5)));
        Assert.Equal(["first's end (not completed)"], order);
    }

    [Fact]
    public async Task WhenALaterEndThrows_TheEarlierOneStillRuns()
    {
        var order = new ConcurrentQueue<string>();
        ConnectionDelegate middle = HandsOn(_ => Task.CompletedTask, new ThrowingEnd());

        await using var listener = new PipelineListener(HandsOn(middle, new RecordingEnd("first's end", order)));
        using Socket client = await ConnectAsync(listener);
        Assert.True(await Eventually.TrueAsync(() => !order.IsEmpty, TimeSpan.FromSeconds(5)), "the earlier step's end did not run");
        Assert.Equal(["first's end (completed)"], order);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void HandingOnTwiceBeforeTheListenerTookTheFirst_Throws()
    {
        using var drain = new ConnectionDrain();
        var connection = new ConnectionContext(Stream.Null, new IPEndPoint(IPAddress.Loopback, 50000), new IPEndPoint(IPAddress.Loopback, 443), drain);
        connection.HandOff(_ => Task.CompletedTask);
        Assert.Throws<InvalidOperationException>(() => connection.HandOff(_ => Task.CompletedTask));
    }

    /// <summary>A step that hands the connection to <paramref name="next"/>, leaving <paramref name="end"/>.</summary>
    private static ConnectionDelegate HandsOn(ConnectionDelegate next, IConnectionEnd end) => connection =>
    {
        connection.HandOff(next, end);
        return Task.CompletedTask;
    };

    private static async Task<Socket> ConnectAsync(PipelineListener listener)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        return client;
    }

    private sealed class ThrowingEnd : IConnectionEnd
    {
        public ValueTask EndAsync(ConnectionContext connection, bool completed) => throw new InvalidOperationException("a bug in an end");
    }

    private sealed class RecordingEnd(string name, ConcurrentQueue<string> order) : IConnectionEnd
    {
        public ValueTask EndAsync(ConnectionContext connection, bool completed)
        {
            order.Enqueue($"{name} ({(completed ? "completed" : "not completed")})");
            return ValueTask.CompletedTask;
        }
    }
}
