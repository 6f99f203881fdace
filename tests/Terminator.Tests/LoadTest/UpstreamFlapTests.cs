using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Terminator.LoadTest.Scenarios.Flap;
using Terminator.LoadTest.Target;
using Terminator.Tests.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.LoadTest;

/// <summary>
/// <c>upstream-flap</c>: the runner's own origin survives a stop and a restart on the same port; the recorder places
/// errors against the flap window; and a short run of the real runner against the demo (its own demo in front of that
/// origin) meets both thresholds and reports the recovery figure.
/// </summary>
public sealed class UpstreamFlapTests : IDisposable
{
    private readonly TempDirectory _out = new("loadtest-flap");

    public void Dispose() => _out.Dispose();

    [Fact]
    public async Task UpstreamFlap_AgainstTheDemo_ExitsZero_ReportsRecoveryWithinASecond()
    {
        string dll = Path.Combine(ReadmeTests.RepositoryRoot(), typeof(LoadTestSmokeTests).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LoadTestDll").Value!);
        Assert.True(File.Exists(dll), $"{dll} not built");

        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync("dotnet",
            [dll, "--scenario", "upstream-flap", "--duration", "4s", "--warmup", "1s", "--out", _out.FullName], TimeSpan.FromSeconds(20),
            configure: info => ToolProcess.UseTerminatorEnvironment(info, new Dictionary<string, string>()));

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains(" 0 outside [stop, restart + 1s]; restart to first success ", stdout, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.json")));
        JsonElement flap = json.RootElement.GetProperty("plans")[0].GetProperty("scenarios")[0];
        Assert.Equal("upstream-flap", flap.GetProperty("name").GetString());
        JsonElement recovery = flap.GetProperty("thresholds").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "upstream-flap.recovery");
        string actual = recovery.GetProperty("actual").GetString()!;
        Assert.EndsWith("ms", actual, StringComparison.Ordinal);
        double milliseconds = double.Parse(actual[..^2], CultureInfo.InvariantCulture);
        Assert.InRange(milliseconds, 0, 1000);
        Assert.True(recovery.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task LoopbackUpstream_StopCutsKeepAliveConnections_RestartServesOnTheSamePort()
    {
        await using var upstream = new LoopbackUpstream();
        upstream.Start();
        IPEndPoint endPoint = upstream.EndPoint;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(endPoint, timeout.Token);
            Assert.StartsWith("HTTP/1.1 302 ", await ExchangeAsync(client, "/f/1", timeout.Token), StringComparison.Ordinal);
            string pixel = await ExchangeAsync(client, "/q/1", timeout.Token);   // same connection: keep-alive
            Assert.StartsWith("HTTP/1.1 200 ", pixel, StringComparison.Ordinal);
            Assert.Contains("Content-Length: 43\r\n", pixel, StringComparison.Ordinal);

            await upstream.StopAsync();
            // Cut: an end of stream, or a reset when the stop closes a socket whose receive queue still holds bytes
            // (seen once on a loaded host). Either way nothing more arrives and the receive does not hang.
            byte[] buffer = new byte[64];
            try
            {
                Assert.Equal(0, await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token));
            }
            catch (SocketException reset) when (reset.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }

        using (var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            SocketException ex = await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(endPoint, timeout.Token));
            Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        }

        upstream.Start();
        Assert.Equal(endPoint, upstream.EndPoint);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await again.ConnectAsync(endPoint, timeout.Token);
        Assert.StartsWith("HTTP/1.1 302 ", await ExchangeAsync(again, "/f/2", timeout.Token), StringComparison.Ordinal);
    }

    [Fact]
    public void FlapRecorder_CountsOnlyErrorsNotInFlightDuringTheWindow_AndRecoveryFromTheRestart()
    {
        var recorder = new FlapRecorder();
        long second = Stopwatch.Frequency;
        long before = Stopwatch.GetTimestamp();
        recorder.Record(before - second, before - second / 2, ok: false);   // ended before the stop: outside
        Assert.True(double.IsNaN(recorder.ErrorsOutsideWindow()), "no figure before the flap");

        recorder.Stopped();
        long stopped = Stopwatch.GetTimestamp();
        recorder.Record(stopped - second / 100, stopped + second / 100, ok: false);   // in flight at the stop: inside
        recorder.Restarted();
        long restarted = Stopwatch.GetTimestamp();
        recorder.Record(restarted + second / 2, restarted + second / 2 + 1, ok: false);   // within restart + 1 s: inside
        recorder.Record(restarted + 3 * second, restarted + 3 * second + 1, ok: false);   // after restart + 1 s: outside
        recorder.Record(stopped - second, restarted + second / 10, ok: true);             // started before the stop: not recovery
        recorder.Record(stopped + 1, restarted + second / 5, ok: true);                   // first that needed the new origin
        recorder.Record(restarted + 1, restarted + second / 2, ok: true);

        Assert.Equal(2, recorder.ErrorsOutsideWindow());
        Assert.Equal(4, recorder.Failures);
        Assert.Equal(2, recorder.FailuresAfterRestart());
        Assert.InRange(recorder.RecoveryMilliseconds(), 190, 210);
    }

    private static async Task<string> ExchangeAsync(Socket client, string path, CancellationToken cancellationToken)
    {
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: t.example\r\n\r\n"), SocketFlags.None, cancellationToken);
        byte[] buffer = new byte[1024];
        int filled = 0;
        while (true)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            Assert.NotEqual(0, read);
            filled += read;
            string text = Encoding.ASCII.GetString(buffer, 0, filled);
            int head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (head >= 0 && filled - head - 4 >= (text.Contains("Content-Length: 43", StringComparison.Ordinal) ? 43 : 0))
            {
                return text;
            }
        }
    }
}
