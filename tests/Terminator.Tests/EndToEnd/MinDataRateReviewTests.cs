using Terminator.Proxy;

namespace Terminator.Tests.EndToEnd;

/// <summary>The arithmetic behind the request-body minimum rate (exercised end to end in <see cref="SlowClientReviewTests"/>).</summary>
public sealed class MinDataRateReviewTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);

    [Fact]
    public void Disabled_AlwaysTheReadTimeout()
    {
        Assert.True(default(MinDataRate).TryGetReadTimeout(Idle, 0, TimeSpan.FromDays(1), out TimeSpan timeout));
        Assert.Equal(Idle, timeout);
    }

    [Fact]
    public void WithinGrace_TimeoutIsWhatIsLeftOfTheGrace()
    {
        var rate = new MinDataRate(240, TimeSpan.FromSeconds(5));
        Assert.True(rate.TryGetReadTimeout(Idle, 0, TimeSpan.FromSeconds(2), out TimeSpan timeout));
        Assert.Equal(TimeSpan.FromSeconds(3), timeout);
    }

    [Fact]
    public void BytesReceived_EarnMoreWaitingTime()
    {
        var rate = new MinDataRate(240, TimeSpan.FromSeconds(5));
        Assert.True(rate.TryGetReadTimeout(Idle, 2400, TimeSpan.FromSeconds(14), out TimeSpan timeout));   // 5 + 10 - 14
        Assert.Equal(TimeSpan.FromSeconds(1), timeout);
        Assert.False(rate.TryGetReadTimeout(Idle, 2400, TimeSpan.FromSeconds(15), out _));
    }

    [Fact]
    public void HugeBody_NoOverflow_ReadTimeoutApplies()
    {
        var rate = new MinDataRate(1, TimeSpan.FromSeconds(5));
        Assert.True(rate.TryGetReadTimeout(Idle, long.MaxValue, TimeSpan.FromDays(365), out TimeSpan timeout));
        Assert.Equal(Idle, timeout);
    }
}
