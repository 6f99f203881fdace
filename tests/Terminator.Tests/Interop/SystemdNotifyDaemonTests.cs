using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Tests.Daemon;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>
/// The daemon process under a stand-in service manager: NOTIFY_SOCKET names a datagram socket the test bound, and the
/// test asserts the exact sd_notify sequence for start (READY=1 once listening), SIGHUP (RELOADING=1 with a
/// CLOCK_MONOTONIC time, then READY=1) and SIGTERM (STOPPING=1 as the drain starts), and nothing else.
/// </summary>
public sealed partial class SystemdNotifyDaemonTests
{
    [Fact]
    public async Task PathSocket_StartReloadStop_ExactSequence()
    {
        using var temp = new TempDirectory("notify");
        string dir = temp.FullName;
        string socketPath = Path.Combine(dir, "notify.sock");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        Task receiving = CollectAsync(receiver, messages, stop.Token);

        await using (DaemonProcess daemon = StartDaemon(dir, socketPath))
        {
            Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
            Assert.True(await Eventually.TrueAsync(() => !messages.IsEmpty), daemon.StandardError);
            Assert.Matches($"^READY=1\nSTATUS=serving 1 names from 1 certificates; https {Regex.Escape(ready.Groups["https"].Value)}; http off$", Single(messages, 0));

            long beforeReload = Stopwatch.GetTimestamp();
            daemon.Signal(DaemonProcess.SIGHUP);
            Assert.True(await Eventually.TrueAsync(() => messages.Count >= 3, TimeSpan.FromSeconds(15)), string.Join(" | ", messages));
            long afterReload = Stopwatch.GetTimestamp();
            Match reloading = Regex.Match(Single(messages, 1), "^RELOADING=1\nMONOTONIC_USEC=(?<usec>[0-9]+)\nSTATUS=reloading certificates$");
            Assert.True(reloading.Success, Single(messages, 1));
            // CLOCK_MONOTONIC is one clock for every process: the daemon's reading lies between the test's two.
            Assert.InRange(long.Parse(reloading.Groups["usec"].Value),
                SystemdNotifierTests.Microseconds(beforeReload), SystemdNotifierTests.Microseconds(afterReload));
            Assert.Equal("READY=1\nSTATUS=serving 1 names from 1 certificates", Single(messages, 2));

            daemon.Signal(DaemonProcess.SIGTERM);
            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Datagrams sent before the exit are queued in the receiver already.
        Assert.True(await Eventually.TrueAsync(() => messages.Count >= 4, TimeSpan.FromSeconds(5)));
        Assert.Equal("STOPPING=1\nSTATUS=draining 0 connections", Single(messages, 3));
        await stop.CancelAsync();
        await receiving;
        Assert.Equal(4, messages.Count);
    }

    [Fact]
    public async Task AbstractSocket_ReadyThenStopping()
    {
        using var temp = new TempDirectory("notify-abstract");
        string dir = temp.FullName;
        string name = $"terminator-notify-test-{Guid.NewGuid():N}";
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint("\0" + name));
        var messages = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        Task receiving = CollectAsync(receiver, messages, stop.Token);

        await using (DaemonProcess daemon = StartDaemon(dir, "@" + name))
        {
            await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
            Assert.True(await Eventually.TrueAsync(() => !messages.IsEmpty), daemon.StandardError);
            daemon.Signal(DaemonProcess.SIGTERM);
            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.True(await Eventually.TrueAsync(() => messages.Count >= 2, TimeSpan.FromSeconds(5)));
        await stop.CancelAsync();
        await receiving;
        Assert.Equal(2, messages.Count);
        Assert.StartsWith("READY=1\nSTATUS=serving 1 names from 1 certificates; https 127.0.0.1:", Single(messages, 0), StringComparison.Ordinal);
        Assert.Equal("STOPPING=1\nSTATUS=draining 0 connections", Single(messages, 1));
    }

    private static DaemonProcess StartDaemon(string dir, string notifySocket)
    {
        string certificates = Directory.CreateDirectory(Path.Combine(dir, "certs")).FullName;
        using (LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Notify CA"))
        {
            authority.Issue(["click.notify.test"]).WriteFlat(certificates, "one");
        }

        return DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certificates,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["NOTIFY_SOCKET"] = notifySocket,
        });
    }

    private static string Single(ConcurrentQueue<string> messages, int index) => messages.ElementAt(index);

    private static async Task CollectAsync(Socket receiver, ConcurrentQueue<string> messages, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var buffer = new byte[4096];
                int n = await receiver.ReceiveAsync(buffer, SocketFlags.None, stop);
                messages.Enqueue(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex(@"ready: .*https (?<https>[^;]+); http (?<http>[^;]+);")]
    private static partial Regex ReadyLine();
}
