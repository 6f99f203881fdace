using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>The start-up probe of the workarounds that reach into the runtime, and the lines it leaves.</summary>
public sealed class RuntimeWorkaroundsTests
{
    [Fact]
    public void Probe_OnTheVerifiedRuntime_FindsEveryWorkaroundInEffect()
    {
        // Fails after a .NET update that moves a member one of them relies on: the daemon would then warn at start-up.
        RuntimeWorkaroundState state = RuntimeWorkarounds.Probe(rentSslContext: true);

        Assert.Equal(new RuntimeWorkaroundState(ChainBuildSkipped: true, SslContextRented: true, RecordBuffersReleased: true, BioBuffersReleased: true), state);
    }

    [Fact]
    public void Log_AllInEffect_OneInformationLine()
    {
        var log = new LogLines();

        TlsLog.RuntimeWorkarounds(log.Log.Tls, new RuntimeWorkaroundState(true, true, true, true), sslContextPinning: true);

        LogLines.LogEntry entry = Assert.Single(log.Entries);
        Assert.Equal(("info", "tls"), (entry.Level, entry.Area));
        Assert.StartsWith($"runtime workarounds in effect on .NET {Environment.Version}: ", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_RentAndBothBuffersOff_OneWarningEachNamingItsCost()
    {
        var log = new LogLines();

        TlsLog.RuntimeWorkarounds(log.Log.Tls, new RuntimeWorkaroundState(ChainBuildSkipped: true, SslContextRented: false, RecordBuffersReleased: false, BioBuffersReleased: false), sslContextPinning: true);

        IReadOnlyList<LogLines.LogEntry> entries = log.Entries;
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(("warn", "tls"), (e.Level, e.Area)));
        Assert.Contains("SSL_CTX pins are pending half-handshakes", entries[0].Message, StringComparison.Ordinal);
        Assert.Contains("~55 KiB more memory", entries[0].Message, StringComparison.Ordinal);
        Assert.Contains("OpenSSL keeps its record buffers", entries[1].Message, StringComparison.Ordinal);
        Assert.Contains("memory BIOs keep their buffers", entries[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_PinningOff_RentNotProbedNorWarnedAbout()
    {
        var log = new LogLines();

        TlsLog.RuntimeWorkarounds(log.Log.Tls, new RuntimeWorkaroundState(true, SslContextRented: false, true, true), sslContextPinning: false);

        LogLines.LogEntry entry = Assert.Single(log.Entries);
        Assert.Equal("info", entry.Level);
        Assert.EndsWith("(SSL_CTX pinning off)", entry.Message, StringComparison.Ordinal);
    }
}
