using Terminator.Hosting;

namespace Terminator.Tests.Hosting;

/// <summary>When the C heap is trimmed: after a drop in load or the end of a certificate churn burst, never while load
/// rises or holds.</summary>
public sealed class NativeMemoryTrimmerTests
{
    private int _open;
    private long _churn;
    private int _trims;
    private bool _lastNearlyIdle;

    private NativeMemoryTrimmer Create() => new(() => _open, () => _churn, nearlyIdle =>
    {
        _trims++;
        _lastNearlyIdle = nearlyIdle;
        return true;
    });

    [Fact]
    public void Check_ConnectionsFellToHalfTheirPeak_TrimsOncePerDrop()
    {
        using NativeMemoryTrimmer trimmer = Create();
        _open = 100;
        Assert.False(trimmer.Check());
        _open = 120;
        Assert.False(trimmer.Check()); // rising
        _open = 61;
        Assert.False(trimmer.Check()); // above half of the peak

        _open = 60;
        Assert.True(trimmer.Check());
        Assert.False(_lastNearlyIdle); // 60 open: no full collection under them
        Assert.False(trimmer.Check()); // the peak is now what is open: nothing new to give back
        Assert.Equal(1, _trims);

        _open = 0;
        Assert.True(trimmer.Check()); // the load kept dropping: what the last 60 freed goes back too
        Assert.True(_lastNearlyIdle);
        Assert.False(trimmer.Check());
        Assert.Equal(2, _trims);
    }

    [Fact]
    public void Check_FewConnections_NeverTrims()
    {
        using NativeMemoryTrimmer trimmer = Create();
        _open = NativeMemoryTrimmer.MinPeakConnections - 1;
        Assert.False(trimmer.Check());
        _open = 0;
        Assert.False(trimmer.Check());
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Check_CertificateChurnBurst_TrimsOnceItHasEnded()
    {
        using NativeMemoryTrimmer trimmer = Create();
        _churn = NativeMemoryTrimmer.MinCertificateChurn;
        Assert.False(trimmer.Check()); // still loading and evicting
        _churn += 10;
        Assert.False(trimmer.Check());

        Assert.True(trimmer.Check()); // nothing since the last check: the burst is over
        Assert.False(trimmer.Check());
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Check_SmallChurn_NeverTrims()
    {
        using NativeMemoryTrimmer trimmer = Create();
        _churn = NativeMemoryTrimmer.MinCertificateChurn - 1;
        Assert.False(trimmer.Check());
        Assert.False(trimmer.Check());
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void TrimNow_Trims_AndStartsCountingFromThere()
    {
        using NativeMemoryTrimmer trimmer = Create();
        _open = 100;
        _churn = 1000;
        trimmer.TrimNow();
        Assert.Equal(1, _trims);
        Assert.Equal(1, trimmer.Trims);

        _open = 60;
        Assert.False(trimmer.Check()); // 100 was the level at the trim; 60 is not half of it
        _open = 50;
        Assert.True(trimmer.Check());
    }
}
