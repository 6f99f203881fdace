using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Terminator.Daemon;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Daemon;

/// <summary>The sd_notify client alone: what it sends where, and that it does nothing without NOTIFY_SOCKET.</summary>
public sealed class SystemdNotifierTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unset_DisabledAndSilent(string? value)
    {
        using var log = new StringWriter();
        using var terminatorLog = new TerminatorLog(LogLevel.Debug, log);
        using var notifier = new SystemdNotifier(value, terminatorLog);

        notifier.Ready("x");
        notifier.Reloading();
        notifier.Stopping("y");
        Assert.True(terminatorLog.Flush(TimeSpan.FromSeconds(10)));

        Assert.False(notifier.IsEnabled);
        Assert.Equal(string.Empty, log.ToString());
    }

    [Fact]
    public void RelativePath_DisabledWithOneWarning()
    {
        using var log = new StringWriter();
        using var terminatorLog = new TerminatorLog(LogLevel.Debug, log);
        using var notifier = new SystemdNotifier("run/notify", terminatorLog);

        notifier.Ready("x");
        Assert.True(terminatorLog.Flush(TimeSpan.FromSeconds(10)));

        Assert.False(notifier.IsEnabled);
        Assert.Contains("NOTIFY_SOCKET=run/notify is neither an absolute path nor an @abstract name", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbstractName_DatagramsArriveInOrder()
    {
        string name = $"terminator-notifier-test-{Guid.NewGuid():N}";
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = new SystemdNotifier("@" + name, TerminatorLog.Silent);

        long before = Stopwatch.GetTimestamp();
        notifier.Reloading();
        notifier.Ready("serving 2 names");

        Assert.True(notifier.IsEnabled);
        string reloading = await ReceiveAsync(receiver);
        long after = Stopwatch.GetTimestamp();
        Assert.Equal("READY=1\nSTATUS=serving 2 names", await ReceiveAsync(receiver));
        string[] fields = reloading.Split('\n');
        Assert.Equal("RELOADING=1", fields[0]);
        Assert.StartsWith("MONOTONIC_USEC=", fields[1], StringComparison.Ordinal);
        Assert.InRange(long.Parse(fields[1]["MONOTONIC_USEC=".Length..]), Microseconds(before), Microseconds(after));
        Assert.Equal("STATUS=reloading certificates", fields[2]);
    }

    [Fact]
    public void ManagerGone_OneWarning_NoThrow()
    {
        using var temp = new TempDirectory("notify-gone");
        string path = temp.PathOf("notify.sock");
        using var log = new StringWriter();
        using var terminatorLog = new TerminatorLog(LogLevel.Debug, log);
        using var notifier = new SystemdNotifier(path, terminatorLog);

        notifier.Ready("a");
        notifier.Stopping("b");
        Assert.True(terminatorLog.Flush(TimeSpan.FromSeconds(10)));

        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("cannot notify systemd", StringComparison.Ordinal));
    }

    internal static long Microseconds(long stopwatchTimestamp) => (long)((Int128)stopwatchTimestamp * 1_000_000 / Stopwatch.Frequency);

    internal static async Task<string> ReceiveAsync(Socket receiver)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
